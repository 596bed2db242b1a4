// The row codec shared by the SQL stores (runtime/sqlite-store.ts, runtime/postgres/store.ts): an
// input row checked and serialized for writing, and every stored column decoded on load against the
// generated types, failing closed (StoreCorruptRowError) rather than handing the runtime a guess.

import { INPUT_PHASES as SPEC_INPUT_PHASES, TERMINAL_INPUT_PHASES } from "../generated/session.machine.js";
import type { AbandonReason, InputPhase, Lane } from "../generated/session.machine.js";
import { INPUT_KINDS, type Durability, type Input, type InputId, type InputKind, type JsonValue, type SessionId } from "./input.js";
import type { InputTerminalOutcome } from "./ledger.js";
import type { AdmissionClass, ApplyMode, ConsumePoint, DrainPolicy, PolicyDecision, QueueMode, RoutingDisposition, WakeMode } from "./policy.js";
import type { BoundaryReceipt, PersistedPhase, StoredInputRow } from "./store.js";
import { StoreCorruptRowError } from "./store-errors.js";
import { validateInput } from "./validate.js";

// Exported for the PostgreSQL store (runtime/postgres/), which stores the same rows and decodes them
// the same way; `path` is then the database's label.

// The valid values of every stored enumeration. `Record<T, true>` makes the compiler insist on
// every member of the generated type, so a new phase or reason cannot be forgotten here.
function members<T extends string>(all: Record<T, true>): ReadonlySet<string> {
  return new Set(Object.keys(all));
}
// Input phases and which are terminal come from the spec.
const INPUT_PHASES: ReadonlySet<string> = new Set<string>(SPEC_INPUT_PHASES);
const TERMINAL_PHASES: ReadonlySet<string> = TERMINAL_INPUT_PHASES;
const LANES = members<Lane>({ Queue: true, Steer: true });
const ABANDON_REASONS = members<AbandonReason>({ Retired: true, Reset: true, Stopped: true, Destroyed: true, Cancelled: true, MaxAttemptsExhausted: true });
export const PERSISTED_PHASES = members<PersistedPhase>({ Initializing: true, Idle: true, Retired: true, Stopped: true, Destroyed: true });
const DURABILITIES = members<Durability>({ Durable: true, Ephemeral: true, Derived: true });
const KINDS: ReadonlySet<string> = new Set<InputKind>(INPUT_KINDS);
const DECISION_ENUMS: Readonly<Record<string, ReadonlySet<string>>> = {
  applyMode: members<ApplyMode>({ StageRunStart: true, StageRunBoundary: true, InjectNow: true, Ignore: true }),
  wakeMode: members<WakeMode>({ WakeIfIdle: true, InterruptYielding: true, None: true }),
  queueMode: members<QueueMode>({ None: true, Fifo: true, Coalesce: true, Supersede: true, Priority: true }),
  consumePoint: members<ConsumePoint>({ OnAccept: true, OnApply: true, OnRunStart: true, OnRunComplete: true, ExplicitAck: true }),
  drainPolicy: members<DrainPolicy>({ QueueNextTurn: true, SteerBatch: true, Immediate: true, Ignore: true }),
  routingDisposition: members<RoutingDisposition>({ Queue: true, Steer: true, Immediate: true, Drop: true }),
  lane: LANES,
  admission: members<AdmissionClass>({ Passive: true, WakeIfIdle: true, InterruptYielding: true, Immediate: true }),
};
const DECISION_FLAGS = ["recordTranscript", "consumeOnAccept"] as const;

/** A row ready for the two upserts: the input_states parameters and the payload texts. */
export interface EncodedRow {
  readonly state: unknown[];
  readonly inputJson: string;
  readonly decisionJson: string;
}

/** Refuses (TypeError) a row it could not decode again: it would be lost at the next load. */
export function encodeRow(sessionId: SessionId, row: StoredInputRow): EncodedRow {
  const bad = checkRowForWrite(row);
  if (bad !== null) throw new TypeError(`input row ${JSON.stringify(row.inputId)} of session ${JSON.stringify(sessionId)}: ${bad}`);
  return {
    state: [
      sessionId,
      row.inputId,
      row.phase,
      row.lane,
      row.attempts,
      row.lastRunId,
      row.terminal === null ? null : JSON.stringify(row.terminal),
      row.idempotencyKey,
      row.kind,
      row.durability,
      row.updatedAt,
    ],
    inputJson: JSON.stringify(row.input),
    decisionJson: JSON.stringify(row.decision),
  };
}

/** The scalar columns of a row about to be written: null when they would decode again. */
export function checkRowForWrite(row: StoredInputRow): string | null {
  if (!INPUT_PHASES.has(row.phase)) return `unknown phase ${JSON.stringify(row.phase)}`;
  if (row.lane !== null && !LANES.has(row.lane)) return `unknown lane ${JSON.stringify(row.lane)}`;
  if (!Number.isSafeInteger(row.attempts) || row.attempts < 0) return `attempts ${String(row.attempts)} is not a count`;
  if (!KINDS.has(row.kind)) return `unknown kind ${JSON.stringify(row.kind)}`;
  if (!DURABILITIES.has(row.durability)) return `unknown durability ${JSON.stringify(row.durability)}`;
  if (!Number.isSafeInteger(row.updatedAt)) return `updatedAt ${String(row.updatedAt)} is not a millisecond timestamp`;
  return null;
}

/** A row of input_states joined with its input_payloads row (null payload columns: none). */
export interface InputRowRaw {
  readonly row_id: unknown;
  readonly session_id: unknown;
  readonly input_id: unknown;
  readonly phase: unknown;
  readonly lane: unknown;
  readonly attempts: unknown;
  readonly last_run_id: unknown;
  readonly terminal_json: unknown;
  readonly idempotency_key: unknown;
  readonly input_json: unknown;
  readonly decision_json: unknown;
  readonly kind: unknown;
  readonly durability: unknown;
  readonly updated_at: unknown;
}

export interface ReceiptRowRaw {
  readonly session_id: unknown;
  readonly run_id: unknown;
  readonly sequence: unknown;
  readonly contributors_json: unknown;
  readonly committed_at: unknown;
}

/** Where a decode failure is: the file, table and row key for StoreCorruptRowError. */
export class Decoding {
  constructor(
    readonly path: string,
    readonly table: string,
    readonly key: Readonly<Record<string, string | number>>,
  ) {}

  fail(column: string, detail: string): never {
    throw new StoreCorruptRowError(this.path, this.table, this.key, column, detail);
  }
}

export function decodeEnum(valid: ReadonlySet<string>, value: unknown, d: Decoding, column: string): string {
  if (typeof value !== "string" || !valid.has(value)) d.fail(column, `unknown value ${JSON.stringify(value)}`);
  return value;
}

function decodeText(value: unknown, d: Decoding, column: string): string {
  if (typeof value !== "string") d.fail(column, `expected text, found ${typeOf(value)}`);
  return value;
}

function decodeTextOrNull(value: unknown, d: Decoding, column: string): string | null {
  return value === null ? null : decodeText(value, d, column);
}

function decodeCount(value: unknown, d: Decoding, column: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) d.fail(column, `expected a non-negative integer, found ${JSON.stringify(value)}`);
  return value;
}

export function decodeJson(d: Decoding, column: string, value: unknown): JsonValue {
  const text = decodeText(value, d, column);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    return d.fail(column, `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function typeOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function decodeInputRow(path: string, r: InputRowRaw): StoredInputRow {
  const d: Decoding = new Decoding(path, "input_states", { session_id: String(r.session_id), input_id: String(r.input_id) });
  const inputId = decodeText(r.input_id, d, "input_id");
  const phase = decodeEnum(INPUT_PHASES, r.phase, d, "phase") as InputPhase;
  const lane = r.lane === null ? null : (decodeEnum(LANES, r.lane, d, "lane") as Lane);
  const attempts = decodeCount(r.attempts, d, "attempts");
  const lastRunId = decodeTextOrNull(r.last_run_id, d, "last_run_id");
  const terminal = r.terminal_json === null ? null : decodeTerminal(decodeJson(d, "terminal_json", r.terminal_json), d);
  if (TERMINAL_PHASES.has(phase) !== (terminal !== null)) d.fail("terminal_json", terminal === null ? `phase ${phase} is terminal but there is no outcome` : `phase ${phase} is not terminal but has an outcome`);
  if (terminal !== null && terminal.kind !== phase) d.fail("terminal_json", `outcome ${terminal.kind} does not match phase ${phase}`);
  const idempotencyKey = decodeTextOrNull(r.idempotency_key, d, "idempotency_key");
  const kind = decodeEnum(KINDS, r.kind, d, "kind") as InputKind;
  const durability = decodeEnum(DURABILITIES, r.durability, d, "durability") as Durability;
  // The payload columns live in input_payloads; a failure there names that table (same key).
  const p: Decoding = new Decoding(path, "input_payloads", d.key);
  if (r.input_json === null && r.decision_json === null) p.fail("row_id", "the input has no payload row");
  const input = decodeInput(decodeJson(p, "input_json", r.input_json), p, { inputId, kind, durability, idempotencyKey });
  const decision = decodeDecision(decodeJson(p, "decision_json", r.decision_json), p);
  const updatedAt = r.updated_at;
  if (typeof updatedAt !== "number" || !Number.isSafeInteger(updatedAt)) d.fail("updated_at", `expected a millisecond timestamp, found ${JSON.stringify(updatedAt)}`);
  return { inputId, kind, durability, phase, lane, attempts, lastRunId, terminal, idempotencyKey, input, decision, updatedAt };
}

function decodeTerminal(v: JsonValue, d: Decoding): InputTerminalOutcome {
  if (!isObject(v)) return d.fail("terminal_json", "not an object");
  switch (v.kind) {
    case "Consumed":
      if (v.runId !== null && typeof v.runId !== "string") d.fail("terminal_json", "Consumed.runId is neither text nor null");
      return { kind: "Consumed", runId: v.runId };
    case "Superseded":
      if (typeof v.by !== "string") d.fail("terminal_json", "Superseded.by is not text");
      return { kind: "Superseded", by: v.by };
    case "Coalesced":
      if (typeof v.into !== "string") d.fail("terminal_json", "Coalesced.into is not text");
      return { kind: "Coalesced", into: v.into };
    case "Abandoned":
      return { kind: "Abandoned", reason: decodeEnum(ABANDON_REASONS, v.reason, d, "terminal_json.reason") as AbandonReason };
    default:
      return d.fail("terminal_json", `unknown outcome kind ${JSON.stringify(v.kind ?? null)}`);
  }
}

/** The payload must be a valid input (the admission schema) and agree with the row's columns. */
function decodeInput(
  v: JsonValue,
  d: Decoding,
  row: { readonly inputId: string; readonly kind: InputKind; readonly durability: Durability; readonly idempotencyKey: string | null },
): Input {
  let input: Input;
  try {
    input = validateInput(String(d.key.session_id), v);
  } catch (e) {
    return d.fail("input_json", e instanceof Error ? e.message : String(e));
  }
  if (input.header.id !== row.inputId) d.fail("input_json", `header.id ${JSON.stringify(input.header.id)} differs from input_id`);
  if (input.kind !== row.kind) d.fail("input_json", `kind ${input.kind} differs from column kind ${row.kind}`);
  if (input.header.durability !== row.durability) d.fail("input_json", `durability ${input.header.durability} differs from column durability ${row.durability}`);
  if ((input.header.idempotencyKey ?? null) !== row.idempotencyKey) d.fail("input_json", "idempotencyKey differs from column idempotency_key");
  return input;
}

function decodeDecision(v: JsonValue, d: Decoding): PolicyDecision {
  if (!isObject(v)) return d.fail("decision_json", "not an object");
  for (const [field, valid] of Object.entries(DECISION_ENUMS)) decodeEnum(valid, v[field], d, `decision_json.${field}`);
  for (const field of DECISION_FLAGS) if (typeof v[field] !== "boolean") d.fail(`decision_json.${field}`, `expected a boolean, found ${JSON.stringify(v[field] ?? null)}`);
  // The generated decision carries more columns than the runtime reads; they are kept as stored.
  return v as unknown as PolicyDecision;
}

export function decodeReceipt(path: string, r: ReceiptRowRaw): BoundaryReceipt {
  const d: Decoding = new Decoding(path, "boundary_receipts", {
    session_id: String(r.session_id),
    run_id: String(r.run_id),
    sequence: typeof r.sequence === "number" ? r.sequence : String(r.sequence),
  });
  const runId = decodeText(r.run_id, d, "run_id");
  const sequence = decodeCount(r.sequence, d, "sequence");
  const contributors = decodeJson(d, "contributors_json", r.contributors_json);
  if (!Array.isArray(contributors) || !contributors.every((c) => typeof c === "string")) d.fail("contributors_json", "not an array of input ids");
  const committedAt = r.committed_at;
  if (typeof committedAt !== "number" || !Number.isSafeInteger(committedAt)) d.fail("committed_at", `expected a millisecond timestamp, found ${JSON.stringify(committedAt)}`);
  return { runId, sequence, contributors: contributors as readonly InputId[], committedAt };
}

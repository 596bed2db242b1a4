// Recovery (upstream §9.3): rebuilds a session from its stored rows when a runtime first meets it.
// Every live input is re-admitted through the machine (RecoverInput), the stored coarse phase is
// replayed through the machine (RecoverRetired / StopRuntimeExecutor / Destroy), never written directly,
// and the normalized rows are committed before anything can run. Stored data that cannot be
// trusted fails closed with RecoveryCorruptionError and leaves memory and store untouched.

import { INPUT_PHASES, sessionRuntimeKernel, TERMINAL_INPUT_PHASES } from "../generated/session.machine.js";
import { drivesLoopOf } from "../generated/default.policy.js";
import type { InputPhase, Lane, SessionRuntimeTrigger } from "../generated/session.machine.js";
import { recordOf, resolveFor } from "./admission.js";
import { control, refusalError } from "./control.js";
import type { Core } from "./core.js";
import { RecoveryCorruptionError, RuntimeError } from "./errors.js";
import type { InputId, RunId } from "./input.js";
import type { InputTerminalOutcome } from "./ledger.js";
import { decodeOpsSnapshot } from "./ops.js";
import type { PolicyDecision } from "./policy.js";
import type { SessionEntry } from "./session.js";
import { StoreCorruptRowError } from "./store-errors.js";
import type { BoundaryReceipt, PersistedPhase, StoredInputRow } from "./store.js";
import { NOTHING_RECOVERED, type RecoveredAs, type RecoveryReport } from "./recovery-report.js";
import { rowOf, transact } from "./transact.js";
import { validateInput } from "./validate.js";

export { NOTHING_RECOVERED } from "./recovery-report.js";
export type { RecoveredAs, RecoveryReport } from "./recovery-report.js";

/** Stored coarse phases that are replayed through the machine, never written directly (Retired is recovered by RecoverRetired). */
const REPLAY: Partial<Record<PersistedPhase, SessionRuntimeTrigger>> = {
  Stopped: { kind: "StopRuntimeExecutor" },
  Destroyed: { kind: "Destroy", fence: null },
};

// Both from the spec (InputPhase and its terminal values); stored rows are untyped strings.
const PHASES: ReadonlySet<string> = new Set<string>(INPUT_PHASES);
const TERMINAL: ReadonlySet<string> = TERMINAL_INPUT_PHASES;

/** The range of stored attempts: the machine's Attempts type, read from its kernel (RecoverInput.priorAttempts). */
const ATTEMPTS = attemptsRange();

function attemptsRange(): { readonly min: number; readonly max: number } {
  const type = sessionRuntimeKernel.triggers.find((t) => t.name === "RecoverInput")?.fields.find((f) => f.name === "priorAttempts")?.type;
  if (type?.kind !== "int") throw new Error("spec/session.machine.json: RecoverInput.priorAttempts must be an int (the Attempts type)");
  return { min: type.min, max: type.max };
}

interface Plan {
  readonly live: { readonly row: StoredInputRow; readonly lane: Lane; readonly attempts: number; readonly requeued: boolean }[];
  readonly consumed: StoredInputRow[];
  readonly terminal: StoredInputRow[];
  readonly dropped: StoredInputRow[];
}

/**
 * Runs under the session mutex on a fresh entry (phase Initializing). Loads, checks every row
 * before touching anything, then re-admits, registers, commits the normalization and replays the
 * stored phase. Returns NOTHING_RECOVERED when the store knows nothing of the session.
 */
export async function recoverSession(core: Core, entry: SessionEntry): Promise<RecoveryReport> {
  const store = core.store;
  if (store === null || entry.state.phase !== "Initializing") return NOTHING_RECOVERED;
  const sid = entry.id;
  let loaded;
  try {
    loaded = await Promise.all([store.loadInputStates(sid), store.loadRuntimeState(sid), store.loadBoundaryReceipts(sid), store.loadOpsSnapshot(sid), store.loadBinding(sid)]);
  } catch (e) {
    // A store that cannot read its own rows (a corrupt row, an I/O error) fails recovery closed, the
    // same with every store; the store's own typed error is the cause.
    const inputId = e instanceof StoreCorruptRowError && typeof e.rowKey["input_id"] === "string" ? e.rowKey["input_id"] : undefined;
    throw new RecoveryCorruptionError(sid, `the store could not load the session: ${e instanceof Error ? e.message : String(e)}`, inputId, { cause: e });
  }
  const [rows, phase, receipts, ops, binding] = loaded;
  if (ops !== null) {
    const decoded = decodeOpsSnapshot(ops);
    if (decoded === null) throw new RecoveryCorruptionError(sid, "the stored ops registry snapshot is malformed");
    entry.recoveredOps = decoded;
  }
  if (binding !== null) {
    // First, so the session comes back knowing the newest fence it granted (unbound).
    const r = await transact(core, entry, { kind: "RecoverBinding", runtime: binding.runtimeId, fence: binding.fence, generation: binding.generation });
    if (!r.ok) throw new RecoveryCorruptionError(sid, `the stored binding (runtime ${JSON.stringify(binding.runtimeId)}, fence ${binding.fence}, generation ${binding.generation}) was refused: ${refusalError(entry, "recover", r.refusal).message}`);
  }
  if (rows.length === 0 && phase === null) {
    if (binding !== null) await control(core, entry, "recover", { kind: "RegisterSession" });
    return binding === null ? NOTHING_RECOVERED : { ...NOTHING_RECOVERED, binding };
  }

  const plan = planRecovery(sid, rows, receipts);
  if ((phase === "Destroyed" || phase === "Stopped") && plan.live.length > 0) {
    throw new RecoveryCorruptionError(sid, `the stored phase is ${phase} but ${plan.live.length} input(s) are still live (first: ${JSON.stringify(plan.live[0]?.row.inputId)})`);
  }

  // Everything below goes through the machine; a refusal here means the rows contradict the spec.
  const details: { inputId: InputId; stored: InputPhase; recoveredAs: RecoveredAs }[] = [];
  const normalized: StoredInputRow[] = [];
  const now = Date.now();
  try {
    for (const r of plan.terminal) {
      const key = r.idempotencyKey;
      if (key !== null && r.terminal !== null) entry.ledger.restoreTerminal(r.inputId, key, r.terminal, r.updatedAt);
      details.push({ inputId: r.inputId, stored: r.phase, recoveredAs: "Terminal" });
    }
    for (const r of plan.consumed) {
      const outcome: InputTerminalOutcome = { kind: "Consumed", runId: r.lastRunId };
      if (r.idempotencyKey !== null) entry.ledger.restoreTerminal(r.inputId, r.idempotencyKey, outcome, now);
      // The machine consumes it (RecoverCommittedInput); it is terminal at once and leaves the live state.
      const consumed = await transact(core, entry, { kind: "RecoverCommittedInput", input: r.inputId });
      if (!consumed.ok) throw new RecoveryCorruptionError(sid, `the machine refused to consume it: ${refusalError(entry, "recover", consumed.refusal).message}`, r.inputId);
      normalized.push({ ...r, phase: "Consumed", lane: null, terminal: outcome, updatedAt: now });
      details.push({ inputId: r.inputId, stored: r.phase, recoveredAs: "Consumed" });
    }
    for (const r of plan.dropped) details.push({ inputId: r.inputId, stored: r.phase, recoveredAs: "Dropped" });

    for (const { row, lane, attempts, requeued } of plan.live) {
      const input = row.input;
      const resolved = resolveFor(core, entry, input, "plain");
      // Whether it may start a run is resolved as if idle, as at admission; a without-wake hint is not
      // stored, so after a restart such an input drives the loop like any other.
      const drives = "code" in resolved ? drivesLoopOf(row.decision) : resolved.decision.drivesLoop;
      entry.ledger.admit(row.inputId, { ...recordOf(input, { decision: row.decision }), drives, acceptedAt: row.updatedAt });
      const r = await transact(core, entry, { kind: "RecoverInput", input: row.inputId, lane, priorAttempts: attempts });
      if (!r.ok) throw new RecoveryCorruptionError(sid, `the machine refused to re-admit it: ${refusalError(entry, "recover", r.refusal).message}`, row.inputId);
      if (r.fired.transition === "RecoverExhaustedInput") {
        normalized.push({ ...row, phase: "Abandoned", lane: null, terminal: { kind: "Abandoned", reason: "MaxAttemptsExhausted" }, updatedAt: now });
        details.push({ inputId: row.inputId, stored: row.phase, recoveredAs: "Abandoned" });
        continue;
      }
      if (requeued) {
        const n = rowOf(entry, entry.state, row.inputId, now, row.lastRunId);
        if (n !== null) normalized.push(n);
      }
      details.push({ inputId: row.inputId, stored: row.phase, recoveredAs: requeued ? "Requeued" : "Queued" });
    }
    // A retired session comes back Retired with its queued inputs, to be drained by the next loop.
    await control(core, entry, "recover", phase === "Retired" ? { kind: "RecoverRetired" } : { kind: "RegisterSession" });
    // The normalization keeps the stored phase: a crash before the replay below recovers the same way.
    if (normalized.length > 0) await store.atomicLifecycleCommit(sid, phase ?? "Idle", normalized);
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    throw new RecoveryCorruptionError(sid, e instanceof Error ? e.message : String(e), undefined, { cause: e });
  }

  const replay = phase === null ? undefined : REPLAY[phase];
  if (replay !== undefined) await control(core, entry, `recover (replaying ${phase})`, replay);
  // Inputs the replayed phase abandoned (a stop, a destroy).
  for (const d of details) if ((d.recoveredAs === "Queued" || d.recoveredAs === "Requeued") && !entry.state.inputs.has(d.inputId)) d.recoveredAs = "Abandoned";

  const count = (as: RecoveredAs): number => details.filter((d) => d.recoveredAs === as).length;
  const report: RecoveryReport = {
    inputsRecovered: entry.state.inputs.size,
    inputsRequeued: count("Requeued"),
    inputsConsumed: count("Consumed"),
    inputsAbandoned: count("Abandoned"),
    inputsTerminal: count("Terminal"),
    inputsDropped: count("Dropped"),
    phase,
    ...(binding !== null ? { binding } : {}),
    details,
  };
  core.bus.emit(sid, { type: "runtime.recovered", inputsRecovered: report.inputsRecovered, inputsRequeued: report.inputsRequeued, inputsConsumed: report.inputsConsumed, inputsAbandoned: report.inputsAbandoned });
  return report;
}

/** Checks and classifies every row; throws on the first row that cannot be trusted. */
function planRecovery(sid: string, rows: readonly StoredInputRow[], receipts: readonly BoundaryReceipt[]): Plan {
  const committed = new Map<RunId, Set<InputId>>();
  for (const r of receipts) {
    let set = committed.get(r.runId);
    if (set === undefined) committed.set(r.runId, (set = new Set()));
    for (const c of r.contributors) set.add(c);
  }
  const plan: Plan = { live: [], consumed: [], terminal: [], dropped: [] };
  const seen = new Set<InputId>();
  for (const row of rows) {
    const id = row.inputId;
    const bad = (detail: string): never => {
      throw new RecoveryCorruptionError(sid, `stored row ${JSON.stringify(id)}: ${detail}`, id);
    };
    if (typeof id !== "string" || id === "") bad("has no input id");
    if (seen.has(id)) bad("is stored twice");
    seen.add(id);
    if (!PHASES.has(row.phase)) bad(`unknown phase ${JSON.stringify(row.phase)}`);
    if (row.durability === "Ephemeral") {
      plan.dropped.push(row);
      continue;
    }
    if (TERMINAL.has(row.phase)) {
      plan.terminal.push(row);
      continue;
    }
    // A live row must carry everything needed to run it again.
    try {
      const input = validateInput(sid, row.input);
      if (input.header.id !== id) bad(`its payload names input ${JSON.stringify(input.header.id)}`);
      if (input.kind !== row.kind) bad(`its kind ${JSON.stringify(row.kind)} differs from its payload's ${JSON.stringify(input.kind)}`);
    } catch (e) {
      if (e instanceof RecoveryCorruptionError) throw e;
      bad(`its stored payload is invalid (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!isDecision(row.decision)) bad("has no policy decision");
    const lane: Lane | null = row.lane ?? row.decision.lane;
    if (lane !== "Queue" && lane !== "Steer") bad(`unknown lane ${JSON.stringify(row.lane)}`);
    if (!Number.isInteger(row.attempts) || row.attempts < ATTEMPTS.min || row.attempts > ATTEMPTS.max) bad(`attempts ${JSON.stringify(row.attempts)} out of ${ATTEMPTS.min}..${ATTEMPTS.max}`);
    if (row.phase === "Applied" || row.phase === "AppliedPendingConsumption") {
      if (row.lastRunId !== null && committed.get(row.lastRunId)?.has(id) === true) {
        plan.consumed.push(row);
        continue;
      }
    }
    plan.live.push({ row, lane: lane as Lane, attempts: row.attempts, requeued: row.phase !== "Queued" });
  }
  return plan;
}

function isDecision(d: unknown): d is PolicyDecision {
  if (typeof d !== "object" || d === null) return false;
  const o = d as Record<string, unknown>;
  return typeof o["lane"] === "string" && typeof o["admission"] === "string" && typeof o["wakeMode"] === "string" && typeof o["applyMode"] === "string";
}

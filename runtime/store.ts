// The store contract (upstream §9.1, the parts the runtime uses) and an in-memory store. The SQLite
// store (runtime/sqlite-store.ts) implements the same interface durably. Every method may be
// synchronous or return a promise; a thrown error or rejected promise makes the runtime restore the
// staged transition and report StoreFailedError. Each write method is atomic: all of it or none.

import type { InputPhase, Lane, Phase } from "../generated/session.machine.js";
import type { Durability, Input, InputId, InputKind, RunId, SessionId } from "./input.js";
import type { InputTerminalOutcome } from "./ledger.js";
import type { PolicyDecision } from "./policy.js";
import type { JsonValue } from "./input.js";

/** Attached is never persisted (stored as Idle), and neither is a run in flight (its return phase is). */
export type PersistedPhase = "Initializing" | "Idle" | "Retired" | "Stopped" | "Destroyed";

export function persistedPhase(phase: Phase, runFrom: Phase | null): PersistedPhase {
  switch (phase) {
    case "Attached":
      return "Idle";
    case "Running":
      return runFrom === "Retired" ? "Retired" : "Idle";
    default:
      return phase;
  }
}

export interface StoredInputRow {
  readonly inputId: InputId;
  readonly kind: InputKind;
  readonly durability: Durability;
  readonly phase: InputPhase;
  readonly lane: Lane | null;
  readonly attempts: number;
  readonly lastRunId: RunId | null;
  readonly terminal: InputTerminalOutcome | null;
  readonly idempotencyKey: string | null;
  readonly input: Input;
  readonly decision: PolicyDecision;
  readonly updatedAt: number;
}

/** Minted by the store: sequence = previous sequence of the same run + 1, starting at 0. */
export interface BoundaryReceipt {
  readonly runId: RunId;
  readonly sequence: number;
  readonly contributors: readonly InputId[];
  readonly committedAt: number;
}

type MaybePromise<T> = T | Promise<T>;

/** The newest binding a session granted: recovery restores it so an older fence stays refused. */
export interface StoredBinding {
  readonly runtimeId: string;
  readonly fence: number;
  readonly generation: number;
}

export interface RuntimeStore {
  /** Durable-before-ack: the row of a newly admitted input. */
  persistInputState(sessionId: SessionId, row: StoredInputRow): MaybePromise<void>;
  /**
   * Atomically mints a boundary receipt and writes the contributors' rows; with `phase`, also the
   * coarse phase (a run's last boundary and its commit as one write).
   */
  commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[], phase?: PersistedPhase): MaybePromise<BoundaryReceipt>;
  /** Atomically writes the coarse phase and the given rows (run end, control operations). */
  atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): MaybePromise<void>;
  loadInputStates(sessionId: SessionId): MaybePromise<readonly StoredInputRow[]>;
  loadRuntimeState(sessionId: SessionId): MaybePromise<PersistedPhase | null>;
  loadBoundaryReceipt(sessionId: SessionId, runId: RunId, sequence: number): MaybePromise<BoundaryReceipt | null>;
  /** Written before a binding is acknowledged, whenever it raises the newest fence or generation. */
  persistBinding(sessionId: SessionId, binding: StoredBinding): MaybePromise<void>;
  loadBinding(sessionId: SessionId): MaybePromise<StoredBinding | null>;
  /** Every receipt of the session, in commit order. */
  loadBoundaryReceipts(sessionId: SessionId): MaybePromise<readonly BoundaryReceipt[]>;
  /** The ops registry's recoverable part (terminal ops, feed, cursors), replaced whole. */
  persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): MaybePromise<void>;
  loadOpsSnapshot(sessionId: SessionId): MaybePromise<JsonValue | null>;
  /** Sessions with anything stored, in first-write order. */
  listSessions(): MaybePromise<readonly SessionId[]>;
  /**
   * Stores shared by several processes (runtime/postgres) call the listener when this process lost
   * a session to another owner (a refused fence); the runtime then drops the session at once.
   */
  onSessionLost?(listener: (sessionId: SessionId, reason: Error) => void): () => void;
  /** Releases the store's resources; later calls fail. Optional for stores that hold none. */
  close?(): MaybePromise<void>;
}

let storeIo = 0;

/**
 * Counts the in-flight operations of stores that do network I/O (runtime/postgres), so that
 * `flush()` in testing/index.ts can wait for them as it waits for the event loop.
 */
export async function trackStoreIo<T>(work: Promise<T>): Promise<T> {
  storeIo += 1;
  try {
    return await work;
  } finally {
    storeIo -= 1;
  }
}

export function storeIoInFlight(): number {
  return storeIo;
}

interface SessionRows {
  phase: PersistedPhase | null;
  readonly rows: Map<InputId, StoredInputRow>;
  readonly receipts: Map<string, BoundaryReceipt>;
  readonly lastSequence: Map<RunId, number>;
  ops: JsonValue | null;
  binding: StoredBinding | null;
}

/** Everything in maps; no durability. */
export class MemoryStore implements RuntimeStore {
  readonly #sessions = new Map<SessionId, SessionRows>();

  #session(id: SessionId): SessionRows {
    let s = this.#sessions.get(id);
    if (s === undefined) {
      s = { phase: null, rows: new Map(), receipts: new Map(), lastSequence: new Map(), ops: null, binding: null };
      this.#sessions.set(id, s);
    }
    return s;
  }

  persistInputState(sessionId: SessionId, row: StoredInputRow): void {
    this.#session(sessionId).rows.set(row.inputId, row);
  }

  commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[], phase?: PersistedPhase): BoundaryReceipt {
    const s = this.#session(sessionId);
    if (phase !== undefined) s.phase = phase;
    const previous = s.lastSequence.get(runId);
    const sequence = previous === undefined ? 0 : previous + 1;
    const receipt: BoundaryReceipt = { runId, sequence, contributors: [...contributors], committedAt: Date.now() };
    s.receipts.set(`${runId}#${sequence}`, receipt);
    s.lastSequence.set(runId, sequence);
    for (const r of rows) s.rows.set(r.inputId, r);
    return receipt;
  }

  atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): void {
    const s = this.#session(sessionId);
    s.phase = phase;
    for (const r of rows) s.rows.set(r.inputId, r);
  }

  loadInputStates(sessionId: SessionId): readonly StoredInputRow[] {
    return [...(this.#sessions.get(sessionId)?.rows.values() ?? [])];
  }

  loadRuntimeState(sessionId: SessionId): PersistedPhase | null {
    return this.#sessions.get(sessionId)?.phase ?? null;
  }

  loadBoundaryReceipt(sessionId: SessionId, runId: RunId, sequence: number): BoundaryReceipt | null {
    return this.#sessions.get(sessionId)?.receipts.get(`${runId}#${sequence}`) ?? null;
  }

  persistBinding(sessionId: SessionId, binding: StoredBinding): void {
    this.#session(sessionId).binding = { ...binding };
  }

  loadBinding(sessionId: SessionId): StoredBinding | null {
    const b = this.#sessions.get(sessionId)?.binding ?? null;
    return b === null ? null : { ...b };
  }

  loadBoundaryReceipts(sessionId: SessionId): readonly BoundaryReceipt[] {
    return [...(this.#sessions.get(sessionId)?.receipts.values() ?? [])];
  }

  persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): void {
    // A deep copy, as a real store would serialize it: later mutation by the caller cannot leak in.
    this.#session(sessionId).ops = structuredClone(snapshot);
  }

  loadOpsSnapshot(sessionId: SessionId): JsonValue | null {
    const ops = this.#sessions.get(sessionId)?.ops ?? null;
    return ops === null ? null : structuredClone(ops);
  }

  listSessions(): readonly SessionId[] {
    return [...this.#sessions.keys()];
  }
}

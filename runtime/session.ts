// One session's entry: the machine (all lifecycle truth), plus the mechanics around it — the ledger
// of payloads, the completion waiters, the mutation mutex and the handle of the run in flight.

import { initialState, SessionRuntimeMachine, type SessionRuntimeState } from "../generated/session.machine.js";
import { CompletionRegistry } from "./completion.js";
import { InputLedger } from "./ledger.js";
import { Mutex } from "./mutex.js";
import { RunHandle } from "./run-handle.js";
import type { SessionId } from "./input.js";
import type { RecoveryReport } from "./recovery-report.js";
import type { OpsSnapshot } from "./ops.js";

/** Immutable, so every new session shares it (and its empty maps) until its first transition. */
const INITIAL: SessionRuntimeState = initialState();

let epochCounter = 0;

export class SessionEntry {
  readonly machine: SessionRuntimeMachine;
  readonly ledger = new InputLedger();
  readonly waiters = new CompletionRegistry();
  readonly mutex = new Mutex();
  /** Stable for the life of the entry (upstream RuntimeEpochId); never crosses the seam. */
  readonly epochId: string;

  // Loop mechanics (never lifecycle truth).
  pumping = false;
  rewake = false;
  activeRun: RunHandle | null = null;
  stopWaiters: Array<() => void> | null = null;
  /** Intent names treated as silent while the machine's `silentIntents` flag is on. */
  silentIntentNames: ReadonlySet<string> | null = null;
  /** Set once the store-backed recovery of this entry ran (NOTHING_RECOVERED if the store was empty). */
  recovery: RecoveryReport | null = null;
  /** The ops registry snapshot recovery found, handed to the registry when it is created. */
  recoveredOps: OpsSnapshot | null = null;
  /** Set by evictSession: the loop opens no further run and the entry is being dropped. */
  evicted = false;
  /** The loop pass in flight, if any (evictSession waits for it). */
  pumpDone: Promise<void> = Promise.resolve();
  /** True until a registration, binding or recovery call on this entry succeeded: a failed call may forget it. */
  provisional = true;
  /** Why the store-backed recovery of this entry failed (the entry was dropped; queued calls rethrow it). */
  failedRecovery: unknown = null;
  /** The last pending ops snapshot write (tests and close() wait for it). */
  opsWrites: Promise<void> = Promise.resolve();

  constructor(
    readonly id: SessionId,
    checkInvariants: boolean,
  ) {
    this.machine = new SessionRuntimeMachine(INITIAL, { checkInvariants });
    epochCounter += 1;
    this.epochId = `epoch:${Date.now().toString(36)}:${epochCounter.toString(36)}`;
  }

  #runs = 0;

  /** A fresh run id (the machine refuses reusing the previous one). */
  nextRunId(): string {
    this.#runs += 1;
    return `${this.epochId}/run-${this.#runs}`;
  }

  get state(): SessionRuntimeState {
    return this.machine.state;
  }

  resolveStopWaiters(): void {
    const list = this.stopWaiters;
    this.stopWaiters = null;
    if (list !== null) for (const r of list) r();
  }
}

/** The phase a caller sees: a drain run of a retired session is reported as Retired. */
export function visiblePhase(s: SessionRuntimeState): SessionRuntimeState["phase"] {
  return s.phase === "Running" && s.runFrom === "Retired" ? "Retired" : s.phase;
}

// What recovery tells the caller about a session it rebuilt (runtime/recovery.ts). A file of its
// own: the session entry keeps the last report, and recovery imports the session entry.

import type { InputPhase } from "../generated/session.machine.js";
import type { InputId } from "./input.js";
import type { PersistedPhase, StoredBinding } from "./store.js";

/** What one input became. */
export type RecoveredAs = "Queued" | "Requeued" | "Consumed" | "Abandoned" | "Terminal" | "Dropped";

export interface RecoveryReport {
  /** Live inputs back in a lane (including re-queued ones). */
  readonly inputsRecovered: number;
  /** Stored Staged / Applied inputs without a receipt: they crashed mid-run and will run again. */
  readonly inputsRequeued: number;
  /** Applied inputs whose boundary receipt exists: their run committed before the crash. */
  readonly inputsConsumed: number;
  /** Abandoned by recovery: out of attempts, or by the replayed Stopped phase. */
  readonly inputsAbandoned: number;
  /** Terminal rows loaded for dedup only. */
  readonly inputsTerminal: number;
  /** Ephemeral rows (never persisted by this runtime; dropped if found). */
  readonly inputsDropped: number;
  /** The stored coarse phase that was replayed (null: nothing stored). */
  readonly phase: PersistedPhase | null;
  /** The newest binding the session had granted (restored as its newest fence; the session comes back unbound). */
  readonly binding?: StoredBinding;
  readonly details: readonly { readonly inputId: InputId; readonly stored: InputPhase; readonly recoveredAs: RecoveredAs }[];
}

export const NOTHING_RECOVERED: RecoveryReport = Object.freeze({
  inputsRecovered: 0,
  inputsRequeued: 0,
  inputsConsumed: 0,
  inputsAbandoned: 0,
  inputsTerminal: 0,
  inputsDropped: 0,
  phase: null,
  details: Object.freeze([]),
});

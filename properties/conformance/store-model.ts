// What a restarted runtime finds in its store, derived from the model at the restart instead of
// copied write by write. The store contract (runtime/README.md "Store") makes the stored image a
// function of the persisted lifecycle: every persisted transition writes the rows it changed and the
// coarse phase, and the transient triggers (generated TRIGGER_PERSISTENCE) leave nothing recovery
// would read differently: StageInput is followed by the staging write; MarkApplied leaves a Staged
// row, re-queued like an Applied one without a receipt; ArchiveInput drops a terminal input from the
// machine only; the recovery triggers restore what the store already holds; RegisterSession,
// Ingest, SetSilentIntents, Recover and the run controls change no row and no phase recovery tells
// apart (it only distinguishes Retired, Stopped and Destroyed). So at a restart the store holds, per session: a row for
// every durable input it ever admitted, in the order first stored (a reused id keeps its place),
// live ones as the machine has them, terminal ones with only their idempotency key; the newest
// binding granted; the coarse phase; the ops registry's snapshot. Ephemeral inputs are never stored.

import type { InputPhase, Lane, Phase } from "../../generated/session.machine.js";
import type { Input, PolicyDecision } from "../../runtime/index.js";
import type { OpsSnapshotModel } from "./model-ops.js";

/** The stored coarse phase, as far as recovery tells phases apart (Attached and Running are stored as where the loop returns). */
export type StoredPhase = "Retired" | "Stopped" | "Destroyed" | null;

export function storedPhaseOf(phase: Phase, runFrom: Phase | null): StoredPhase {
  const p = phase === "Running" ? runFrom : phase;
  return p === "Retired" || p === "Stopped" || p === "Destroyed" ? p : null;
}

/** A stored row: a terminal one keeps only its idempotency key; a live one its phase, lane, attempts and admission facts. */
export type StoredRow =
  | { readonly live: false; readonly idempotencyKey: string | null }
  | { readonly live: true; readonly idempotencyKey: string | null; readonly phase: InputPhase; readonly lane: Lane; readonly attempts: number; readonly input: Input; readonly decision: PolicyDecision };

export interface StoredSession {
  readonly phase: StoredPhase;
  readonly rows: ReadonlyMap<string, StoredRow>;
  readonly binding: { readonly runtime: string; readonly fence: number; readonly generation: number } | null;
  readonly ops: OpsSnapshotModel | null;
}

/** Session id → what its store holds (sessions with nothing stored are absent). */
export type StoreImage = ReadonlyMap<string, StoredSession>;

// A committed session transition and what its caller knows beyond the machine: shared by
// runtime/transact.ts, which commits transitions, and runtime/derive.ts, which derives their
// consequences (its own file, so neither imports the other for a type).

import type { SessionRuntimeEffect, SessionRuntimeState, SessionRuntimeTransitionName } from "../generated/session.machine.js";
import type { Fired } from "../kernel/index.js";
import type { RunOutput } from "./executor.js";

export type SessionFired = Fired<SessionRuntimeState, SessionRuntimeTransitionName, SessionRuntimeEffect>;

/** What the caller knows about the transition that the machine does not (for events and waiters). */
export interface TransitionContext {
  /** The output of the run this Commit completes. */
  readonly runOutput?: RunOutput;
  /** Why the run failed (Fail / RollbackRun). */
  readonly runError?: string;
  /** The run failed because it was cancelled; the reason. */
  readonly runCancelled?: string;
  /** Ignore PostAdmissionSignal effects (the caller drives the run itself). */
  readonly noWake?: boolean;
  /** The caller already delivered CancelAtBoundary / InterruptCurrentRun to the run handle. */
  readonly controlDelivered?: boolean;
  /** Skip the store (used only to terminalize after the store itself failed). */
  readonly noPersist?: boolean;
}

export const NO_CONTEXT: TransitionContext = Object.freeze({});

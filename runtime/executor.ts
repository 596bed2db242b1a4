// The executor seam: the agent core that applies a batch of inputs (upstream `CoreExecutor`).

import type { ExecutionKind, Input, InputId, JsonValue, RunId, SessionId } from "./input.js";
import type { Boundary } from "./policy.js";

/** One batch, in staging order; every contributor shares the boundary and execution kind. */
export interface RunPrimitive {
  readonly sessionId: SessionId;
  readonly runId: RunId;
  readonly contributors: readonly InputId[];
  readonly inputs: readonly Input[];
  readonly boundary: Boundary;
  readonly executionKind: ExecutionKind;
}

export interface BoundaryVerdict {
  /** A cancel-after-boundary was requested for this run: stop now and return. */
  readonly cancelRequested: boolean;
  /** The receipt sequence the store minted for this boundary (0 for the first). */
  readonly sequence: number;
}

export interface ApplyContext {
  readonly sessionId: SessionId;
  readonly runId: RunId;
  /** Aborted on a hard interrupt or destroy of this run; `reason` is a RunCancelledError. */
  readonly signal: AbortSignal;
  /** True once a cancel-after-boundary was requested for this run. */
  readonly cancelAfterBoundaryRequested: boolean;
  /** Called once when a cancel-after-boundary is requested (immediately if it already was). */
  onCancelAfterBoundary(listener: () => void): () => void;
  /**
   * Reports that the batch reached a boundary whose effects are durable. The first report marks the
   * contributors applied and commits the boundary (they can no longer be lost or retried).
   */
  reportBoundary(): Promise<BoundaryVerdict>;
}

/** What a successful run produced; resolves the contributors' waiters. */
export interface RunOutput {
  readonly result?: JsonValue;
  readonly callbackPending?: { readonly toolName: string; readonly args: JsonValue };
}

export interface Executor {
  /**
   * Applies a batch. Resolve for success (the contributors are consumed); reject to fail the run
   * (they go back to their lane, or are abandoned after 3 attempts). Rejecting with
   * RunCancelledError, or after `ctx.signal` was aborted, reports a cancel.
   */
  apply(runId: RunId, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput | void>;
  /** Live boundary handle: a cancel-after-boundary was requested for `runId`. */
  cancelAfterBoundary?(sessionId: SessionId, runId: RunId): void | Promise<void>;
  /** The session's executor is being stopped (after its in-flight run settled). */
  stop?(sessionId: SessionId): void | Promise<void>;
  /** The session is being recycled: rebuild any per-session executor state. */
  recycle?(sessionId: SessionId): void | Promise<void>;
}

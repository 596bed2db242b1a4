// Typed refusals of the runtime. Every error has a stable `code`, the session id and (where one is
// involved) the input id; callers branch on `code` or `instanceof`, never on the message.

import type { Refusal } from "../kernel/index.js";
import type { AdmissionRejection } from "../generated/default.policy.js";

export type RuntimeErrorCode =
  | "SessionNotFound"
  | "SessionDestroyed"
  | "NotRegistered"
  | "NotReady"
  | "FenceRejected"
  | "RunMismatch"
  | "InputInvalid"
  | "InputRejected"
  | "DuplicateInput"
  | "QueueFull"
  | "DeduplicatedRefused"
  | "StoreFailed"
  | "SessionEvicted"
  | "ExecutorControlFailed"
  | "SignalDispatchFailed"
  | "MachineInvariantViolated"
  | "OpRefused"
  | "OpNotFound"
  | "RuntimeClosed"
  | "RecoveryCorruption"
  | "InvalidArgument";

export abstract class RuntimeError extends Error {
  abstract readonly code: RuntimeErrorCode;
  readonly sessionId: string;
  readonly inputId: string | undefined;

  constructor(message: string, sessionId: string, inputId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.sessionId = sessionId;
    this.inputId = inputId;
  }
}

/** The machine refusal behind an error, when the refusal came from the session machine. */
export interface MachineRefusal<G extends string = string, P extends string = string> {
  readonly trigger: string;
  /** The machine's generated phase union when the refusal came from a typed kernel. */
  readonly phase: P;
  readonly reason: "NoMatchingTransition" | "GuardRejected" | "AmbiguousTransition";
  readonly transition?: string;
  /** The machine's generated guard-name union when the refusal came from a typed kernel. */
  readonly guard?: G;
}

export class SessionNotFoundError extends RuntimeError {
  readonly code = "SessionNotFound" as const;
  constructor(sessionId: string) {
    super(`session ${JSON.stringify(sessionId)} is not registered with this runtime`, sessionId);
  }
}

export class SessionDestroyedError extends RuntimeError {
  readonly code = "SessionDestroyed" as const;
  constructor(sessionId: string, inputId?: string) {
    super(`session ${JSON.stringify(sessionId)} is destroyed`, sessionId, inputId);
  }
}

export class NotRegisteredError extends RuntimeError {
  readonly code = "NotRegistered" as const;
  constructor(sessionId: string, inputId?: string) {
    super(`session ${JSON.stringify(sessionId)} is unregistered; register it again first`, sessionId, inputId);
  }
}

/** The session's phase does not allow the operation (the machine refused it). */
export class NotReadyError extends RuntimeError {
  readonly code = "NotReady" as const;
  constructor(
    sessionId: string,
    readonly phase: string,
    readonly operation: string,
    readonly refusal?: MachineRefusal,
    inputId?: string,
  ) {
    super(
      `${operation} refused for session ${JSON.stringify(sessionId)} in phase ${phase}` +
        (refusal?.guard !== undefined ? ` (guard "${refusal.guard}" of ${refusal.transition ?? "?"} is false)` : ""),
      sessionId,
      inputId,
    );
  }
}

export class FenceRejectedError extends RuntimeError {
  readonly code = "FenceRejected" as const;
  constructor(
    sessionId: string,
    readonly fence: number | null,
    readonly highestFence: number | null,
    readonly refusal: MachineRefusal,
  ) {
    super(`fence ${String(fence)} refused for session ${JSON.stringify(sessionId)} (newest fence ${String(highestFence)}, guard "${refusal.guard ?? "?"}")`, sessionId);
  }
}

/** A run-scoped control (cancel, interrupt) named a run that is not the session's current run. */
export class RunMismatchError extends RuntimeError {
  readonly code = "RunMismatch" as const;
  constructor(
    sessionId: string,
    readonly runId: string,
    readonly currentRun: string | null,
  ) {
    super(`run ${JSON.stringify(runId)} is not the current run of session ${JSON.stringify(sessionId)} (current: ${String(currentRun)})`, sessionId);
  }
}

export interface InputProblem {
  readonly pointer: string;
  readonly message: string;
}

/** The input does not match its JSON Schema. Nothing was admitted. */
export class InputInvalidError extends RuntimeError {
  readonly code = "InputInvalid" as const;
  constructor(
    sessionId: string,
    inputId: string | undefined,
    readonly problems: readonly InputProblem[],
  ) {
    super(
      `input ${inputId === undefined ? "(no id)" : JSON.stringify(inputId)} for session ${JSON.stringify(sessionId)} is invalid: ` +
        problems.map((p) => `${p.pointer || "/"} ${p.message}`).join("; "),
      sessionId,
      inputId,
    );
  }
}

/** Why admission rejected an input; the codes are the policy spec's (spec/default.policy.json `admission.rejections`). */
export type RejectReason = AdmissionRejection;

/** Thrown by the entry points that cannot return a Rejected outcome (acceptInputAndRun). */
export class InputRejectedError extends RuntimeError {
  readonly code = "InputRejected" as const;
  constructor(
    sessionId: string,
    inputId: string,
    readonly reason: RejectReason,
  ) {
    super(`input ${JSON.stringify(inputId)} rejected by session ${JSON.stringify(sessionId)}: ${reason.code}: ${reason.detail}`, sessionId, inputId);
  }
}

/** An input with this id is still tracked by the session. */
export class DuplicateInputError extends RuntimeError {
  readonly code = "DuplicateInput" as const;
  constructor(sessionId: string, inputId: string) {
    super(`input ${JSON.stringify(inputId)} is already tracked by session ${JSON.stringify(sessionId)}`, sessionId, inputId);
  }
}

export class QueueFullError extends RuntimeError {
  readonly code = "QueueFull" as const;
  constructor(
    sessionId: string,
    inputId: string,
    readonly limit: number,
  ) {
    super(`session ${JSON.stringify(sessionId)} already holds ${limit} live inputs; input ${JSON.stringify(inputId)} refused`, sessionId, inputId);
  }
}

/** acceptInputAndRun refuses an idempotency key that already owns execution. */
export class DeduplicatedRefusedError extends RuntimeError {
  readonly code = "DeduplicatedRefused" as const;
  constructor(
    sessionId: string,
    inputId: string,
    readonly existingId: string,
  ) {
    super(`input ${JSON.stringify(inputId)} duplicates ${JSON.stringify(existingId)}; acceptInputAndRun needs a fresh input`, sessionId, inputId);
  }
}

export class StoreFailedError extends RuntimeError {
  readonly code = "StoreFailed" as const;
  constructor(sessionId: string, operation: string, cause: unknown, inputId?: string) {
    super(`store failed during ${operation} for session ${JSON.stringify(sessionId)}: ${describeCause(cause)}`, sessionId, inputId, { cause });
  }
}

/**
 * A write of a session this runtime has evicted (another process owns it now, or it was handed
 * back): refused before it reaches the store, so a copy left behind can never write again.
 */
export class SessionEvictedError extends RuntimeError {
  readonly code = "SessionEvicted" as const;
  constructor(sessionId: string, operation: string) {
    super(`${operation} refused for session ${JSON.stringify(sessionId)}: evicted from this runtime (another owner holds it or it was handed back)`, sessionId);
  }
}

/** A public call got an argument outside its type (a wrong shape, an empty id, a fence out of range). Nothing changed. */
export class InvalidArgumentError extends RuntimeError {
  readonly code = "InvalidArgument" as const;
  constructor(
    sessionId: string,
    readonly operation: string,
    readonly argument: string,
    readonly detail: string,
  ) {
    super(`${operation}: ${argument} ${detail}`, sessionId);
  }
}

/** Recovery found stored data it cannot trust; nothing was recovered and nothing was written. */
export class RecoveryCorruptionError extends RuntimeError {
  readonly code = "RecoveryCorruption" as const;
  constructor(
    sessionId: string,
    readonly detail: string,
    inputId?: string,
    options?: { cause?: unknown },
  ) {
    super(`recovery of session ${JSON.stringify(sessionId)} refused${inputId === undefined ? "" : ` (input ${JSON.stringify(inputId)})`}: ${detail}`, sessionId, inputId, options);
  }
}

export class ExecutorControlFailedError extends RuntimeError {
  readonly code = "ExecutorControlFailed" as const;
  constructor(sessionId: string, operation: string, cause: unknown) {
    super(`executor refused ${operation} for session ${JSON.stringify(sessionId)}: ${describeCause(cause)}`, sessionId, undefined, { cause });
  }
}

export class SignalDispatchFailedError extends RuntimeError {
  readonly code = "SignalDispatchFailed" as const;
  constructor(
    sessionId: string,
    readonly effect: string,
    cause: unknown,
  ) {
    super(`routed signal ${effect} of session ${JSON.stringify(sessionId)} could not be dispatched: ${describeCause(cause)}`, sessionId, undefined, { cause });
  }
}

/** A staged transition broke a machine invariant: a bug in the spec or in the runtime. */
export class MachineInvariantViolatedError extends RuntimeError {
  readonly code = "MachineInvariantViolated" as const;
  constructor(
    sessionId: string,
    readonly transition: string,
    readonly invariants: readonly string[],
  ) {
    super(`transition ${transition} of session ${JSON.stringify(sessionId)} would break ${invariants.join(", ")}`, sessionId);
  }
}

export class OpRefusedError extends RuntimeError {
  readonly code = "OpRefused" as const;
  constructor(
    sessionId: string,
    readonly opId: string,
    readonly operation: string,
    readonly refusal: MachineRefusal,
  ) {
    super(
      `${operation} refused for op ${JSON.stringify(opId)} of session ${JSON.stringify(sessionId)}` +
        (refusal.guard !== undefined ? `: guard "${refusal.guard}" is false` : `: ${refusal.reason}`),
      sessionId,
    );
  }
}

export class OpNotFoundError extends RuntimeError {
  readonly code = "OpNotFound" as const;
  constructor(
    sessionId: string,
    readonly opId: string,
  ) {
    super(`op ${JSON.stringify(opId)} is not registered with session ${JSON.stringify(sessionId)}`, sessionId);
  }
}

export class RuntimeClosedError extends RuntimeError {
  readonly code = "RuntimeClosed" as const;
  constructor(sessionId: string) {
    super(`the runtime is closed`, sessionId);
  }
}

/** The executor run was cancelled. Executors may throw it to report a cooperative cancel. */
export class RunCancelledError extends Error {
  readonly code = "RunCancelled" as const;
  constructor(readonly reason: string = "run cancelled") {
    super(reason);
    this.name = "RunCancelledError";
  }
}

export function toMachineRefusal<G extends string, P extends string>(r: Refusal<string, G, P>): MachineRefusal<G, P> {
  switch (r.code) {
    case "NoMatchingTransition":
      return { trigger: r.trigger, phase: r.phase, reason: r.code };
    case "GuardRejected":
      return { trigger: r.trigger, phase: r.phase, reason: r.code, transition: r.transition, guard: r.guard };
    case "AmbiguousTransition":
      return { trigger: r.trigger, phase: r.phase, reason: r.code, transition: r.transitions.join(", ") };
  }
}

export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

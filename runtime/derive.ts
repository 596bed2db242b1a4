// Consequences of a committed transition, derived from the machine state before and after it and
// from its effects: events, waiter resolution for inputs that became terminal, archiving, wakes.

import type { AbandonReason, InputPhase, SessionRuntimeState } from "../generated/session.machine.js";
import type { CompletionOutcome } from "./completion.js";
import type { Core } from "./core.js";
import type { InputId, RunId } from "./input.js";
import type { SessionEntry } from "./session.js";
import type { InputTerminalOutcome } from "./ledger.js";
import type { SessionFired, TransitionContext } from "./transact.js";

export function isTerminalPhase(phase: InputPhase): boolean {
  return phase === "Consumed" || phase === "Superseded" || phase === "Coalesced" || phase === "Abandoned";
}

const TERMINATION_REASON: Readonly<Record<AbandonReason, string | null>> = {
  Retired: "retired without runtime loop",
  Reset: "runtime reset",
  Stopped: "runtime stopped",
  Destroyed: "runtime destroyed",
  Cancelled: null,
  MaxAttemptsExhausted: null,
};

/** What the waiters of a terminal input receive (upstream §5.8). */
export function completionOutcomeOf(s: SessionRuntimeState, id: InputId, ctx: TransitionContext): CompletionOutcome {
  switch (s.inputs.get(id)) {
    case "Superseded":
      return { kind: "Superseded", by: s.replacedBy.get(id) ?? "" };
    case "Coalesced":
      return { kind: "Coalesced", into: s.replacedBy.get(id) ?? "" };
    case "Abandoned": {
      const reason = s.abandoned.get(id) ?? "Cancelled";
      if (reason === "Cancelled") return { kind: "Cancelled" };
      if (reason === "MaxAttemptsExhausted") {
        return { kind: "Abandoned", reason: `max attempts exhausted${ctx.runError !== undefined ? `: ${ctx.runError}` : ""}` };
      }
      return { kind: "RuntimeTerminated", reason: TERMINATION_REASON[reason] ?? reason };
    }
    default: {
      const out = ctx.runOutput;
      if (out?.callbackPending !== undefined) return { kind: "CallbackPending", toolName: out.callbackPending.toolName, args: out.callbackPending.args };
      if (out?.result !== undefined) return { kind: "Completed", result: out.result };
      return { kind: "CompletedWithoutResult" };
    }
  }
}

export function afterCommit(core: Core, entry: SessionEntry, before: SessionRuntimeState, fired: SessionFired, ctx: TransitionContext): void {
  core.observer?.sessionTransition?.(entry.id, fired.transition);
  const after = fired.state;
  const bus = core.bus;
  const emit = bus.active;
  const sid = entry.id;
  let terminals: InputId[] | null = null;
  if (before.inputs !== after.inputs) {
    const phases = after.inputs;
    for (const id of phases.keys()) {
      const phase = phases.get(id)!;
      const prev = before.inputs.get(id);
      if (prev === phase) continue;
      if (isTerminalPhase(phase)) (terminals ??= []).push(id);
      if (emit) emitInputEvent(core, sid, id, prev, phase, before, after, fired.transition === "RecoverQueuedInput" || fired.transition === "RecoverExhaustedInput");
    }
  }

  for (const effect of fired.effects) {
    switch (effect.effect) {
      case "RunStarted":
        if (emit) bus.emit(sid, { type: "run.started", runId: effect.run });
        break;
      case "RunCompleted":
        if (emit) bus.emit(sid, { type: "run.completed", runId: effect.run });
        break;
      case "RunFailed":
        if (emit) {
          if (ctx.runCancelled !== undefined) bus.emit(sid, { type: "run.cancelled", runId: effect.run, reason: ctx.runCancelled });
          else bus.emit(sid, { type: "run.failed", runId: effect.run, error: ctx.runError ?? "run failed" });
        }
        break;
      case "RunRolledBack":
        if (emit) bus.emit(sid, { type: "run.failed", runId: effect.run, error: ctx.runError ?? "run rolled back" });
        break;
      case "PostAdmissionSignal":
        if (ctx.noWake !== true) core.wake(entry);
        break;
      case "CancelAtBoundary":
        if (ctx.controlDelivered !== true) deliverCancelAfterBoundary(core, entry, effect.run);
        break;
      case "InterruptCurrentRun":
        if (ctx.controlDelivered !== true && entry.activeRun?.runId === effect.run) entry.activeRun.interrupt("run interrupted");
        break;
      default:
        break;
    }
  }

  if (emit && before.phase !== after.phase) bus.emit(sid, { type: "runtime.state_changed", from: before.phase, to: after.phase });
  if (emit) {
    switch (fired.transition) {
      case "Register":
        bus.emit(sid, { type: "topology.session_registered" });
        break;
      case "Unregister":
        bus.emit(sid, { type: "topology.session_unregistered" });
        break;
      case "RetireWithoutLoop":
      case "RetireAttached":
      case "RetireDuringRun":
        bus.emit(sid, { type: "topology.session_retired" });
        break;
      case "RecycleToIdle":
      case "RecycleAttached":
        bus.emit(sid, { type: "topology.session_recycled" });
        break;
      case "Destroy":
      case "DestroyBeforeRegistration":
        bus.emit(sid, { type: "topology.session_destroyed" });
        break;
      default:
        break;
    }
  }

  if (terminals !== null) {
    const now = Date.now();
    const runId = before.currentRun;
    for (const id of terminals) {
      entry.ledger.terminate(id, terminalOutcomeOf(after, id, runId), now);
      entry.waiters.resolve(id, completionOutcomeOf(after, id, ctx));
    }
    // Terminal inputs leave the live state so transition cost does not grow with history.
    for (const id of terminals) {
      const archived = entry.machine.apply({ kind: "ArchiveInput", input: id });
      if (!archived.ok && emit) bus.emit(sid, { type: "runtime.error", code: "ArchiveRefused", message: `ArchiveInput ${id}: ${archived.code}` });
    }
  }

  if (after.phase === "Stopped" || after.phase === "Destroyed") entry.resolveStopWaiters();
  if (after.phase !== before.phase && (after.phase === "Attached" || after.phase === "Idle")) core.afterQuiescence(entry);
}

function emitInputEvent(core: Core, sid: string, id: InputId, prev: InputPhase | undefined, phase: InputPhase, before: SessionRuntimeState, after: SessionRuntimeState, recovered: boolean): void {
  const bus = core.bus;
  if (prev === undefined) bus.emit(sid, recovered ? { type: "input.recovered", inputId: id } : { type: "input.accepted", inputId: id });
  switch (phase) {
    case "Queued":
      bus.emit(sid, { type: "input.queued", inputId: id, lane: after.laneOf.get(id) ?? "Queue", requeued: prev !== undefined });
      break;
    case "Staged":
      bus.emit(sid, { type: "input.staged", inputId: id, runId: after.currentRun ?? "" });
      break;
    case "Applied":
      bus.emit(sid, { type: "input.applied", inputId: id, runId: after.currentRun ?? "" });
      break;
    case "AppliedPendingConsumption":
      break;
    case "Consumed":
      bus.emit(sid, { type: "input.consumed", inputId: id, runId: before.currentRun });
      break;
    case "Superseded":
      bus.emit(sid, { type: "input.superseded", inputId: id, by: after.replacedBy.get(id) ?? "" });
      break;
    case "Coalesced":
      bus.emit(sid, { type: "input.coalesced", inputId: id, into: after.replacedBy.get(id) ?? "" });
      break;
    case "Abandoned":
      bus.emit(sid, { type: "input.abandoned", inputId: id, reason: after.abandoned.get(id) ?? "Cancelled" });
      break;
  }
}

/** Best effort: a cancel-after-boundary requested by an admission reaches the live run. */
function deliverCancelAfterBoundary(core: Core, entry: SessionEntry, runId: string): void {
  const handle = entry.activeRun;
  if (handle === null || handle.runId !== runId) return;
  handle.requestCancelAfterBoundary();
  const hook = core.executor.cancelAfterBoundary;
  if (hook === undefined) return;
  try {
    const r = hook.call(core.executor, entry.id, runId);
    if (r instanceof Promise) r.catch((e: unknown) => reportError(core, entry, e));
  } catch (e) {
    reportError(core, entry, e);
  }
}

function reportError(core: Core, entry: SessionEntry, e: unknown): void {
  core.bus.emit(entry.id, { type: "runtime.error", code: "ExecutorControlFailed", message: e instanceof Error ? e.message : String(e) });
}

/** The terminal outcome the machine recorded for a terminal input. */
export function terminalOutcomeOf(s: SessionRuntimeState, id: InputId, runId: RunId | null): InputTerminalOutcome {
  switch (s.inputs.get(id)) {
    case "Superseded":
      return { kind: "Superseded", by: s.replacedBy.get(id) ?? "" };
    case "Coalesced":
      return { kind: "Coalesced", into: s.replacedBy.get(id) ?? "" };
    case "Abandoned":
      return { kind: "Abandoned", reason: s.abandoned.get(id) ?? "Cancelled" };
    default:
      return { kind: "Consumed", runId };
  }
}

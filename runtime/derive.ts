// Consequences of a committed transition, derived from the machine state before and after it and
// from its effects: events, waiter resolution for inputs that became terminal, archiving, wakes.

import { TERMINAL_INPUT_PHASES } from "../generated/session.machine.js";
import type { AbandonReason, InputPhase, SessionRuntimeState } from "../generated/session.machine.js";
import type { CompletionOutcome } from "./completion.js";
import type { Core } from "./core.js";
import type { InputId, RunId } from "./input.js";
import type { SessionEntry } from "./session.js";
import type { InputTerminalOutcome } from "./ledger.js";
import type { SessionFired, TransitionContext } from "./transition-context.js";

export function isTerminalPhase(phase: InputPhase): boolean {
  return TERMINAL_INPUT_PHASES.has(phase);
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

// afterCommit runs on every committed transition: it stays small, with the paths that only some
// transitions take (events, terminal inputs) in functions of their own, so it remains optimized.
export function afterCommit(core: Core, entry: SessionEntry, before: SessionRuntimeState, fired: SessionFired, ctx: TransitionContext): void {
  core.observer?.sessionTransition?.(entry.id, fired.transition);
  const after = fired.state;
  const emit = core.bus.active;
  const changed = before.inputs !== after.inputs ? changedInputs(before.inputs, after.inputs) : null;
  const terminals = changed === null ? null : inputChanges(core, entry.id, changed, before, after, fired.transition, emit);
  const effects = fired.effects;
  for (let i = 0; i < effects.length; i++) applyEffect(core, entry, effects[i] as SessionFired["effects"][number], ctx, emit);
  if (emit) emitTransitionEvents(core, entry.id, before, after, fired.transition);
  if (terminals !== null) settleTerminals(core, entry, before, after, ctx, terminals, emit);
  if (after.phase === "Stopped" || after.phase === "Destroyed") entry.resolveStopWaiters();
  if (after.phase !== before.phase && (after.phase === "Attached" || after.phase === "Idle")) core.afterQuiescence(entry);
}

/** Input events for the changed inputs (in order); returns the ones that became terminal, or null. */
function inputChanges(
  core: Core,
  sid: string,
  changed: readonly InputId[],
  before: SessionRuntimeState,
  after: SessionRuntimeState,
  transition: SessionFired["transition"],
  emit: boolean,
): InputId[] | null {
  let terminals: InputId[] | null = null;
  for (let i = 0; i < changed.length; i++) {
    const id = changed[i] as InputId;
    const phase = after.inputs.get(id) as InputPhase;
    if (isTerminalPhase(phase)) {
      if (terminals === null) terminals = [id];
      else terminals.push(id);
    }
    if (emit) emitInputEvent(core, sid, id, before.inputs.get(id), phase, before, after, transition === "RecoverQueuedInput" || transition === "RecoverExhaustedInput");
  }
  return terminals;
}

function applyEffect(core: Core, entry: SessionEntry, effect: SessionFired["effects"][number], ctx: TransitionContext, emit: boolean): void {
  switch (effect.effect) {
    case "RunStarted":
    case "RunCompleted":
    case "RunFailed":
    case "RunRolledBack":
      if (emit) emitRunEvent(core, entry.id, effect, ctx);
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

function emitRunEvent(core: Core, sid: string, effect: SessionFired["effects"][number], ctx: TransitionContext): void {
  const bus = core.bus;
  switch (effect.effect) {
    case "RunStarted":
      bus.emit(sid, { type: "run.started", runId: effect.run });
      break;
    case "RunCompleted":
      bus.emit(sid, { type: "run.completed", runId: effect.run });
      break;
    case "RunFailed":
      if (ctx.runCancelled !== undefined) bus.emit(sid, { type: "run.cancelled", runId: effect.run, reason: ctx.runCancelled });
      else bus.emit(sid, { type: "run.failed", runId: effect.run, error: ctx.runError ?? "run failed" });
      break;
    case "RunRolledBack":
      bus.emit(sid, { type: "run.failed", runId: effect.run, error: ctx.runError ?? "run rolled back" });
      break;
    default:
      break;
  }
}

/** The phase change and topology events of a transition (only when someone listens). */
function emitTransitionEvents(core: Core, sid: string, before: SessionRuntimeState, after: SessionRuntimeState, transition: SessionFired["transition"]): void {
  const bus = core.bus;
  if (before.phase !== after.phase) bus.emit(sid, { type: "runtime.state_changed", from: before.phase, to: after.phase });
  switch (transition) {
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

/** Terminal inputs: record their outcome, resolve their waiters, then archive them. */
function settleTerminals(
  core: Core,
  entry: SessionEntry,
  before: SessionRuntimeState,
  after: SessionRuntimeState,
  ctx: TransitionContext,
  terminals: readonly InputId[],
  emit: boolean,
): void {
  const sid = entry.id;
  const now = Date.now();
  const runId = before.currentRun;
  for (let i = 0; i < terminals.length; i++) {
    const id = terminals[i] as InputId;
    entry.ledger.terminate(id, terminalOutcomeOf(after, id, runId), now);
    entry.waiters.resolve(id, completionOutcomeOf(after, id, ctx));
  }
  // Terminal inputs leave the live state so transition cost does not grow with history.
  for (let i = 0; i < terminals.length; i++) {
    const id = terminals[i] as InputId;
    const archived = entry.machine.apply({ kind: "ArchiveInput", input: id });
    if (archived.ok) core.observer?.sessionTransition?.(sid, archived.transition);
    else if (emit) core.bus.emit(sid, { type: "runtime.error", code: "ArchiveRefused", message: `ArchiveInput ${id}: ${archived.code}` });
  }
}

interface PhaseDiff {
  readonly before: ReadonlyMap<InputId, InputPhase>;
  changed: InputId[] | null;
}

/** The inputs whose phase differs between two states (absent before included), in `after`'s order; null if none. */
function changedInputs(before: ReadonlyMap<InputId, InputPhase>, after: ReadonlyMap<InputId, InputPhase>): InputId[] | null {
  // forEach with a receiver: no iterator result per entry, no closure.
  const diff: PhaseDiff = { before, changed: null };
  after.forEach(collectChanged, diff);
  return diff.changed;
}

function collectChanged(this: PhaseDiff, phase: InputPhase, id: InputId): void {
  if (this.before.get(id) === phase) return;
  if (this.changed === null) this.changed = [id];
  else this.changed.push(id);
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

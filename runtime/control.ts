// Control operations (upstream §6). Each runs under the session mutex as one stage → side effect →
// commit, or restore and a typed error; consequences for inputs and waiters follow from the
// committed transition (runtime/derive.ts).

import { refusalCode, transition, type SessionRuntimeRefusalCode, type SessionRuntimeTrigger } from "../generated/session.machine.js";
import { runtimeTerminated } from "./completion.js";
import type { Core, RoutedEffect } from "./core.js";
import {
  ExecutorControlFailedError,
  FenceRejectedError,
  NotReadyError,
  NotRegisteredError,
  RunMismatchError,
  SessionDestroyedError,
  SignalDispatchFailedError,
  toMachineRefusal,
  type RuntimeError,
} from "./errors.js";
import type { RunId } from "./input.js";
import { terminalizeStop } from "./loop.js";
import { visiblePhase, type SessionEntry } from "./session.js";
import { transact, type SessionFired, type SessionRefusal, type SideEffect, type TransitionContext } from "./transact.js";

export interface RefusalDetail {
  readonly fence?: number | null;
  readonly runId?: RunId;
}

type RefusalErrorOf = (entry: SessionEntry, operation: string, refusal: SessionRefusal, detail: RefusalDetail) => RuntimeError;

/**
 * The error class of each refusal code. Which refusal carries which code is the spec's
 * (`refusals` in spec/session.machine.json, generated as `refusalCode`); only the classes are
 * chosen here, and a code added to the spec fails to compile until it has one.
 */
const REFUSAL_ERRORS: { readonly [C in SessionRuntimeRefusalCode]: RefusalErrorOf } = {
  NotReady: (entry, operation, refusal) => new NotReadyError(entry.id, visiblePhase(entry.state), operation, refusal),
  NotRegistered: (entry) => new NotRegisteredError(entry.id),
  FenceRejected: (entry, _operation, refusal, detail) => new FenceRejectedError(entry.id, detail.fence ?? null, entry.state.highestFence, refusal),
  RunMismatch: (entry, _operation, _refusal, detail) => new RunMismatchError(entry.id, detail.runId ?? "", entry.state.currentRun),
  SessionDestroyed: (entry) => new SessionDestroyedError(entry.id),
};

/** Maps a machine refusal to the typed error of the operation that caused it, by its spec'd code. */
export function refusalError(entry: SessionEntry, operation: string, refusal: SessionRefusal, detail: RefusalDetail = {}): RuntimeError {
  return REFUSAL_ERRORS[refusalCode(refusal)](entry, operation, refusal, detail);
}

/** Stage, side effect, commit; a refusal becomes the operation's typed error. */
export async function control(
  core: Core,
  entry: SessionEntry,
  operation: string,
  trigger: SessionRuntimeTrigger,
  detail: RefusalDetail = {},
  ctx?: TransitionContext,
  sideEffect?: SideEffect,
): Promise<SessionFired> {
  const r = await transact(core, entry, trigger, ctx, sideEffect);
  if (!r.ok) throw refusalError(entry, operation, r.refusal, detail);
  return r.fired;
}

function routedEffects(fired: SessionFired): RoutedEffect[] {
  const out: RoutedEffect[] = [];
  for (const e of fired.effects) {
    if (e.effect === "RuntimeBound" || e.effect === "RuntimeRetired" || e.effect === "RuntimeDestroyed") out.push(e);
  }
  return out;
}

/** After a commit: routed signals to the seam. A failure is reported; the committed state is kept. */
export async function dispatchRouted(core: Core, entry: SessionEntry, fired: SessionFired): Promise<void> {
  const dispatcher = core.dispatcher;
  if (dispatcher === null) return;
  for (const effect of routedEffects(fired)) {
    try {
      await dispatcher.dispatch(entry.id, effect);
    } catch (e) {
      throw new SignalDispatchFailedError(entry.id, effect.effect, e);
    }
  }
}

/** Before a commit: lets the seam refuse (PrepareBindings restores when the mob would refuse). */
export function previewRouted(core: Core, entry: SessionEntry): SideEffect | undefined {
  const dispatcher = core.dispatcher;
  if (dispatcher === null || dispatcher.preview === undefined) return undefined;
  return (staged) => {
    for (const effect of routedEffects(staged)) {
      try {
        dispatcher.preview?.(entry.id, effect);
      } catch (e) {
        throw new SignalDispatchFailedError(entry.id, effect.effect, e);
      }
    }
  };
}

export async function ensureRegistered(core: Core, entry: SessionEntry): Promise<void> {
  if (entry.state.registered) return;
  await control(core, entry, "registerSession", { kind: "RegisterSession" });
}

export interface BindingRequest {
  readonly runtimeId: string;
  readonly fence: number;
  readonly generation: number;
}

export async function bind(core: Core, entry: SessionEntry, b: BindingRequest): Promise<void> {
  if (entry.state.phase === "Destroyed") throw new SessionDestroyedError(entry.id);
  const trigger: SessionRuntimeTrigger = { kind: "PrepareBindings", runtime: b.runtimeId, fence: b.fence, generation: b.generation };
  if (!entry.state.registered) {
    // Registering first is part of binding; a binding the machine would refuse must not leave the
    // session registered, so it is tried on the registered state (a pure transition) beforehand.
    const registered = transition(entry.state, { kind: "RegisterSession" });
    if (registered.ok) {
      const probe = transition(registered.state, trigger);
      if (!probe.ok) throw refusalError(entry, "prepareBindings", toMachineRefusal(probe), { fence: b.fence });
    }
  }
  await ensureRegistered(core, entry);
  const fired = await control(
    core,
    entry,
    "prepareBindings",
    trigger,
    { fence: b.fence },
    undefined,
    previewRouted(core, entry),
  );
  await dispatchRouted(core, entry, fired);
  core.wake(entry);
}

function currentRunOr(entry: SessionEntry, runId: RunId | undefined, operation: string): RunId {
  const run = runId ?? entry.state.currentRun;
  if (run === null) throw new NotReadyError(entry.id, visiblePhase(entry.state), `${operation} (no run in flight)`);
  return run;
}

export async function cancelAfterBoundary(core: Core, entry: SessionEntry, runId: RunId | undefined): Promise<RunId> {
  const run = currentRunOr(entry, runId, "cancelAfterBoundary");
  await control(core, entry, "cancelAfterBoundary", { kind: "CancelAfterBoundary", run }, { runId: run }, { controlDelivered: true }, async () => {
    const handle = entry.activeRun;
    if (handle === null || handle.runId !== run) throw new NotReadyError(entry.id, visiblePhase(entry.state), "cancelAfterBoundary (no live run handle)");
    try {
      await core.executor.cancelAfterBoundary?.(entry.id, run);
    } catch (e) {
      throw new ExecutorControlFailedError(entry.id, "cancelAfterBoundary", e);
    }
    handle.requestCancelAfterBoundary();
  });
  return run;
}

export async function interrupt(core: Core, entry: SessionEntry, runId: RunId | undefined): Promise<RunId> {
  const run = currentRunOr(entry, runId, "interrupt");
  await control(core, entry, "interrupt", { kind: "InterruptRun", run }, { runId: run }, { controlDelivered: true }, () => {
    const handle = entry.activeRun;
    if (handle === null || handle.runId !== run) throw new NotReadyError(entry.id, visiblePhase(entry.state), "interrupt (no live run handle)");
    handle.interrupt("run interrupted");
  });
  return run;
}

/**
 * Under the mutex: requests the stop. Returns `{ stopped }`, settling once the session is Stopped
 * (after the run in flight, if any), or null when it stopped at once. (Wrapped: an async function
 * returning the bare promise would adopt it and hold the mutex until the stop completes.)
 */
export async function requestStop(core: Core, entry: SessionEntry): Promise<{ readonly stopped: Promise<void> } | null> {
  await control(core, entry, "stopRuntimeExecutor", { kind: "StopRuntimeExecutor" });
  if (entry.state.phase === "Stopped") return null;
  const stopped = new Promise<void>((resolve) => {
    (entry.stopWaiters ??= []).push(resolve);
  });
  await terminalizeStop(core, entry);
  return { stopped };
}

export async function retire(core: Core, entry: SessionEntry, fence: number | null): Promise<void> {
  const fired = await control(core, entry, "retire", { kind: "Retire", fence }, { fence });
  core.wake(entry);
  await dispatchRouted(core, entry, fired);
}

export async function destroy(core: Core, entry: SessionEntry, fence: number | null): Promise<void> {
  if (entry.state.phase === "Destroyed") throw new SessionDestroyedError(entry.id);
  const fired = await control(core, entry, "destroy", { kind: "Destroy", fence }, { fence }, undefined, (staged) => {
    // The run in flight (if any) is over: its executor call is aborted.
    if (staged.state.phase === "Destroyed") entry.activeRun?.interrupt("runtime destroyed");
  });
  entry.waiters.resolveAll(runtimeTerminated("runtime destroyed"));
  await dispatchRouted(core, entry, fired);
}

export async function unregister(core: Core, entry: SessionEntry): Promise<void> {
  await control(core, entry, "unregisterSession", { kind: "UnregisterSession" });
  entry.waiters.resolveAll(runtimeTerminated("runtime session unregistered"));
}

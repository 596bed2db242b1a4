// The reference model: what the public runtime API should do, step by step, for every session of a
// runtime (model-session.ts holds one session's model; model-ops.ts the ops registry's), plus the
// step handles, completion waiters, executor calls in flight, executor hook counts, close and
// restart. Results are predicted as the state each step's handle must be in once the runtime
// settled.

import type { OpsLifecycleTrigger } from "../../generated/ops.machine.js";
import type { CompletionOutcome, PolicyResolver } from "../../runtime/index.js";
import { OpsModel, type OpsHost } from "./model-ops.js";
import { FENCE_MAX, fenceInDomain, ModelError, SessionModel, type CallModel, type RunOutcome, type SessionModelHost } from "./model-session.js";
import { buildInput, EXECUTOR_CANCEL_MESSAGE, EXECUTOR_FAILURE_MESSAGE, EXECUTOR_FAILURE_VALUE, floodInput, runOutputOf } from "./steps.js";
import type { Concrete, HandleState, HookCounters, OpsCall, Step } from "./steps.js";
import type { StoredSession } from "./store-model.js";

export { ModelError, SessionModel };
export type { CallModel, RunModel, RunOutcome } from "./model-session.js";

/** The ops registry calls that are one trigger on the op (the others need more than the machine). */
const OPS_TRIGGER = { start: "StartOp", progress: "ReportProgress", peerReady: "PeerReady", abort: "AbortOp", cancel: "CancelOp", requestRetire: "RequestRetire", markRetired: "MarkRetired" } as const;

export class ReferenceModel implements SessionModelHost {
  readonly sessions = new Map<string, SessionModel>();
  readonly handles = new Map<number, HandleState>();
  readonly waiters = new Map<number, { readonly session: string; readonly inputId: string; outcome: CompletionOutcome | null }>();
  readonly calls: CallModel[] = [];
  readonly counters: HookCounters = { cancelRequests: 0, stopped: 0, recycled: 0 };
  abortMode: "reject" | "ignore" = "reject";
  closed = false;
  detached = false;
  #detachedIds = 0;
  #waiterCount = 0;
  stepIndex = 0;

  constructor(
    readonly sessionNames: readonly string[],
    readonly policy: PolicyResolver,
    /** What the store held at the last restart (empty at first; null: no store). */
    public store: Map<string, StoredSession> | null,
  ) {}

  #epochs = 0;
  nextEpoch(): number {
    return ++this.#epochs;
  }

  nextDetachedId(): string {
    this.#detachedIds += 1;
    return `detached-wake#${this.#detachedIds}`;
  }

  resolveHandle(h: number, value: unknown): void {
    this.handles.set(h, { state: "ok", value });
  }

  rejectHandle(h: number, code: string): void {
    this.handles.set(h, { state: "error", code });
  }

  resolveWaiter(w: number, outcome: CompletionOutcome): void {
    const slot = this.waiters.get(w);
    if (slot === undefined) throw new ModelError(`model: unknown waiter ${w}`);
    if (slot.outcome !== null) throw new ModelError(`model: waiter ${w} resolved twice`);
    slot.outcome = outcome;
  }

  settleCall(call: CallModel, outcome: RunOutcome): void {
    const i = this.calls.indexOf(call);
    if (i < 0) return;
    this.calls.splice(i, 1);
    this.sessions.get(call.session)?.settle(call.run, outcome);
  }

  #entryOrCreate(name: string): { sm: SessionModel; created: boolean } {
    let sm = this.sessions.get(name);
    if (sm !== undefined) return { sm, created: false };
    sm = new SessionModel(name, this);
    this.sessions.set(name, sm);
    return { sm, created: true };
  }

  #newWaiter(session: string): (inputId: string) => number {
    return (inputId) => {
      const w = ++this.#waiterCount;
      this.waiters.set(w, { session, inputId, outcome: null });
      return w;
    };
  }

  /** Whether a step is meaningful in this state (fast-check's `check`). */
  applicable(step: Step): boolean {
    switch (step.op) {
      case "complete":
      case "fail":
      case "boundary":
        return this.calls.length > 0;
      case "restart":
        return this.store !== null;
      default:
        return true;
    }
  }

  /**
   * Applies one step: the state the step's handle must be in once the runtime settled. `given`: the
   * concrete arguments the real side is called with (`concrete`, resolved before the step, and so
   * before any recovery it causes).
   */
  apply(step: Step, handle: number, given: Concrete): void {
    this.stepIndex = handle;
    const set = (r: HandleState): void => void this.handles.set(handle, r);
    const name = "s" in step ? this.sessionNames[step.s % this.sessionNames.length]! : "";
    const touched: SessionModel[] = [];
    const within = (sm: SessionModel): SessionModel => {
      touched.push(sm);
      return sm;
    };
    try {
      this.#applyStep(step, handle, name, set, within, given);
    } finally {
      for (const sm of touched) sm.drain();
    }
  }

  #applyStep(step: Step, handle: number, name: string, set: (r: HandleState) => void, within: (sm: SessionModel) => SessionModel, given: Concrete): void {
    const ok = (value?: unknown): void => set({ state: "ok", value });
    const fail = (code: string): void => set({ state: "error", code });
    const done = (e: string | null, value?: unknown): void => (e === null ? ok(value) : fail(e));
    switch (step.op) {
      case "register":
      case "bind":
      case "bindLocal":
        return this.#bind(step, name, within, given, done);
      case "recover":
        if (!this.sessions.has(name) && this.store !== null) {
          const { sm: created } = this.#entryOrCreate(name);
          within(created).ensureRecovered();
          if (!created.state.registered && created.state.phase === "Initializing") created.control({ kind: "RegisterSession" });
          return ok({ inputsRecovered: created.recoveredInputs });
        }
        break;
      case "complete":
      case "fail":
      case "boundary":
        return this.#executorStep(step, handle, set, within);
      case "abortMode":
        this.abortMode = step.mode;
        return ok();
      case "restart":
        throw new ModelError("restart is applied by the property driver (model.restart)");
    }
    const found = this.sessions.get(name);
    if (found === undefined) return fail("SessionNotFound");
    const sm = within(found);
    switch (step.op) {
      case "unregister": {
        const e = sm.control({ kind: "UnregisterSession" });
        if (e === null) sm.resolveAllWaiters({ kind: "RuntimeTerminated", reason: "runtime session unregistered" });
        return done(e);
      }
      case "accept": {
        const r = sm.admit(buildInput(step.input), step.mode, step.mode === "completion" ? this.#newWaiter(name) : null);
        return r.ok ? ok(r.value) : fail(r.code);
      }
      case "flood": {
        let accepted = 0;
        for (let k = 1; k <= step.n; k++) {
          const r = sm.admit(floodInput(handle, k), "withoutWake", null);
          sm.drain();
          if (!r.ok) return fail(r.code);
          if (r.value.outcome === "Accepted") accepted += 1;
        }
        return ok({ accepted });
      }
      case "acceptAndRun": {
        set({ state: "pending" });
        const e = sm.acceptAndRun(buildInput(step.input), handle);
        return e === null ? undefined : fail(e);
      }
      case "cancel":
      case "interrupt": {
        const r = sm.runControl(step.op === "cancel" ? "CancelAfterBoundary" : "InterruptRun", given.runId);
        return r.ok ? ok(r.value) : fail(r.code);
      }
      case "stop": {
        const e = sm.control({ kind: "StopRuntimeExecutor" });
        if (e !== null || sm.state.phase === "Stopped") return done(e);
        set({ state: "pending" });
        sm.stopHandles.push(handle);
        return sm.terminalizeStop();
      }
      case "retire":
      case "destroy": {
        const fence = given.fence ?? null;
        if (!fenceInDomain(fence)) return fail("InvalidArgument");
        if (step.op === "retire") {
          const e = sm.control({ kind: "Retire", fence });
          if (e === null) sm.wake();
          return done(e);
        }
        const live = sm.active;
        const r = sm.fire({ kind: "Destroy", fence });
        if (!r.ok) return fail(sm.refusalCode(r));
        if (live !== null) sm.interruptRun(live, "runtime destroyed");
        sm.resolveAllWaiters({ kind: "RuntimeTerminated", reason: "runtime destroyed" });
        const t = sm.ops?.apply({ kind: "TerminateOwner" }, { error: "owner terminated" });
        return t === undefined || t.ok ? ok() : fail(t.code);
      }
      case "reset":
        return done(sm.control({ kind: "Reset" }));
      case "recycle":
      case "recover": {
        const e = sm.control({ kind: step.op === "recycle" ? "Recycle" : "Recover" });
        if (e !== null) return fail(e);
        if (step.op === "recycle") this.counters.recycled += 1;
        sm.wake();
        return ok(step.op === "recycle" ? { inputsTransferred: sm.state.inputs.size } : { inputsRecovered: sm.state.inputs.size });
      }
      case "silent": {
        const e = sm.control({ kind: "SetSilentIntents", enabled: step.intents.length > 0 });
        if (e === null) sm.silentNames = step.intents.length > 0 ? new Set(step.intents) : null;
        return done(e);
      }
      case "ingest":
        return done(sm.control({ kind: "Ingest", runtime: given.runtimeId!, work: step.work }));
      case "wake":
        sm.later(() => sm.wake());
        return ok();
      case "ops":
        return this.#opsCall(sm, step.call, handle);
    }
  }

  /** register, prepareBindings, prepareLocalSessionBindings: recovery first; a refused call changes nothing. */
  #bind(step: Step & { op: "register" | "bind" | "bindLocal" }, name: string, within: (sm: SessionModel) => SessionModel, given: Concrete, done: (e: string | null, value?: unknown) => void): void {
    const { sm, created } = this.#entryOrCreate(name);
    within(sm).ensureRecovered();
    if (step.op === "register") return done(sm.control({ kind: "RegisterSession" }));
    let e: string | null;
    const undo = sm.state;
    const s = sm.state;
    if (step.op === "bind") {
      const b = given.binding!;
      e = sm.bind(b.runtimeId, b.fence, b.generation);
    } else if (s.phase === "Destroyed") e = "SessionDestroyed";
    else if (s.phase !== "Idle" && s.phase !== "Initializing" && s.boundRuntime !== null && s.boundFence !== null) e = null;
    // After unregister the newest fence's holder is forgotten: a local rebinding takes the next fence.
    else if (s.boundRuntime === null && s.highestFence !== null) e = sm.bind(`rt:session:${name}`, Math.min(s.highestFence + 1, FENCE_MAX), s.boundGeneration);
    else e = sm.bind(s.boundRuntime ?? `rt:session:${name}`, s.highestFence ?? 0, s.boundGeneration);
    if (e === null) return done(null, sm.bindingsValue());
    if (created) this.sessions.delete(name);
    else sm.state = undo;
    done(e);
  }

  /** The executor completes, fails or reports a boundary on its `step.call`-th live call. */
  #executorStep(step: Step & { op: "complete" | "fail" | "boundary" }, handle: number, set: (r: HandleState) => void, within: (sm: SessionModel) => SessionModel): void {
    // applicable() lets an executor step run only while a call is in flight.
    const call = this.calls[step.call % this.calls.length]!;
    const sm = this.sessions.get(call.session);
    if (sm !== undefined) within(sm);
    if (step.op === "boundary") {
      set({ state: "pending" });
      sm?.reportBoundary(call.run, handle);
      return;
    }
    if (step.op === "complete") {
      const output = runOutputOf(step.output);
      this.settleCall(call, { ok: true, output: call.run.kind === "andRun" ? {} : output, value: output });
    } else {
      const cancelled = step.cause === "cancelled" || call.run.interruptReason !== null;
      const message = step.cause === "error" ? EXECUTOR_FAILURE_MESSAGE : step.cause === "cancelled" ? EXECUTOR_CANCEL_MESSAGE : EXECUTOR_FAILURE_VALUE;
      this.settleCall(call, { ok: false, message, cancelled, thrown: step.cause === "cancelled" ? "RunCancelled" : `executor:${message}` });
    }
    set({ state: "ok", value: undefined });
  }

  /** The concrete arguments of a step in the current state (fences, run ids, runtime ids). */
  concrete(step: Step): Concrete {
    if (!("s" in step)) return {};
    const name = this.sessionNames[step.s % this.sessionNames.length]!;
    const sm = this.sessions.get(name) ?? new SessionModel(name, this);
    switch (step.op) {
      case "bind":
        return { binding: this.bindArgs(sm, step.bind) };
      case "retire":
      case "destroy":
        return { fence: sm.fenceOf(step.fence) };
      case "cancel":
      case "interrupt":
        return { runId: sm.runTarget(step.run) };
      case "ingest":
        return { runtimeId: step.runtime === "bound" ? (sm.state.boundRuntime ?? "rt-none") : "rt-other" };
      default:
        return {};
    }
  }

  bindArgs(sm: SessionModel, b: { readonly runtime: string; readonly fenceDelta: number; readonly generationDelta: number }): { runtimeId: string; fence: number; generation: number } {
    const s = sm.state;
    const runtimeId = b.runtime === "local" ? `rt:session:${sm.id}` : b.runtime;
    const fence = Math.max(0, (s.highestFence ?? 0) + b.fenceDelta);
    const generation = Math.max(0, s.boundGeneration + b.generationDelta);
    return { runtimeId, fence, generation };
  }

  #opsCall(sm: SessionModel, call: OpsCall, handle: number): void {
    if (sm.ops === null) {
      const host: OpsHost = { resolveHandle: (h, v) => this.resolveHandle(h, v), rejectHandle: (h, c) => this.rejectHandle(h, c), onQuiescence: () => sm.afterQuiescence() };
      sm.ops = new OpsModel(host, sm.recoveredOps);
      // A registry first met after its owner was destroyed starts closed, as the runtime's does.
      if (sm.state.phase === "Destroyed") sm.ops.apply({ kind: "TerminateOwner" }, { error: "session destroyed" });
    }
    const ops = sm.ops;
    const done = (r: { ok: boolean; code?: string }): void => (r.ok ? this.resolveHandle(handle, undefined) : this.rejectHandle(handle, r.code ?? "OpRefused"));
    switch (call.fn) {
      case "register":
        // A destroyed session's registry is Closed: the machine refuses the new op.
        return done(ops.apply({ kind: "RegisterOp", op: call.id, opKind: call.kind }));
      case "complete":
        return done(ops.apply({ kind: "CompleteOp", op: call.id }, call.result === undefined ? {} : { result: call.result }));
      case "fail":
        return done(ops.apply({ kind: "FailOp", op: call.id }, { error: "op failed" }));
      case "terminateOwner":
        return done(ops.apply({ kind: "TerminateOwner" }, { error: "owner terminated" }));
      case "watch":
        this.handles.set(handle, { state: "pending" });
        return ops.watch(call.id, handle);
      case "waitAll":
        this.handles.set(handle, { state: "pending" });
        return ops.waitAll(call.ids, handle);
      default:
        return done(ops.apply({ kind: OPS_TRIGGER[call.fn], op: call.id } as OpsLifecycleTrigger));
    }
  }

  /**
   * A restart: close() with the executor detached (its calls never settle again, as in a crash),
   * then a new runtime over the same store, which knows no session until one is registered.
   */
  restart(handle: number): void {
    this.detached = true;
    this.close();
    // The store now holds what the sessions of this runtime left (the others' rows are unchanged).
    for (const sm of this.store === null ? [] : this.sessions.values()) {
      const image = sm.storedImage();
      if (image === null) this.store?.delete(sm.id);
      else this.store?.set(sm.id, image);
    }
    this.calls.length = 0;
    this.sessions.clear();
    this.closed = false;
    this.detached = false;
    Object.assign(this.counters, { cancelRequests: 0, stopped: 0, recycled: 0 });
    this.handles.set(handle, { state: "ok", value: undefined });
  }

  /** close(): every run in flight is interrupted, every waiter terminated; later calls refused. */
  close(): void {
    this.closed = true;
    for (const sm of this.sessions.values()) {
      if (sm.active !== null) sm.interruptRun(sm.active, "runtime closed");
      sm.resolveAllWaiters({ kind: "RuntimeTerminated", reason: "runtime loop exited" });
      sm.drain();
    }
  }
}

// The system under test: a runtime created through the public API (createRuntime with the
// conformance executor, policy, an optional store and an observer), driven by steps. Every call's
// promise becomes a numbered handle whose state is recorded; every completion becomes a numbered
// waiter; `settle` lets the runtime run until nothing moves (everything it awaits is either a
// microtask or an executor call this world settles by hand).

import type { OpsLifecycleState } from "../../generated/ops.machine.js";
import {
  createRuntime,
  RunCancelledError,
  RuntimeError,
  type AcceptResult,
  type ApplyContext,
  type CompletionOutcome,
  type ControlPlane,
  type RuntimeEvent,
  type RuntimeObserver,
  type RuntimeStore,
  type SessionBindings,
} from "../../runtime/index.js";
import { deferred } from "../../testing/index.js";
import { ConformanceExecutor, ExecutorFailure } from "./executor.js";
import { conformanceLimits } from "./limits.js";
import { conformancePolicy } from "./policy.js";
import { projectOps, projectSnapshot, type Projection } from "./projection.js";
import { buildInput, EXECUTOR_CANCEL_MESSAGE, EXECUTOR_FAILURE_MESSAGE, EXECUTOR_FAILURE_VALUE, floodInput, runOutputOf } from "./steps.js";
import type { Concrete, HandleState, HookCounters, OpsCall, Step } from "./steps.js";

export type { Concrete } from "./steps.js";

/** One executor call in flight. */
export interface LiveCall {
  readonly session: string;
  readonly runId: string;
  readonly kind: "loop" | "andRun";
  readonly contributors: readonly string[];
  readonly ctx: ApplyContext;
  complete(value: unknown): void;
  fail(error: unknown): void;
}

/** Opens the store of a runtime incarnation; `reopen` gives the store a restarted runtime uses. */
export interface StoreFactory {
  readonly name: string;
  open(): RuntimeStore;
  reopen(previous: RuntimeStore): RuntimeStore | Promise<RuntimeStore>;
  dispose?(store: RuntimeStore): void | Promise<void>;
}

/** Classifies a rejection: typed runtime errors by code, the executor's own failures, the rest. */
export function classify(e: unknown): string {
  if (e instanceof RuntimeError) return e.code;
  if (e instanceof RunCancelledError) return "RunCancelled";
  if (e instanceof ExecutorFailure) return `executor:${e.message}`;
  if (e === EXECUTOR_FAILURE_VALUE) return `executor:${e}`;
  return `untyped:${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

export interface WorldOptions {
  readonly sessions: readonly string[];
  readonly store?: StoreFactory;
  /** Sees every committed transition (coverage). */
  readonly observer?: RuntimeObserver;
  /** Sees the contributors of every executor call (the batch-cap test). */
  readonly onBatch?: (contributors: readonly string[]) => void;
  /** Wraps the runtime after creation (the injected-bug tests patch it here). */
  readonly patch?: (rt: ControlPlane) => void;
}

export class World {
  rt!: ControlPlane;
  exec!: ConformanceExecutor;
  store: RuntimeStore | null = null;
  readonly handles = new Map<number, HandleState>();
  readonly waiters = new Map<number, { readonly session: string; readonly inputId: string; outcome: CompletionOutcome | null; resolutions: number }>();
  readonly calls: LiveCall[] = [];
  readonly events: RuntimeEvent[] = [];
  activity = 0;
  #waiterCount = 0;
  #step = 0;
  #opsCreated = new Set<string>();
  #epochs = new Map<string, number>();
  #realRuns = new Map<string, string>();
  #detached = new Map<string, string>();

  constructor(readonly options: WorldOptions) {}

  async start(): Promise<void> {
    this.store = this.options.store?.open() ?? null;
    this.#open();
  }

  #open(): void {
    const exec = new ConformanceExecutor();
    exec.onCall = (run) => {
      this.activity += 1;
      this.options.onBatch?.(run.primitive.contributors);
      this.calls.push({ session: run.sessionId, runId: run.runId, kind: "loop", contributors: run.primitive.contributors, ctx: run.ctx, complete: (v) => run.complete(v as never), fail: (e) => run.fail(e) });
    };
    exec.onAbortReject = (run) => this.#forget(run.runId);
    if (this.exec !== undefined) exec.abortMode = this.exec.abortMode;
    const outer = this.options.observer;
    const observer: RuntimeObserver = {
      sessionTransition: (sid, name) => {
        this.activity += 1;
        outer?.sessionTransition?.(sid, name);
      },
      opsTransition: (sid, name) => {
        this.activity += 1;
        outer?.opsTransition?.(sid, name);
      },
    };
    // Retries happen on the next wake only: a backoff timer is a wake at some later time, which
    // the wake step covers, and real time would make runs irreproducible.
    const rt = createRuntime({ executor: exec, policy: conformancePolicy, observer, limits: conformanceLimits, ...(this.store !== null ? { store: this.store } : {}) });
    rt.on((e) => {
      this.activity += 1;
      this.events.push(e);
      if (e.type === "input.accepted" && e.inputId.startsWith("detached-wake:") && !this.#detached.has(e.inputId)) {
        this.#detached.set(e.inputId, `detached-wake#${this.#detached.size + 1}`);
      }
    });
    this.options.patch?.(rt);
    this.exec = exec;
    this.rt = rt;
    this.#opsCreated = new Set();
  }

  /** close() with the executor detached (nothing of the old incarnation moves again), then a new runtime over the same store. */
  async restart(): Promise<void> {
    this.exec.detached = true;
    await this.rt.close();
    await this.settle();
    this.calls.length = 0;
    const factory = this.options.store;
    if (factory !== undefined && this.store !== null) this.store = await factory.reopen(this.store);
    this.#open();
  }

  async dispose(): Promise<void> {
    this.exec.detached = true;
    await this.rt.close();
    if (this.store !== null) await this.options.store?.dispose?.(this.store);
  }

  #forget(runId: string): void {
    const i = this.calls.findIndex((c) => c.runId === runId);
    if (i >= 0) this.calls.splice(i, 1);
  }

  /** Lets the runtime run until two rounds of the event loop change nothing. */
  async settle(): Promise<void> {
    let last = -1;
    for (let i = 0; i < 200; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.activity === last) return;
      last = this.activity;
    }
    throw new Error("the runtime did not settle within 200 event-loop rounds");
  }

  /** Records the state of a call's promise under the step's handle (a synchronous throw is a rejection). */
  #call(handle: number, f: () => Promise<unknown>, norm: (v: never) => unknown = () => undefined): void {
    this.handles.set(handle, { state: "pending" });
    let p: Promise<unknown>;
    try {
      p = f();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        this.activity += 1;
        this.handles.set(handle, { state: "ok", value: norm(v as never) });
      },
      (e: unknown) => {
        this.activity += 1;
        this.handles.set(handle, { state: "error", code: classify(e) });
      },
    );
  }

  #waiter(session: string, inputId: string, completion: Promise<CompletionOutcome>): void {
    const w = ++this.#waiterCount;
    const slot = { session, inputId, outcome: null as CompletionOutcome | null, resolutions: 0 };
    this.waiters.set(w, slot);
    void completion.then((o) => {
      this.activity += 1;
      slot.resolutions += 1;
      slot.outcome = o;
    });
  }

  #acceptValue(session: string) {
    return (r: AcceptResult): unknown => {
      if (r.completion !== undefined) this.#waiter(session, r.outcome === "Deduplicated" ? r.existingId : r.inputId, r.completion);
      const detail = r.outcome === "Deduplicated" ? { existingId: r.existingId } : r.outcome === "Rejected" ? { reason: r.reason.code } : {};
      return { outcome: r.outcome, inputId: r.inputId, ...detail, completion: r.completion !== undefined };
    };
  }

  realRun(norm: string | undefined): string | undefined {
    if (norm === undefined) return undefined;
    return this.#realRuns.get(norm) ?? norm;
  }

  normRun = (real: string): string => {
    const m = /^(epoch:[^/]+)\/(run-\d+)$/.exec(real);
    if (m === null) return real;
    let e = this.#epochs.get(m[1]!);
    if (e === undefined) this.#epochs.set(m[1]!, (e = this.#epochs.size + 1));
    const norm = `e${e}/${m[2]!}`;
    this.#realRuns.set(norm, real);
    return norm;
  };

  normInput = (id: string): string => this.#detached.get(id) ?? id;

  /** Applies one step (with the model's concrete arguments) and lets the runtime settle. */
  async apply(step: Step, c: Concrete, handle: number, names: readonly string[]): Promise<void> {
    const name = "s" in step ? names[step.s % names.length]! : "";
    this.#step = handle;
    if (step.op === "complete" || step.op === "fail" || step.op === "boundary") this.#executorStep(step, handle);
    else if (step.op === "abortMode" || step.op === "restart") {
      if (step.op === "restart") await this.restart();
      else this.exec.abortMode = step.mode;
      this.handles.set(handle, { state: "ok", value: undefined });
    } else {
      const [f, norm] = this.#callOf(step, c, name);
      this.#call(handle, f, norm);
    }
    await this.settle();
  }

  /** The public call a step makes, and how its result is shown. */
  #callOf(step: Exclude<Step, { op: "complete" | "fail" | "boundary" | "abortMode" | "restart" }>, c: Concrete, name: string): [() => Promise<unknown>, ((v: never) => unknown)?] {
    const rt = this.rt;
    const fence = c.fence === null || c.fence === undefined ? {} : { fence: c.fence };
    const run = (r: string): string => this.normRun(r);
    switch (step.op) {
      case "register":
        return [() => rt.registerSession(name)];
      case "bind":
        return [() => rt.prepareBindings(name, c.binding!), bindingsValue];
      case "bindLocal":
        return [() => rt.prepareLocalSessionBindings(name), bindingsValue];
      case "unregister":
        return [() => rt.unregisterSession(name)];
      case "accept": {
        const input = buildInput(step.input);
        const f = step.mode === "completion" ? () => rt.acceptInputWithCompletion(name, input) : step.mode === "withoutWake" ? () => rt.acceptInputWithoutWake(name, input) : () => rt.acceptInput(name, input);
        return [f, this.#acceptValue(name)];
      }
      case "flood":
        return [
          async () => {
            let accepted = 0;
            for (let k = 1; k <= step.n; k++) if ((await rt.acceptInputWithoutWake(name, floodInput(this.#step, k))).outcome === "Accepted") accepted += 1;
            return { accepted };
          },
          (v: unknown) => v,
        ];
      case "acceptAndRun":
        return [() => rt.acceptInputAndRun(name, buildInput(step.input), (runId, primitive, ctx) => this.#andRunOp(name, runId, primitive.contributors, ctx)), (v: unknown) => v];
      case "cancel":
        return [() => rt.cancelAfterBoundary(name, this.realRun(c.runId)), run];
      case "interrupt":
        return [() => rt.interrupt(name, this.realRun(c.runId)), run];
      case "stop":
        return [() => rt.stopRuntimeExecutor(name)];
      case "retire":
        return [() => rt.retire(name, fence)];
      case "destroy":
        return [() => rt.destroy(name, fence)];
      case "reset":
        return [() => rt.reset(name)];
      case "recycle":
        return [() => rt.recycle(name), (r: { inputsTransferred: number }) => ({ inputsTransferred: r.inputsTransferred })];
      case "recover":
        return [() => rt.recover(name), (r: { inputsRecovered: number }) => ({ inputsRecovered: r.inputsRecovered })];
      case "silent":
        return [() => rt.setSilentIntents(name, step.intents)];
      case "ingest":
        return [() => rt.ingest(name, c.runtimeId!, step.work)];
      case "wake":
        return [async () => rt.wake(name)];
      case "ops":
        return [() => this.#opsCall(name, step.call), (v: unknown) => v];
    }
  }

  /** acceptInputAndRun's op: an executor call this world settles by hand (it rejects when interrupted, like the executor). */
  #andRunOp(session: string, runId: string, contributors: readonly string[], ctx: ApplyContext): Promise<unknown> {
    this.activity += 1;
    const d = deferred<unknown>();
    this.calls.push({ session, runId, kind: "andRun", contributors, ctx, complete: (v) => d.resolve(v), fail: (e) => d.reject(e) });
    this.exec.watchAbort(ctx, () => {
      this.#forget(runId);
      d.reject(ctx.signal.reason);
    });
    return d.promise;
  }

  #executorStep(step: Step & { op: "complete" | "fail" | "boundary" }, handle: number): void {
    const call = this.calls[step.call % this.calls.length];
    if (call === undefined) return void this.handles.set(handle, { state: "error", code: "NoCall" });
    if (step.op !== "boundary") {
      this.#forget(call.runId);
      if (step.op === "complete") call.complete(runOutputOf(step.output));
      else call.fail(step.cause === "error" ? new ExecutorFailure(EXECUTOR_FAILURE_MESSAGE) : step.cause === "cancelled" ? new RunCancelledError(EXECUTOR_CANCEL_MESSAGE) : EXECUTOR_FAILURE_VALUE);
      return void this.handles.set(handle, { state: "ok", value: undefined });
    }
    // A cooperative executor: at a boundary it learns whether a cancel was requested and, if so,
    // returns; a refused boundary ends the run with that error.
    const boundary = (): Promise<unknown> =>
      call.ctx.reportBoundary().then(
        (v) => {
          if (v.cancelRequested) {
            this.#forget(call.runId);
            call.complete({});
          }
          return { cancelRequested: v.cancelRequested, sequence: v.sequence };
        },
        (e: unknown) => {
          this.#forget(call.runId);
          call.fail(e);
          throw e;
        },
      );
    this.#call(handle, boundary, (v: unknown) => v);
  }

  async #opsCall(name: string, call: OpsCall): Promise<unknown> {
    const ops = this.rt.ops(name);
    this.#opsCreated.add(name);
    switch (call.fn) {
      case "register":
        return ops.register({ id: call.id, kind: call.kind });
      case "complete":
        return call.result === undefined ? ops.complete(call.id) : ops.complete(call.id, call.result);
      case "fail":
        return ops.fail(call.id, new Error("op failed"));
      case "terminateOwner":
        return ops.terminateOwner();
      case "waitAll":
        return ops.waitAll(call.ids);
      default:
        return ops[call.fn](call.id);
    }
  }

  /** The comparable projection. */
  project(): Projection {
    const rt = this.rt;
    const sessions = [...rt.sessionIds()].sort().map((name) => {
      const ops = this.#opsCreated.has(name) ? rt.ops(name) : null;
      const feed = ops?.completions().map((c) => [c.opId, c.outcome.status] as const);
      return { name, snapshot: projectSnapshot(rt.snapshot(name), this.normInput, this.normRun), ops: ops === null ? null : projectOps(ops.state as OpsLifecycleState, feed) };
    });
    const counters: HookCounters = { cancelRequests: this.exec.cancelRequests.length, stopped: this.exec.stopped.length, recycled: this.exec.recycled.length };
    return {
      sessions,
      calls: this.calls.map((c) => ({ session: c.session, runId: this.normRun(c.runId), kind: c.kind, contributors: c.contributors.map(this.normInput) })),
      handles: [...this.handles].sort((a, b) => a[0] - b[0]),
      waiters: [...this.waiters].map(([w, s]) => [w, { inputId: this.normInput(s.inputId), outcome: s.outcome }] as const),
      counters,
    };
  }
}

function bindingsValue(b: SessionBindings): unknown {
  // Never touch `b.ops`: the getter creates the session's ops registry.
  return { runtimeId: b.runtimeId, fence: b.fence, generation: b.generation };
}

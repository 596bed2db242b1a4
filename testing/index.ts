// Test doubles: a scripted executor whose runs the test settles by hand, an input builder, and a
// store wrapper that fails chosen writes (fault injection).

import type { RuntimeLimits } from "../runtime/core.js";
import type { RuntimeEvent } from "../runtime/events.js";
import { createRuntime, type ControlPlane } from "../runtime/runtime.js";
import { storeIoInFlight, type BoundaryReceipt, type PersistedPhase, type RuntimeStore, type StoredBinding, type StoredInputRow } from "../runtime/store.js";
import type { ApplyContext, Executor, RunOutput, RunPrimitive } from "../runtime/executor.js";
import type { Durability, HandlingMode, Input, InputId, InputSource, JsonValue, RunId, SessionId } from "../runtime/input.js";

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One executor call the test controls. */
export interface ScriptedRun {
  readonly runId: RunId;
  readonly primitive: RunPrimitive;
  readonly ctx: ApplyContext;
  readonly sessionId: SessionId;
  complete(output?: RunOutput): void;
  fail(error: unknown): void;
}

/**
 * Every apply call waits until the test settles it, unless `auto` is set, in which case it
 * completes at once (or `auto` decides per call).
 */
export class ScriptedExecutor implements Executor {
  readonly calls: ScriptedRun[] = [];
  readonly stopped: SessionId[] = [];
  readonly cancelRequests: Array<{ readonly sessionId: SessionId; readonly runId: RunId }> = [];
  readonly recycled: SessionId[] = [];
  #waiting: Array<(r: ScriptedRun) => void> = [];
  #queue: ScriptedRun[] = [];

  constructor(public auto: ((p: RunPrimitive) => RunOutput | Error) | null = null) {}

  apply(runId: RunId, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput | void> {
    const d = deferred<RunOutput | void>();
    const run: ScriptedRun = {
      runId,
      primitive,
      ctx,
      sessionId: primitive.sessionId,
      complete: (output) => d.resolve(output ?? {}),
      fail: (error) => d.reject(error),
    };
    this.calls.push(run);
    if (this.auto !== null) {
      const out = this.auto(primitive);
      if (out instanceof Error) run.fail(out);
      else run.complete(out);
      return d.promise;
    }
    const w = this.#waiting.shift();
    if (w !== undefined) w(run);
    else this.#queue.push(run);
    return d.promise;
  }

  /** The next executor call (waits for it). */
  next(): Promise<ScriptedRun> {
    const q = this.#queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Calls made but not yet taken with next(). */
  get pending(): number {
    return this.#queue.length;
  }

  cancelAfterBoundary(sessionId: SessionId, runId: RunId): void {
    this.cancelRequests.push({ sessionId, runId });
  }

  stop(sessionId: SessionId): void {
    this.stopped.push(sessionId);
  }

  recycle(sessionId: SessionId): void {
    this.recycled.push(sessionId);
  }
}

export interface InputOptions {
  readonly durability?: Durability;
  readonly source?: InputSource;
  readonly idempotencyKey?: string;
  readonly supersessionKey?: string;
  readonly handlingMode?: HandlingMode;
}

function header(id: string, o: InputOptions, source: InputSource): Input["header"] {
  return {
    id,
    durability: o.durability ?? "Durable",
    source: o.source ?? source,
    ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
    ...(o.supersessionKey !== undefined ? { supersessionKey: o.supersessionKey } : {}),
    ...(o.handlingMode !== undefined ? { handlingMode: o.handlingMode } : {}),
  };
}

const PEER: InputSource = { kind: "Peer", peerId: "peer-1" };

/** Input builders with sensible defaults. */
export const inputs = {
  prompt: (id: string, text = "hello", o: InputOptions = {}): Input => ({ kind: "prompt", header: header(id, o, { kind: "Operator" }), text }),
  peerMessage: (id: string, body = "hi", o: InputOptions = {}): Input => ({ kind: "peer_message", header: header(id, o, PEER), body }),
  peerRequest: (id: string, intent: string, o: InputOptions = {}): Input => ({ kind: "peer_request", header: header(id, o, PEER), requestId: `req-${id}`, intent, body: "please" }),
  progress: (id: string, requestId: string, o: InputOptions = {}): Input => ({ kind: "peer_response_progress", header: header(id, o, PEER), requestId, phase: "working" }),
  terminal: (id: string, requestId: string, o: InputOptions = {}): Input => ({ kind: "peer_response_terminal", header: header(id, o, PEER), requestId, status: "Completed" }),
  flowStep: (id: string, o: InputOptions = {}): Input => ({ kind: "flow_step", header: header(id, o, { kind: "Flow", flowId: "f", stepIndex: 0 }), flowId: "f", stepIndex: 0, body: null }),
  external: (id: string, o: InputOptions = {}): Input => ({ kind: "external_event", header: header(id, o, { kind: "External", sourceName: "webhook" }), eventType: "ping", payload: {} }),
  continuation: (id: string, o: InputOptions = {}): Input => ({ kind: "continuation", header: header(id, { durability: "Derived", ...o }, { kind: "System" }), reason: "resume" }),
  operation: (id: string, o: InputOptions = {}): Input => ({ kind: "operation", header: header(id, { durability: "Derived", ...o }, { kind: "System" }), operationId: "op-1", event: "completed" }),
};

/** Lets queued promise jobs and loop passes run. */
export async function flush(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  // A store doing network I/O (PostgreSQL): also wait until its operations in flight are answered
  // and what they let happen next has run.
  while (storeIoInFlight() > 0) {
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A runtime over a scripted executor that records every event, for tests and examples. A test that
 * counts runs per wake passes `{ retryBackoffMs: 0 }`: with the 100 ms default, a failed run's
 * backoff retry may start while a slow flush on a loaded machine is still waiting.
 */
export function scriptedRuntime(store?: RuntimeStore, limits?: RuntimeLimits): { exec: ScriptedExecutor; rt: ControlPlane; events: RuntimeEvent[] } {
  const exec = new ScriptedExecutor();
  const rt = createRuntime({ executor: exec, ...(store === undefined ? {} : { store }), ...(limits === undefined ? {} : { limits }) });
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  return { exec, rt, events };
}

/** The write methods of a RuntimeStore (the ones fault injection can fail). */
export type StoreWriteMethod = "persistInputState" | "commitBoundary" | "atomicLifecycleCommit" | "persistBinding" | "persistOpsSnapshot";

/** One write the wrapped store was asked for: its number (1, 2, …), method, session and, for lifecycle commits, the phase and rows. */
export interface StoreWrite {
  readonly n: number;
  readonly method: StoreWriteMethod;
  readonly sessionId: SessionId;
  readonly phase?: PersistedPhase;
  readonly rows: readonly StoredInputRow[];
}

/** The error an injected store fault throws. */
export class InjectedStoreFault extends Error {
  readonly code = "InjectedStoreFault" as const;
  constructor(readonly write: StoreWrite) {
    super(`injected store fault: write #${write.n} (${write.method} for session ${JSON.stringify(write.sessionId)})`);
    this.name = "InjectedStoreFault";
  }
}

/**
 * A store that forwards to `inner` and fails the writes `failWhen` picks (nothing is written for
 * them), for fault-injection tests. Loads pass through. `writes` counts every write asked for.
 */
export class FaultyStore implements RuntimeStore {
  writes = 0;
  readonly failed: StoreWrite[] = [];
  failWhen: (w: StoreWrite) => boolean = () => false;

  constructor(readonly inner: RuntimeStore) {}

  #gate(w: Omit<StoreWrite, "n">): void {
    this.writes += 1;
    const write: StoreWrite = { ...w, n: this.writes };
    if (this.failWhen(write)) {
      this.failed.push(write);
      throw new InjectedStoreFault(write);
    }
  }

  persistInputState(sessionId: SessionId, row: StoredInputRow): void | Promise<void> {
    this.#gate({ method: "persistInputState", sessionId, rows: [row] });
    return this.inner.persistInputState(sessionId, row);
  }
  commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[], phase?: PersistedPhase): BoundaryReceipt | Promise<BoundaryReceipt> {
    this.#gate({ method: "commitBoundary", sessionId, rows, ...(phase === undefined ? {} : { phase }) });
    return this.inner.commitBoundary(sessionId, runId, contributors, rows, phase);
  }
  atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): void | Promise<void> {
    this.#gate({ method: "atomicLifecycleCommit", sessionId, phase, rows });
    return this.inner.atomicLifecycleCommit(sessionId, phase, rows);
  }
  persistBinding(sessionId: SessionId, binding: StoredBinding): void | Promise<void> {
    this.#gate({ method: "persistBinding", sessionId, rows: [] });
    return this.inner.persistBinding(sessionId, binding);
  }
  persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): void | Promise<void> {
    this.#gate({ method: "persistOpsSnapshot", sessionId, rows: [] });
    return this.inner.persistOpsSnapshot(sessionId, snapshot);
  }
  loadInputStates(sessionId: SessionId) {
    return this.inner.loadInputStates(sessionId);
  }
  loadRuntimeState(sessionId: SessionId) {
    return this.inner.loadRuntimeState(sessionId);
  }
  loadBoundaryReceipt(sessionId: SessionId, runId: RunId, sequence: number) {
    return this.inner.loadBoundaryReceipt(sessionId, runId, sequence);
  }
  loadBinding(sessionId: SessionId) {
    return this.inner.loadBinding(sessionId);
  }
  loadBoundaryReceipts(sessionId: SessionId) {
    return this.inner.loadBoundaryReceipts(sessionId);
  }
  loadOpsSnapshot(sessionId: SessionId) {
    return this.inner.loadOpsSnapshot(sessionId);
  }
  listSessions() {
    return this.inner.listSessions();
  }
  close(): void | Promise<void> {
    return this.inner.close?.();
  }
}

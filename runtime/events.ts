// The typed event stream (upstream `runtime_event.rs`, but every variant is actually emitted).
// Input and run events are derived from committed machine transitions (runtime/derive.ts).

import type { AbandonReason, Lane, Phase } from "../generated/session.machine.js";
import type { InputId, RunId, SessionId } from "./input.js";

export type RuntimeEventBody =
  // input lifecycle
  | { readonly type: "input.accepted"; readonly inputId: InputId }
  /** A stored input re-admitted by recovery after a restart (followed by input.queued or input.abandoned). */
  | { readonly type: "input.recovered"; readonly inputId: InputId }
  | { readonly type: "input.deduplicated"; readonly inputId: InputId; readonly existingId: InputId }
  | { readonly type: "input.queued"; readonly inputId: InputId; readonly lane: Lane; readonly requeued: boolean }
  | { readonly type: "input.staged"; readonly inputId: InputId; readonly runId: RunId }
  | { readonly type: "input.applied"; readonly inputId: InputId; readonly runId: RunId }
  | { readonly type: "input.consumed"; readonly inputId: InputId; readonly runId: RunId | null }
  | { readonly type: "input.superseded"; readonly inputId: InputId; readonly by: InputId }
  | { readonly type: "input.coalesced"; readonly inputId: InputId; readonly into: InputId }
  | { readonly type: "input.abandoned"; readonly inputId: InputId; readonly reason: AbandonReason }
  // run lifecycle
  | { readonly type: "run.started"; readonly runId: RunId }
  | { readonly type: "run.completed"; readonly runId: RunId }
  | { readonly type: "run.failed"; readonly runId: RunId; readonly error: string }
  | { readonly type: "run.cancelled"; readonly runId: RunId; readonly reason: string }
  // coarse phase
  | { readonly type: "runtime.state_changed"; readonly from: Phase; readonly to: Phase }
  // topology
  | { readonly type: "topology.session_registered" }
  | { readonly type: "topology.session_unregistered" }
  | { readonly type: "topology.session_retired" }
  | { readonly type: "topology.session_recycled" }
  | { readonly type: "topology.session_destroyed" }
  // the runtime could not do something it does not report to a caller (best-effort paths)
  | { readonly type: "runtime.error"; readonly code: string; readonly message: string }
  | { readonly type: "runtime.recovered"; readonly inputsRecovered: number; readonly inputsRequeued: number; readonly inputsConsumed: number; readonly inputsAbandoned: number };

export type RuntimeEventType = RuntimeEventBody["type"];

export type RuntimeEvent = RuntimeEventBody & {
  /** Strictly increasing across the runtime. */
  readonly seq: number;
  readonly at: number;
  readonly sessionId: SessionId;
};

export type RuntimeEventListener = (event: RuntimeEvent) => void;

/** Fan-out to listeners and async iterators; cheap to call when nobody listens. */
export class EventBus {
  readonly #listeners = new Set<RuntimeEventListener>();
  #seq = 0;

  /** True when someone listens: callers skip building events otherwise. */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  emit(sessionId: SessionId, body: RuntimeEventBody): void {
    if (this.#listeners.size === 0) return;
    this.#seq += 1;
    const event = { ...body, seq: this.#seq, at: Date.now(), sessionId } as RuntimeEvent;
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch {
        // a failing listener must not break the runtime or the other listeners
      }
    }
  }

  on(listener: RuntimeEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** An async iterable over every event emitted after the call; `break` unsubscribes. */
  iterate(filter?: (e: RuntimeEvent) => boolean): AsyncIterableIterator<RuntimeEvent> {
    const buffer: RuntimeEvent[] = [];
    let pending: ((r: IteratorResult<RuntimeEvent>) => void) | null = null;
    let done = false;
    const off = this.on((e) => {
      if (filter !== undefined && !filter(e)) return;
      if (pending !== null) {
        const p = pending;
        pending = null;
        p({ value: e, done: false });
      } else buffer.push(e);
    });
    const finish = (): IteratorResult<RuntimeEvent> => {
      done = true;
      off();
      buffer.length = 0;
      if (pending !== null) {
        const p = pending;
        pending = null;
        p({ value: undefined, done: true });
      }
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<RuntimeEvent> = {
      next: () => {
        const head = buffer.shift();
        if (head !== undefined) return Promise.resolve({ value: head, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          pending = resolve;
        });
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

// The live handle of the run in flight: the executor's abort signal and cancel-after-boundary
// listeners. Mechanics only: whether a run exists, and which, is the machine's `currentRun`.

import { RunCancelledError } from "./errors.js";
import type { RunId } from "./input.js";

export class RunHandle {
  #controller: AbortController | null = null;
  #cancelListeners: Array<() => void> | null = null;
  #cancelRequested = false;
  #interruptReason: string | null = null;
  #boundaries = 0;
  settled = false;

  constructor(readonly runId: RunId) {}

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  get cancelRequested(): boolean {
    return this.#cancelRequested;
  }

  /** Why the run was hard-interrupted, or null. */
  get interruptReason(): string | null {
    return this.#interruptReason;
  }

  nextBoundarySequence(): number {
    const n = this.#boundaries;
    this.#boundaries += 1;
    return n;
  }

  requestCancelAfterBoundary(): void {
    if (this.#cancelRequested) return;
    this.#cancelRequested = true;
    const listeners = this.#cancelListeners;
    this.#cancelListeners = null;
    if (listeners !== null) for (const l of listeners) l();
  }

  onCancelAfterBoundary(listener: () => void): () => void {
    if (this.#cancelRequested) {
      listener();
      return () => undefined;
    }
    (this.#cancelListeners ??= []).push(listener);
    return () => {
      const list = this.#cancelListeners;
      if (list === null) return;
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  interrupt(reason: string): void {
    if (this.#interruptReason !== null) return;
    this.#interruptReason = reason;
    this.#controller ??= new AbortController();
    this.#controller.abort(new RunCancelledError(reason));
  }
}

// Completion waiters (upstream `completion.rs`): plumbing only. A waiter is resolved exactly once;
// whether an input has waiters never influences its lifecycle.

import type { InputId, JsonValue } from "./input.js";

export type CompletionOutcome =
  | { readonly kind: "Completed"; readonly result: JsonValue }
  | { readonly kind: "CompletedWithoutResult" }
  | { readonly kind: "CallbackPending"; readonly toolName: string; readonly args: JsonValue }
  | { readonly kind: "Cancelled" }
  | { readonly kind: "Superseded"; readonly by: InputId }
  | { readonly kind: "Coalesced"; readonly into: InputId }
  | { readonly kind: "Abandoned"; readonly reason: string }
  | { readonly kind: "RuntimeTerminated"; readonly reason: string };

type Resolve = (outcome: CompletionOutcome) => void;

/** The waiters of one session, by input. */
export class CompletionRegistry {
  #map: Map<InputId, Resolve[]> | null = null;
  #count = 0;

  /** Allocated on first use: an idle session has no waiter map. */
  get #waiters(): Map<InputId, Resolve[]> {
    return (this.#map ??= new Map());
  }

  /** A new waiter for a live input. */
  wait(input: InputId): Promise<CompletionOutcome> {
    return new Promise<CompletionOutcome>((resolve) => {
      const list = this.#waiters.get(input);
      if (list === undefined) this.#waiters.set(input, [resolve]);
      else list.push(resolve);
      this.#count += 1;
    });
  }

  /** Resolves (and forgets) every waiter of one input; returns how many there were. */
  resolve(input: InputId, outcome: CompletionOutcome): number {
    if (this.#count === 0) return 0;
    const list = this.#waiters.get(input);
    if (list === undefined) return 0;
    this.#waiters.delete(input);
    this.#count -= list.length;
    if (this.#count === 0) this.#map = null;
    for (const r of list) r(outcome);
    return list.length;
  }

  /** Resolves every waiter of the session with the same outcome. */
  resolveAll(outcome: CompletionOutcome): number {
    if (this.#count === 0) return 0;
    const all = [...this.#waiters.values()];
    this.#map = null;
    this.#count = 0;
    let n = 0;
    for (const list of all) for (const r of list) { r(outcome); n += 1; }
    return n;
  }

  has(input: InputId): boolean {
    return this.#count > 0 && this.#waiters.has(input);
  }

  get size(): number {
    return this.#count;
  }
}

export function runtimeTerminated(reason: string): CompletionOutcome {
  return { kind: "RuntimeTerminated", reason };
}

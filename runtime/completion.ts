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

/** One waiter (the common case, no list allocated) or several, in the order they started waiting. */
type Waiting = Resolve | Resolve[];

/** The waiters of one session, by input. */
export class CompletionRegistry {
  #map: Map<InputId, Waiting> | null = null;
  #count = 0;

  /** Allocated on first use: an idle session has no waiter map. */
  get #waiters(): Map<InputId, Waiting> {
    return (this.#map ??= new Map());
  }

  /** A new waiter for a live input. */
  wait(input: InputId): Promise<CompletionOutcome> {
    return new Promise<CompletionOutcome>((resolve) => {
      const known = this.#waiters.get(input);
      if (known === undefined) this.#waiters.set(input, resolve);
      else if (typeof known === "function") this.#waiters.set(input, [known, resolve]);
      else known.push(resolve);
      this.#count += 1;
    });
  }

  /** Resolves (and forgets) every waiter of one input; returns how many there were. */
  resolve(input: InputId, outcome: CompletionOutcome): number {
    if (this.#count === 0) return 0;
    const known = this.#waiters.get(input);
    if (known === undefined) return 0;
    this.#waiters.delete(input);
    const n = typeof known === "function" ? 1 : known.length;
    this.#count -= n;
    if (this.#count === 0) this.#map = null;
    settle(known, outcome);
    return n;
  }

  /** Resolves every waiter of the session with the same outcome. */
  resolveAll(outcome: CompletionOutcome): number {
    if (this.#count === 0) return 0;
    const all = [...this.#waiters.values()];
    const n = this.#count;
    this.#map = null;
    this.#count = 0;
    for (const known of all) settle(known, outcome);
    return n;
  }

  has(input: InputId): boolean {
    return this.#count > 0 && this.#waiters.has(input);
  }

  get size(): number {
    return this.#count;
  }
}

function settle(known: Waiting, outcome: CompletionOutcome): void {
  if (typeof known === "function") known(outcome);
  else for (const r of known) r(outcome);
}

export function runtimeTerminated(reason: string): CompletionOutcome {
  return { kind: "RuntimeTerminated", reason };
}

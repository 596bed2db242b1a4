// Completion outcomes of inputs this server accepted, kept so a client can long-poll for them after
// the POST returned. Pending entries hold the runtime's completion promise; settled outcomes are
// kept in a bounded most-recent map.

import type { CompletionOutcome, InputTerminalOutcome } from "../runtime/index.js";

export class CompletionTracker {
  readonly #pending = new Map<string, Promise<CompletionOutcome>>();
  readonly #settled = new Map<string, CompletionOutcome>();

  constructor(readonly maxSettled = 10_000) {}

  static key(sessionId: string, inputId: string): string {
    return `${sessionId}\u0000${inputId}`;
  }

  track(sessionId: string, inputId: string, completion: Promise<CompletionOutcome>): void {
    const key = CompletionTracker.key(sessionId, inputId);
    if (this.#pending.has(key) || this.#settled.has(key)) return;
    this.#pending.set(key, completion);
    void completion.then((outcome) => {
      this.#pending.delete(key);
      this.#settled.set(key, outcome);
      if (this.#settled.size > this.maxSettled) {
        const oldest = this.#settled.keys().next();
        if (oldest.done !== true) this.#settled.delete(oldest.value);
      }
    });
  }

  /** The settled outcome, the pending promise, or null when this process never saw the input. */
  lookup(sessionId: string, inputId: string): { readonly outcome: CompletionOutcome } | { readonly pending: Promise<CompletionOutcome> } | null {
    const key = CompletionTracker.key(sessionId, inputId);
    const outcome = this.#settled.get(key);
    if (outcome !== undefined) return { outcome };
    const pending = this.#pending.get(key);
    return pending === undefined ? null : { pending };
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}

/**
 * The waiter outcome a terminal input phase implies, for inputs whose waiter lived in an earlier
 * process. Consumed gives null: the run's result is not stored, only that it ran.
 */
export function outcomeOfTerminal(t: InputTerminalOutcome): CompletionOutcome | null {
  switch (t.kind) {
    case "Consumed":
      return null;
    case "Superseded":
      return { kind: "Superseded", by: t.by };
    case "Coalesced":
      return { kind: "Coalesced", into: t.into };
    case "Abandoned":
      if (t.reason === "Cancelled") return { kind: "Cancelled" };
      if (t.reason === "MaxAttemptsExhausted") return { kind: "Abandoned", reason: "max attempts exhausted" };
      return { kind: "RuntimeTerminated", reason: `runtime ${t.reason.toLowerCase()}` };
  }
}

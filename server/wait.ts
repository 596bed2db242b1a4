// The long poll behind GET …/completion: the waiter this process holds for the input, or (for an
// input accepted by an earlier process and recovered from the store) its terminal event, or its
// stored terminal row. Resolves early when the client goes away.

import type { CompletionOutcome, InputTerminalOutcome, RuntimeEvent } from "../runtime/index.js";
import { outcomeOfTerminal } from "./completions.js";
import { HttpProblem } from "./problems.js";
import type { RouteContext } from "./routes.js";

export type WaitResult = { readonly done: true; readonly phase: string | null; readonly outcome: CompletionOutcome | null } | { readonly done: false; readonly phase: string | null };

const TIMEOUT = Symbol("timeout");

/** Settles with `promise`, or TIMEOUT after `ms` or once `signal` aborts; never leaves a timer behind. */
function raceTimeout<T>(promise: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMEOUT> {
  if (ms === 0 || signal.aborted) return Promise.race([promise, Promise.resolve(TIMEOUT)]);
  return new Promise((resolve) => {
    const done = (v: T | typeof TIMEOUT): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const onAbort = (): void => done(TIMEOUT);
    const timer = setTimeout(onAbort, ms);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(done, () => done(TIMEOUT));
  });
}

function terminalOf(e: RuntimeEvent): InputTerminalOutcome | null {
  switch (e.type) {
    case "input.consumed":
      return { kind: "Consumed", runId: e.runId };
    case "input.superseded":
      return { kind: "Superseded", by: e.by };
    case "input.coalesced":
      return { kind: "Coalesced", into: e.into };
    case "input.abandoned":
      return { kind: "Abandoned", reason: e.reason };
    default:
      return null;
  }
}

export async function waitForInput(ctx: RouteContext, sessionId: string, inputId: string, waitMs: number, signal: AbortSignal): Promise<WaitResult> {
  const livePhase = (): string | null => ctx.runtime.snapshot(sessionId).inputs.find((i) => i.id === inputId)?.phase ?? null;
  const tracked = ctx.tracker.lookup(sessionId, inputId);
  if (tracked !== null) {
    if ("outcome" in tracked) return { done: true, phase: null, outcome: tracked.outcome };
    const r = await raceTimeout(tracked.pending, waitMs, signal);
    return r === TIMEOUT ? { done: false, phase: livePhase() } : { done: true, phase: null, outcome: r };
  }
  // Listen first, then look: a terminal transition between the two is not missed.
  let resolveTerminal!: (t: InputTerminalOutcome) => void;
  const terminal = new Promise<InputTerminalOutcome>((resolve) => {
    resolveTerminal = resolve;
  });
  const off = ctx.runtime.on((e) => {
    if (e.sessionId !== sessionId || !("inputId" in e) || e.inputId !== inputId) return;
    const t = terminalOf(e);
    if (t !== null) resolveTerminal(t);
  });
  try {
    const phase = livePhase();
    if (phase !== null) {
      const r = await raceTimeout(terminal, waitMs, signal);
      if (r === TIMEOUT) return { done: false, phase: livePhase() };
      return { done: true, phase: r.kind, outcome: outcomeOfTerminal(r) };
    }
    const row = ctx.store === null ? undefined : (await ctx.store.loadInputStates(sessionId)).find((x) => x.inputId === inputId);
    if (row === undefined) throw new HttpProblem("InputNotFound", 404, "the session holds no input with this id (ephemeral inputs, and inputs of a server without a store, are forgotten once terminal)", { sessionId, inputId });
    if (row.terminal === null) return { done: false, phase: row.phase };
    return { done: true, phase: row.phase, outcome: outcomeOfTerminal(row.terminal) };
  } finally {
    off();
  }
}

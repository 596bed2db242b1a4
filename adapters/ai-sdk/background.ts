// Long-running tool calls: each one is an op of the session's ops registry (BackgroundToolOp),
// started at once, and the turn waits on the registry's wait-all barrier before the next step. The
// registry's concurrency cap is respected by waiting for one chunk of ops before registering more.

import type { ToolResultPart } from "ai";
import { OpRefusedError, describeCause, type JsonValue, type OpOutcome, type OpsRegistry, type RunId, type SessionId } from "../../runtime/index.js";

export interface BackgroundCall {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly input: unknown;
}

export interface BackgroundContext {
  readonly sessionId: SessionId;
  readonly runId: RunId;
  readonly opId: string;
  /** Aborted when the run is interrupted; the op is then cancelled. */
  readonly signal: AbortSignal;
}

export type BackgroundExecute = (input: unknown, context: BackgroundContext) => Promise<JsonValue>;

/** The op id of a tool call: unique per run and call. */
export function opIdOf(runId: RunId, toolCallId: string): string {
  return `${runId}/tool/${toolCallId}`;
}

function isCapacityRefusal(e: unknown): boolean {
  return e instanceof OpRefusedError && e.refusal.guard === "below_max_concurrent";
}

/**
 * Runs the calls as ops and resolves with one tool-result part per call, in call order. On abort
 * every live op of this turn is cancelled (which releases the barrier) and the abort reason thrown.
 */
export async function runBackgroundCalls(
  calls: readonly BackgroundCall[],
  registry: OpsRegistry,
  execute: (call: BackgroundCall) => BackgroundExecute,
  scope: { readonly sessionId: SessionId; readonly runId: RunId; readonly signal: AbortSignal },
): Promise<ToolResultPart[]> {
  const outcomes = new Map<string, OpOutcome>();
  const pending = [...calls];
  while (pending.length > 0) {
    const chunk: BackgroundCall[] = [];
    for (const call of [...pending]) {
      try {
        registry.register({ id: opIdOf(scope.runId, call.toolCallId), kind: "BackgroundToolOp", displayName: call.toolName });
      } catch (e) {
        // Full: wait for this chunk first; a registry filled by someone else is the caller's problem.
        if (isCapacityRefusal(e) && chunk.length > 0) break;
        throw e;
      }
      chunk.push(call);
      pending.shift();
    }
    for (const call of chunk) start(call, registry, execute(call), scope);
    const ids = chunk.map((c) => opIdOf(scope.runId, c.toolCallId));
    for (const o of await waitOrCancel(registry, ids, scope.signal)) outcomes.set(o.opId, o);
  }
  return calls.map((call) => toToolResult(call, outcomes.get(opIdOf(scope.runId, call.toolCallId))));
}

function start(call: BackgroundCall, registry: OpsRegistry, run: BackgroundExecute, scope: { readonly sessionId: SessionId; readonly runId: RunId; readonly signal: AbortSignal }): void {
  const opId = opIdOf(scope.runId, call.toolCallId);
  registry.start(opId);
  const settle = (apply: () => void): void => {
    // A cancelled op (interrupt) no longer takes an outcome: the refusal is expected.
    if (registry.status(opId) !== "Running") return;
    apply();
  };
  let running: Promise<JsonValue>;
  try {
    running = run(call.input, { sessionId: scope.sessionId, runId: scope.runId, opId, signal: scope.signal });
  } catch (e) {
    running = Promise.reject(e);
  }
  running.then(
    (value) => settle(() => registry.complete(opId, value)),
    (error: unknown) => settle(() => registry.fail(opId, error)),
  );
}

async function waitOrCancel(registry: OpsRegistry, ids: readonly string[], signal: AbortSignal): Promise<OpOutcome[]> {
  const barrier = registry.waitAll(ids);
  const onAbort = (): void => {
    for (const id of ids) {
      const status = registry.status(id);
      if (status === "Provisioning" || status === "Running" || status === "Retiring") registry.cancel(id);
    }
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    const outcomes = await barrier;
    signal.throwIfAborted();
    return outcomes;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function toToolResult(call: BackgroundCall, outcome: OpOutcome | undefined): ToolResultPart {
  const base = { type: "tool-result" as const, toolCallId: call.toolCallId, toolName: call.toolName };
  if (outcome === undefined) return { ...base, output: { type: "error-text", value: "the operation left no outcome" } };
  if (outcome.status === "Completed") return { ...base, output: { type: "json", value: (outcome.result ?? null) as JsonValue as never } };
  return { ...base, output: { type: "error-text", value: outcome.error === undefined ? `operation ${outcome.status.toLowerCase()}` : `operation ${outcome.status.toLowerCase()}: ${describeCause(outcome.error)}` } };
}

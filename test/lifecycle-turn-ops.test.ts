import { describe, expect, it } from "vitest";
import * as turn from "../generated/turn.machine.js";
import * as ops from "../generated/ops.machine.js";

type TurnState = turn.TurnState;
type TurnTrigger = turn.TurnTrigger;
type OpsState = ops.OpsLifecycleState;
type OpsTrigger = ops.OpsLifecycleTrigger;

/** Applies triggers in order, failing on a refusal or a broken invariant; returns the final state and every effect. */
function runTurn(s: TurnState, ...triggers: TurnTrigger[]): { state: TurnState; effects: turn.TurnEffect[]; fired: turn.TurnTransitionName[] } {
  let cur = s;
  const effects: turn.TurnEffect[] = [];
  const fired: turn.TurnTransitionName[] = [];
  for (const t of triggers) {
    const r = turn.transition(cur, t);
    if (!r.ok) throw new Error(`${t.kind} refused: ${JSON.stringify(r)}`);
    cur = r.state;
    effects.push(...r.effects);
    fired.push(r.transition);
    const broken = turn.turnKernel.invariants.filter((inv) => !inv.holds(cur)).map((inv) => inv.name);
    expect(broken, `invariants after ${t.kind}`).toEqual([]);
  }
  return { state: cur, effects, fired };
}

function runOps(s: OpsState, ...triggers: OpsTrigger[]): { state: OpsState; effects: ops.OpsLifecycleEffect[] } {
  let cur = s;
  const effects: ops.OpsLifecycleEffect[] = [];
  for (const t of triggers) {
    const r = ops.transition(cur, t);
    if (!r.ok) throw new Error(`${t.kind} refused: ${JSON.stringify(r)}`);
    cur = r.state;
    effects.push(...r.effects);
    const broken = ops.opsLifecycleKernel.invariants.filter((inv) => !inv.holds(cur)).map((inv) => inv.name);
    expect(broken, `invariants after ${t.kind}`).toEqual([]);
  }
  return { state: cur, effects };
}

const R1 = "run-1";
const R2 = "run-2";

describe("Turn kernel", () => {
  it("runs a conversation with a tool-call round trip to Completed, then back to Ready", () => {
    const { state, effects, fired } = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "LlmReturnedToolCalls", run: R1, count: 2 },
      { kind: "ToolCallsResolved", run: R1 },
      { kind: "BoundaryContinue", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
      { kind: "BoundaryComplete", run: R1 },
    );
    expect(fired).toEqual([
      "StartConversation",
      "ApplyConversationPrimitive",
      "AwaitToolCalls",
      "ResolveToolCalls",
      "ContinueAfterBoundary",
      "LlmFinished",
      "CompleteAtBoundary",
    ]);
    expect(state).toMatchObject({ phase: "Completed", currentRun: R1, runKind: "Conversation", boundaryCount: 1, hadToolRound: true, terminalCause: "BoundaryCompleted" });
    expect(effects).toEqual([
      { effect: "RunStarted", run: R1, kind: "Conversation" },
      { effect: "CheckCompaction", run: R1 },
      { effect: "BoundaryApplied", run: R1, continued: 1 },
      { effect: "BoundaryApplied", run: R1, continued: 1 },
      { effect: "RunCompleted", run: R1, cause: "BoundaryCompleted" },
    ]);
    const ready = runTurn(state, { kind: "AcknowledgeTerminal", run: R1 }).state;
    expect(ready).toMatchObject({ phase: "Ready", currentRun: null, runKind: null, boundaryCount: 0, hadToolRound: false, terminalCause: null });
  });

  it("completes an immediate run when its primitive is applied, and never calls the LLM", () => {
    const { state, effects } = runTurn(turn.initialState(), { kind: "StartImmediateRun", run: R1 }, { kind: "PrimitiveApplied", run: R1 });
    expect(state).toMatchObject({ phase: "Completed", terminalCause: "ImmediateApplied" });
    expect(effects.map((e) => e.effect)).toEqual(["RunStarted", "BoundaryApplied", "RunCompleted"]);
    expect(turn.transition(state, { kind: "LlmReturnedTerminal", run: R1 })).toMatchObject({ ok: false, code: "NoMatchingTransition" });
  });

  it("refuses a late event of a previous run and lets the current run go on", () => {
    const first = runTurn(turn.initialState(), { kind: "StartImmediateRun", run: R1 }, { kind: "PrimitiveApplied", run: R1 }).state;
    // A finished run cannot be started again under its own id.
    expect(turn.transition(first, { kind: "StartConversationRun", run: R1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "new_run" });
    const second = runTurn(first, { kind: "StartConversationRun", run: R2 }).state;
    expect(second).toMatchObject({ phase: "ApplyingPrimitive", currentRun: R2, terminalCause: null });
    for (const late of [
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "CancelNow", run: R1 },
      { kind: "FatalFailure", run: R1, cause: "ApplyFailed" },
      { kind: "RequestCancelAfterBoundary", run: R1 },
    ] as const) {
      expect(turn.transition(second, late)).toMatchObject({ ok: false, code: "GuardRejected", guard: "mine" });
    }
    const done = runTurn(second, { kind: "PrimitiveApplied", run: R2 }, { kind: "LlmReturnedTerminal", run: R2 }, { kind: "BoundaryComplete", run: R2 }).state;
    expect(turn.transition(done, { kind: "AcknowledgeTerminal", run: R1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "mine" });
  });

  it("reaches the boundary only after the barrier is satisfied by exactly its op set", () => {
    const waiting = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "LlmReturnedToolCalls", run: R1, count: 1 },
      { kind: "RegisterPendingOps", run: R1, ops: new Set(["a", "b", "d"]), barrier: new Set(["a", "b"]) },
    ).state;
    expect(waiting).toMatchObject({ phase: "WaitingForOps", toolCallsPending: true, barrierSatisfied: false });
    expect([...waiting.barrierOps].sort()).toEqual(["a", "b"]);
    // A barrier op must have been registered in the same call; an op is registered once per round.
    expect(turn.transition(waiting, { kind: "RegisterPendingOps", run: R1, ops: new Set(["c"]), barrier: new Set(["e"]) })).toMatchObject({ ok: false, guard: "barrier_within_ops" });
    expect(turn.transition(waiting, { kind: "RegisterPendingOps", run: R1, ops: new Set(["a"]), barrier: new Set<string>() })).toMatchObject({ ok: false, guard: "fresh_ops" });

    // The tool calls resolve first: the turn keeps waiting for the barrier.
    const resolved = runTurn(waiting, { kind: "ToolCallsResolved", run: R1 });
    expect(resolved.fired).toEqual(["ResolveToolCallsBeforeBarrier"]);
    expect(resolved.state).toMatchObject({ phase: "WaitingForOps", toolCallsPending: false });

    // A subset, a superset and a set naming a detached op are all refused.
    for (const wrong of [["a"], ["a", "b", "d"], ["a", "d"]]) {
      expect(turn.transition(resolved.state, { kind: "OpsBarrierSatisfied", run: R1, ops: new Set(wrong) })).toMatchObject({ ok: false, code: "GuardRejected", guard: "exact" });
    }
    const drained = runTurn(resolved.state, { kind: "OpsBarrierSatisfied", run: R1, ops: new Set(["b", "a"]) });
    expect(drained.fired).toEqual(["SatisfyBarrier"]);
    expect(drained.state).toMatchObject({ phase: "DrainingBoundary", barrierSatisfied: true, hadToolRound: true });
    expect([...drained.state.satisfiedBy].sort()).toEqual(["a", "b"]);
    // Continuing starts the next LLM call with an empty round.
    const next = runTurn(drained.state, { kind: "BoundaryContinue", run: R1 }).state;
    expect(next).toMatchObject({ phase: "CallingLlm", boundaryCount: 1, barrierSatisfied: true });
    expect(next.pendingOps.size + next.barrierOps.size + next.satisfiedBy.size).toBe(0);
  });

  it("retries extraction after a validation failure, then completes when it passes", () => {
    const { state, fired } = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
      { kind: "EnterExtraction", run: R1 },
      { kind: "ExtractionStart", run: R1 },
      { kind: "ValidationFailed", run: R1 },
      { kind: "ValidationPassed", run: R1 },
    );
    expect(fired.slice(3)).toEqual(["BeginExtraction", "StartExtraction", "RetryExtraction", "AcceptExtraction"]);
    expect(state).toMatchObject({ phase: "Completed", extracting: true, extractionRetries: 1, terminalCause: "ExtractionValidated" });
  });

  it("completes without structured output when the extraction retries are exhausted", () => {
    const extracting = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
      { kind: "EnterExtraction", run: R1 },
      { kind: "ExtractionStart", run: R1 },
      { kind: "ValidationFailed", run: R1 },
      { kind: "ValidationFailed", run: R1 },
    ).state;
    expect(extracting).toMatchObject({ phase: "CallingLlm", extractionRetries: 2 });
    // While extracting, LLM results arrive only as validation outcomes.
    expect(turn.transition(extracting, { kind: "LlmReturnedTerminal", run: R1 })).toMatchObject({ ok: false, guard: "not_extracting" });
    const done = runTurn(extracting, { kind: "ValidationFailed", run: R1 });
    expect(done.fired).toEqual(["ExhaustExtraction"]);
    expect(done.state).toMatchObject({ phase: "Completed", terminalCause: "ExtractionRetriesExhausted" });
  });

  it("recovers from a recoverable failure with matching attempt numbers, then succeeds", () => {
    const calling = runTurn(turn.initialState(), { kind: "StartConversationRun", run: R1 }, { kind: "PrimitiveApplied", run: R1 }).state;
    expect(turn.transition(calling, { kind: "RecoverableFailure", run: R1, attempt: 2 })).toMatchObject({ ok: false, guard: "next_attempt" });
    const recovering = runTurn(calling, { kind: "RecoverableFailure", run: R1, attempt: 1 }).state;
    expect(recovering).toMatchObject({ phase: "ErrorRecovery", retryAttempt: 1 });
    expect(turn.transition(recovering, { kind: "RetryRequested", run: R1, attempt: 2 })).toMatchObject({ ok: false, guard: "same_attempt" });
    const { state } = runTurn(recovering, { kind: "RetryRequested", run: R1, attempt: 1 }, { kind: "LlmReturnedToolCalls", run: R1, count: 0 }, { kind: "BoundaryComplete", run: R1 });
    expect(state).toMatchObject({ phase: "Completed", retryAttempt: 1, terminalCause: "BoundaryCompleted" });
  });

  it("fails fatally only with a known cause, and records it", () => {
    const waiting = runTurn(turn.initialState(), { kind: "StartConversationRun", run: R1 }, { kind: "PrimitiveApplied", run: R1 }, { kind: "LlmReturnedToolCalls", run: R1, count: 1 }).state;
    expect(turn.transition(waiting, { kind: "FatalFailure", run: R1, cause: "Unknown" })).toMatchObject({ ok: false, guard: "known_cause" });
    const { state, effects } = runTurn(waiting, { kind: "FatalFailure", run: R1, cause: "HookDenied" });
    expect(state).toMatchObject({ phase: "Failed", terminalCause: "FatalError", failureCause: "HookDenied", toolCallsPending: false });
    expect(effects).toEqual([{ effect: "RunFailed", run: R1, cause: "FatalError", failure: "HookDenied" }]);
  });

  it("refuses to continue past the turn limit; the driver reports TurnLimitReached", () => {
    const atLimit = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
      { kind: "BoundaryContinue", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
      { kind: "BoundaryContinue", run: R1 },
      { kind: "LlmReturnedTerminal", run: R1 },
    ).state;
    expect(atLimit).toMatchObject({ phase: "DrainingBoundary", boundaryCount: 2 });
    expect(turn.transition(atLimit, { kind: "BoundaryContinue", run: R1 })).toMatchObject({ ok: false, transition: "ContinueAfterBoundary", guard: "within_turn_limit" });
    expect(runTurn(atLimit, { kind: "TurnLimitReached", run: R1 }).state).toMatchObject({ phase: "Failed", terminalCause: "TurnLimitReached" });
  });

  it("honours a cancel-after-boundary request at the next boundary instead of continuing", () => {
    const { state, effects, fired } = runTurn(
      turn.initialState(),
      { kind: "StartConversationRun", run: R1 },
      { kind: "PrimitiveApplied", run: R1 },
      { kind: "RequestCancelAfterBoundary", run: R1 },
      { kind: "LlmReturnedToolCalls", run: R1, count: 1 },
      { kind: "ToolCallsResolved", run: R1 },
      { kind: "BoundaryContinue", run: R1 },
    );
    expect(fired.at(-1)).toBe("CancelAtBoundary");
    expect(state).toMatchObject({ phase: "Cancelled", terminalCause: "CancelledAtBoundary", boundaryCount: 0 });
    expect(effects.slice(-2)).toEqual([
      { effect: "BoundaryApplied", run: R1, continued: 0 },
      { effect: "RunCancelled", run: R1, cause: "CancelledAtBoundary" },
    ]);
  });

  it("hard-cancels through Cancelling until the cancellation is observed", () => {
    const cancelling = runTurn(turn.initialState(), { kind: "StartConversationRun", run: R1 }, { kind: "PrimitiveApplied", run: R1 }, { kind: "CancelNow", run: R1 }).state;
    expect(cancelling.phase).toBe("Cancelling");
    expect(turn.transition(cancelling, { kind: "LlmReturnedTerminal", run: R1 })).toMatchObject({ ok: false, code: "NoMatchingTransition" });
    expect(turn.transition(cancelling, { kind: "CancellationObserved", run: R2 })).toMatchObject({ ok: false, guard: "mine" });
    const { state } = runTurn(cancelling, { kind: "CancellationObserved", run: R1 });
    expect(state).toMatchObject({ phase: "Cancelled", terminalCause: "CancelledNow" });
    // A new run may start straight from a finished turn.
    expect(runTurn(state, { kind: "StartImmediateRun", run: R2 }).state).toMatchObject({ phase: "ApplyingPrimitive", currentRun: R2, runKind: "Immediate", terminalCause: null });
  });
});

describe("OpsLifecycle kernel", () => {
  it("registers, starts and completes an op, retaining its record", () => {
    const { state, effects } = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" },
      { kind: "StartOp", op: "a" },
      { kind: "ReportProgress", op: "a" },
      { kind: "CompleteOp", op: "a" },
    );
    expect(state.status.get("a")).toBe("Completed");
    expect(state.activeCount).toBe(0);
    expect([...state.retained]).toEqual(["a"]);
    expect(state.progress.has("a")).toBe(false);
    expect(effects).toEqual([
      { effect: "OpRegistered", op: "a", opKind: "BackgroundToolOp" },
      { effect: "OpFinished", op: "a", outcome: "Completed" },
    ]);
    // Terminal records take no more lifecycle triggers.
    expect(ops.transition(state, { kind: "CancelOp", op: "a" })).toMatchObject({ ok: false, guard: "live" });
    expect(ops.transition(state, { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" })).toMatchObject({ ok: false, guard: "not_registered" });
  });

  it("refuses a registration beyond max concurrent, and accepts it once an op ends", () => {
    const full = runOps(ops.initialState(), { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" }, { kind: "RegisterOp", op: "b", opKind: "MobMemberChild" }).state;
    expect(full.activeCount).toBe(2);
    expect(ops.transition(full, { kind: "RegisterOp", op: "c", opKind: "BackgroundToolOp" })).toMatchObject({ ok: false, code: "GuardRejected", guard: "below_max_concurrent" });
    const freed = runOps(full, { kind: "AbortOp", op: "a" }, { kind: "RegisterOp", op: "c", opKind: "BackgroundToolOp" }).state;
    expect(freed.activeCount).toBe(2);
    expect([...freed.live].sort()).toEqual(["b", "c"]);
  });

  it("lets only a running or retiring mob member child become peer-ready, once", () => {
    const s = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "bg", opKind: "BackgroundToolOp" },
      { kind: "RegisterOp", op: "mob", opKind: "MobMemberChild" },
      { kind: "StartOp", op: "bg" },
    ).state;
    expect(ops.transition(s, { kind: "PeerReady", op: "bg" })).toMatchObject({ ok: false, guard: "peer_expected" });
    expect(ops.transition(s, { kind: "PeerReady", op: "mob" })).toMatchObject({ ok: false, guard: "running_or_retiring" });
    const retiring = runOps(s, { kind: "StartOp", op: "mob" }, { kind: "RequestRetire", op: "mob" });
    const ready = runOps(retiring.state, { kind: "PeerReady", op: "mob" });
    expect(ready.effects).toEqual([{ effect: "PeerExposed", op: "mob" }]);
    expect(ops.transition(ready.state, { kind: "PeerReady", op: "mob" })).toMatchObject({ ok: false, guard: "not_already_peer_ready" });
    expect(runOps(ready.state, { kind: "MarkRetired", op: "mob" }).state.status.get("mob")).toBe("Retired");
  });

  it("terminates every live op when the owner terminates", () => {
    const s = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" },
      { kind: "StartOp", op: "a" },
      { kind: "RegisterOp", op: "b", opKind: "MobMemberChild" },
      { kind: "RequestWaitAll", wait: "w1", members: new Set(["a", "b"]) },
    ).state;
    expect(s.waitSatisfied).toBe(false);
    const { state, effects } = runOps(s, { kind: "TerminateOwner" });
    expect(state.status.get("a")).toBe("Terminated");
    expect(state.status.get("b")).toBe("Terminated");
    expect(state.live.size).toBe(0);
    expect(state.activeCount).toBe(0);
    // Both records are pinned by the wait, so retention keeps them beyond its bound.
    expect([...state.retained].sort()).toEqual(["a", "b"]);
    expect(state.waitSatisfied).toBe(true);
    expect(effects).toEqual([{ effect: "OwnerTerminated" }, { effect: "WaitAllSatisfied", wait: "w1", members: new Set(["a", "b"]) }]);
    // Releasing the wait unpins them: the oldest is evicted.
    const released = runOps(state, { kind: "CancelWaitAll", wait: "w1" }).state;
    expect(released.retained).toHaveLength(1);
    expect(released.status.size).toBe(1);
  });

  it("satisfies a wait-all exactly when its last member ends, and refuses a second active wait", () => {
    const s = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" },
      { kind: "RegisterOp", op: "b", opKind: "BackgroundToolOp" },
      { kind: "StartOp", op: "a" },
      { kind: "StartOp", op: "b" },
    ).state;
    expect(ops.transition(s, { kind: "RequestWaitAll", wait: "w1", members: new Set(["a", "zz"]) })).toMatchObject({ ok: false, guard: "members_registered" });
    const waiting = runOps(s, { kind: "RequestWaitAll", wait: "w1", members: new Set(["a", "b"]) }).state;
    expect(ops.transition(waiting, { kind: "RequestWaitAll", wait: "w2", members: new Set(["a"]) })).toMatchObject({ ok: false, guard: "no_active_wait" });
    const half = runOps(waiting, { kind: "CompleteOp", op: "a" });
    expect(half.state.waitSatisfied).toBe(false);
    expect(half.effects.map((e) => e.effect)).toEqual(["OpFinished"]);
    const all = runOps(half.state, { kind: "FailOp", op: "b" });
    expect(all.state.waitSatisfied).toBe(true);
    expect(all.effects).toContainEqual({ effect: "WaitAllSatisfied", wait: "w1", members: new Set(["a", "b"]) });
    // A satisfied wait may be replaced by a new one (with a fresh id); one on terminal ops resolves at once.
    expect(ops.transition(all.state, { kind: "RequestWaitAll", wait: "w1", members: new Set(["a"]) })).toMatchObject({ ok: false, guard: "new_wait_id" });
    const again = runOps(all.state, { kind: "RequestWaitAll", wait: "w2", members: new Set(["b"]) });
    expect(again.effects).toEqual([{ effect: "WaitAllSatisfied", wait: "w2", members: new Set(["b"]) }]);
    // Replacing the wait unpinned "a", the older record: it is evicted.
    expect([...again.state.retained]).toEqual(["b"]);
  });

  it("evicts the oldest terminal record beyond the retention bound", () => {
    const { state } = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "a", opKind: "MobMemberChild" },
      { kind: "RegisterOp", op: "b", opKind: "MobMemberChild" },
      { kind: "CancelOp", op: "a" },
      { kind: "CancelOp", op: "b" },
    );
    expect([...state.retained]).toEqual(["b"]);
    expect(state.status.has("a")).toBe(false);
    expect(state.kinds.has("a")).toBe(false);
    // An evicted id is forgotten and can be registered again.
    expect(runOps(state, { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" }).state.status.get("a")).toBe("Provisioning");
  });

  it("coalesces background-tool completions into one detached wake; mob children never wake", () => {
    const s = runOps(
      ops.initialState(),
      { kind: "RegisterOp", op: "a", opKind: "BackgroundToolOp" },
      { kind: "RegisterOp", op: "m", opKind: "MobMemberChild" },
      { kind: "CancelOp", op: "m" },
    ).state;
    expect(s.wakePending).toBe(false);
    expect(ops.transition(s, { kind: "ObserveCompletions" })).toMatchObject({ ok: false, guard: "wake_pending" });
    const two = runOps(s, { kind: "StartOp", op: "a" }, { kind: "CompleteOp", op: "a" }, { kind: "RegisterOp", op: "b", opKind: "BackgroundToolOp" }, { kind: "AbortOp", op: "b" }).state;
    expect(two).toMatchObject({ wakePending: true, unobservedCompletions: 2 });
    const woken = runOps(two, { kind: "ObserveCompletions" });
    expect(woken.effects).toEqual([{ effect: "DetachedWake" }]);
    expect(woken.state).toMatchObject({ wakePending: false, unobservedCompletions: 0 });
    expect(ops.transition(woken.state, { kind: "ObserveCompletions" })).toMatchObject({ ok: false, guard: "wake_pending" });
  });
});

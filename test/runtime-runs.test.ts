// Runs and batching (reference §5; §13 items 17–33), plus the store writes of a run (§9.2).

import { describe, expect, it } from "vitest";
import {
  createRuntime,
  DeduplicatedRefusedError,
  MemoryStore,
  NotReadyError,
  type RuntimeStore,
} from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor, scriptedRuntime } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

const setup = (store?: RuntimeStore) => scriptedRuntime(store ?? testStore());

/** For tests that count runs per wake: no backoff retry timer (the timed retry has its own suite, runtime-retry). */
const manualRetry = () => scriptedRuntime(testStore(), { retryBackoffMs: 0 });

describe("runs", { timeout: 10_000 }, () => {
  it("on_run_completed_consumes / successful_execution_fires_boundary_applied", async () => {
    const store = new MemoryStore();
    const { rt, exec, events } = setup(store);
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    const run = await exec.next();
    expect(rt.snapshot("s").inputs).toEqual([{ id: "p1", phase: "Staged", lane: "Queue", attempts: 1, abandonReason: null, replacedBy: null }]);
    run.complete({ result: { answer: 42 } });
    expect(await r.completion).toEqual({ kind: "Completed", result: { answer: 42 } });
    const seq = events.filter((e) => "inputId" in e && e.inputId === "p1").map((e) => e.type);
    expect(seq).toEqual(["input.accepted", "input.queued", "input.staged", "input.applied", "input.consumed"]);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["run.started", "run.completed"]));
    expect(store.loadInputStates("s")).toMatchObject([{ inputId: "p1", phase: "Consumed", terminal: { kind: "Consumed", runId: run.runId } }]);
    expect(store.loadBoundaryReceipt("s", run.runId, 0)).toMatchObject({ runId: run.runId, contributors: ["p1"] });
    // Terminal inputs leave the machine's live state.
    expect(rt.snapshot("s").inputs).toEqual([]);
    expect(rt.snapshot("s").phase).toBe("Attached");
  });

  it("on_run_failed_rollbacks: a failure returns the contributors to their lane, the waiter stays pending", async () => {
    const { rt, exec, events } = manualRetry();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    (await exec.next()).fail(new Error("model unavailable"));
    await flush();
    expect(rt.snapshot("s").inputs).toEqual([{ id: "p1", phase: "Queued", lane: "Queue", attempts: 1, abandonReason: null, replacedBy: null }]);
    expect(rt.snapshot("s").waiters).toBe(1);
    expect(events.find((e) => e.type === "run.failed")).toMatchObject({ error: "model unavailable" });
    expect(events.filter((e) => e.type === "input.queued").map((e) => e.type === "input.queued" && e.requeued)).toEqual([false, true]);
    rt.wake("s");
    (await exec.next()).complete();
    expect(await r.completion).toEqual({ kind: "CompletedWithoutResult" });
  });

  it("failed_executor_stops_retrying_after_stage_budget_exhausted: 3 attempts, one per wake, then Abandoned and no spinning", async () => {
    const { rt, exec } = manualRetry();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = await exec.next();
      run.fail(new Error(`boom ${attempt}`));
      await flush();
      // No hot retry: nothing else queued, so the failed input waits for the next wake.
      expect(exec.calls).toHaveLength(attempt);
      if (attempt < 3) rt.wake("s");
    }
    expect(await r.completion).toEqual({ kind: "Abandoned", reason: "max attempts exhausted: boom 3" });
    rt.wake("s");
    await flush();
    expect(exec.calls).toHaveLength(3);
    expect(rt.snapshot("s").inputs).toEqual([]);
  });

  it("failed_executor_continues_processing_backlog: other queued work runs, the failed input waits behind it", async () => {
    const { rt, exec } = manualRetry();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("a"));
    const b = await rt.acceptInputWithCompletion("s", inputs.prompt("b"));
    await rt.prepareLocalSessionBindings("s");
    (await exec.next()).fail(new Error("a failed"));
    const second = await exec.next();
    expect(second.primitive.contributors).toEqual(["b"]);
    second.complete();
    expect(await b.completion).toEqual({ kind: "CompletedWithoutResult" });
    await flush();
    expect(exec.calls).toHaveLength(2);
    expect(rt.snapshot("s").lanes.queue).toEqual(["a"]);
  });

  it("failed_executor_does_not_strand_input_in_apc: a failure after the boundary still consumes the batch", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    const run = await exec.next();
    const verdict = await run.ctx.reportBoundary();
    expect(verdict).toEqual({ cancelRequested: false, sequence: 0 });
    expect(rt.snapshot("s").inputs[0]?.phase).toBe("AppliedPendingConsumption");
    run.fail(new Error("crashed after the boundary"));
    expect(await r.completion).toEqual({ kind: "CompletedWithoutResult" });
    expect(rt.snapshot("s").inputs).toEqual([]);
  });

  it("runtime_ingress_control_batches_same_boundary_contributors_in_runtime_order", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    for (const id of ["m1", "m2", "m3"]) await rt.acceptInput("s", inputs.peerMessage(id));
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.peerMessage("m4"));
    await rt.prepareLocalSessionBindings("s");
    const batches: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const run = await exec.next();
      batches.push([...run.primitive.contributors]);
      run.complete();
    }
    expect(batches).toEqual([["m1", "m2", "m3"], ["p1"], ["m4"]]);
  });

  it("a batch carries at most one prompt", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.prompt("p2"));
    await rt.prepareLocalSessionBindings("s");
    const a = await exec.next();
    expect(a.primitive.contributors).toEqual(["p1"]);
    a.complete();
    const b = await exec.next();
    expect(b.primitive.contributors).toEqual(["p2"]);
    b.complete();
  });

  it("terminal_peer_response_batches_do_not_mix_with_peer_messages", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.peerMessage("m1"));
    await rt.acceptInput("s", inputs.terminal("t1", "req-1"));
    await rt.acceptInput("s", inputs.peerMessage("m2"));
    await rt.prepareLocalSessionBindings("s");
    const batches: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const run = await exec.next();
      batches.push([...run.primitive.contributors]);
      run.complete();
    }
    expect(batches).toEqual([["m1"], ["t1"], ["m2"]]);
  });

  it("steer overtakes queued work", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const first = await exec.next();
    await rt.acceptInput("s", inputs.prompt("p2"));
    await rt.acceptInput("s", inputs.peerMessage("steer", "look here", { handlingMode: "Steer" }));
    expect(rt.snapshot("s").lanes).toEqual({ queue: ["p2"], steer: ["steer"], staged: ["p1"] });
    first.complete();
    const second = await exec.next();
    expect(second.primitive.contributors).toEqual(["steer"]);
    expect(second.primitive.boundary).toBe("RunCheckpoint");
    second.complete();
    const third = await exec.next();
    expect(third.primitive.contributors).toEqual(["p2"]);
    third.complete();
  });

  it("one run at a time per session; sessions run in parallel (mutation_gate_is_per_session)", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("a");
    await rt.prepareLocalSessionBindings("b");
    await rt.acceptInput("a", inputs.prompt("a1"));
    await rt.acceptInput("a", inputs.prompt("a2"));
    await rt.acceptInput("b", inputs.prompt("b1"));
    const r1 = await exec.next();
    const r2 = await exec.next();
    expect(new Set([r1.sessionId, r2.sessionId])).toEqual(new Set(["a", "b"]));
    await flush();
    expect(exec.pending).toBe(0);
    expect(rt.snapshot("a").currentRun).not.toBeNull();
    r1.complete();
    r2.complete();
    const r3 = await exec.next();
    expect(r3.primitive.contributors).toEqual(["a2"]);
    r3.complete();
  });

  it("boundary_commit_failure_unwinds_runtime_loop_state: the run fails and its input goes back to the queue", async () => {
    const inner = new MemoryStore();
    const failing: RuntimeStore = Object.assign(inner, {
      commitBoundary: (): never => {
        throw new Error("disk full");
      },
    });
    const { rt, exec, events } = setup(failing);
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    (await exec.next()).complete({ result: "done" });
    await flush();
    expect(rt.snapshot("s")).toMatchObject({ phase: "Attached", currentRun: null, lanes: { queue: ["p1"], steer: [], staged: [] } });
    expect(events.find((e) => e.type === "run.failed")).toMatchObject({ error: expect.stringContaining("disk full") });
    expect(inner.loadInputStates("s")).toMatchObject([{ inputId: "p1", phase: "Queued", attempts: 1 }]);
  });

  it("durable_before_ack / dedup_not_persisted / ephemeral inputs are not persisted", async () => {
    const store = new MemoryStore();
    const { rt } = setup(store);
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("d1", "x", { idempotencyKey: "k" }));
    expect(store.loadInputStates("s").map((r) => [r.inputId, r.phase])).toEqual([["d1", "Queued"]]);
    await rt.acceptInput("s", inputs.prompt("d2", "x", { idempotencyKey: "k" }));
    await rt.acceptInput("s", inputs.prompt("e1", "x", { durability: "Ephemeral" }));
    expect(store.loadInputStates("s").map((r) => r.inputId)).toEqual(["d1"]);
  });

  it("a store failure at admission refuses the input and changes nothing", async () => {
    const store: RuntimeStore = Object.assign(new MemoryStore(), {
      persistInputState: () => Promise.reject(new Error("io error")),
    });
    const { rt } = setup(store);
    await rt.registerSession("s");
    const before = rt.snapshot("s");
    await expect(rt.acceptInput("s", inputs.prompt("p1"))).rejects.toMatchObject({ code: "StoreFailed", sessionId: "s", inputId: "p1" });
    expect(rt.snapshot("s")).toEqual(before);
    // The id is free again: nothing of the refused admission survived.
    await expect(rt.acceptInput("s", inputs.prompt("p1", "x", { durability: "Ephemeral" }))).resolves.toMatchObject({ outcome: "Accepted" });
  });

  it("reportBoundary returns the cancel verdict and a receipt per boundary", async () => {
    const store = new MemoryStore();
    const { rt, exec } = setup(store);
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    expect(await run.ctx.reportBoundary()).toEqual({ cancelRequested: false, sequence: 0 });
    await rt.cancelAfterBoundary("s");
    expect(await run.ctx.reportBoundary()).toEqual({ cancelRequested: true, sequence: 1 });
    run.complete();
    await flush();
    expect(store.loadBoundaryReceipt("s", run.runId, 1)).not.toBeNull();
    await expect(run.ctx.reportBoundary()).rejects.toMatchObject({ code: "RunCancelled" });
  });
});

describe("events and limits", { timeout: 10_000 }, () => {
  it("events() is an async iterable of committed changes; on() unsubscribes", async () => {
    const exec = new ScriptedExecutor(() => ({ result: "r" }));
    const rt = createRuntime({ executor: exec, store: testStore() });
    await rt.prepareLocalSessionBindings("a");
    await rt.prepareLocalSessionBindings("b");
    const seen: string[] = [];
    const off = rt.on((e) => seen.push(e.type));
    const stream = rt.events({ sessionId: "a" });
    await rt.acceptInput("b", inputs.prompt("b1"));
    await rt.acceptInput("a", inputs.prompt("a1"));
    const types: string[] = [];
    for await (const e of stream) {
      expect(e.sessionId).toBe("a");
      types.push(e.type);
      if (e.type === "run.completed") break;
    }
    expect(types).toEqual(["input.accepted", "input.queued", "run.started", "runtime.state_changed", "input.staged", "input.applied", "input.consumed", "run.completed"]);
    off();
    const count = seen.length;
    await rt.acceptInput("a", inputs.prompt("a2"));
    await flush();
    expect(seen.length).toBe(count);
    const seqs: number[] = [];
    rt.on((e) => seqs.push(e.seq));
    await rt.acceptInput("a", inputs.prompt("a3"));
    await flush();
    expect(seqs.length).toBeGreaterThan(2);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it("a session refuses admissions beyond its live-input limit (QueueFull) and changes nothing", async () => {
    const rt = createRuntime({ executor: new ScriptedExecutor(), limits: { maxLiveInputsPerSession: 2 }, store: testStore() });
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.prompt("p2"));
    const before = rt.snapshot("s");
    await expect(rt.acceptInput("s", inputs.prompt("p3"))).rejects.toMatchObject({ code: "QueueFull", inputId: "p3", limit: 2 });
    expect(rt.snapshot("s")).toEqual(before);
  });

  it("with invariant checking off the same lifecycle runs", async () => {
    const exec = new ScriptedExecutor(() => ({ result: 1 }));
    const rt = createRuntime({ executor: exec, limits: { checkInvariants: false }, store: testStore() });
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    expect(await r.completion).toEqual({ kind: "Completed", result: 1 });
  });
});

describe("acceptInputAndRun", { timeout: 10_000 }, () => {
  it("runs the input synchronously and consumes it", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    const value = await rt.acceptInputAndRun("s", inputs.prompt("p1"), async (runId, primitive) => {
      expect(rt.snapshot("s")).toMatchObject({ phase: "Running", currentRun: runId });
      return primitive.contributors.join(",");
    });
    expect(value).toBe("p1");
    expect(rt.snapshot("s")).toMatchObject({ phase: "Idle", inputs: [] });
    expect(exec.calls).toHaveLength(0);
  });

  it("a failure fails the run, abandons the input and rethrows", async () => {
    const { rt, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    await expect(
      rt.acceptInputAndRun("s", inputs.prompt("p1"), () => Promise.reject(new Error("tool crashed"))),
    ).rejects.toThrow("tool crashed");
    expect(rt.snapshot("s")).toMatchObject({ phase: "Attached", inputs: [] });
    expect(events.find((e) => e.type === "input.abandoned")).toMatchObject({ inputId: "p1", reason: "Cancelled" });
  });

  it("accept_input_and_run_rejects_deduplicated_admission", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    await rt.acceptInputAndRun("s", inputs.prompt("p1", "x", { idempotencyKey: "k" }), async () => 1);
    await expect(rt.acceptInputAndRun("s", inputs.prompt("p2", "x", { idempotencyKey: "k" }), async () => 2)).rejects.toBeInstanceOf(DeduplicatedRefusedError);
  });

  it("needs a session with no live inputs", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await expect(rt.acceptInputAndRun("s", inputs.prompt("p2"), async () => 1)).rejects.toBeInstanceOf(NotReadyError);
    expect(rt.snapshot("s").lanes.queue).toEqual(["p1"]);
  });
});

// Control plane (reference §6; §13 items 42–60), including retire during a run and a cancel that
// races a commit.

import { describe, expect, it } from "vitest";
import {
  MemoryStore,
  NotReadyError,
  RunCancelledError,
  RunMismatchError,
  SessionDestroyedError,
  type CompletionOutcome,
  type RuntimeStore,
} from "../runtime/index.js";
import { flush, inputs, scriptedRuntime } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

const setup = (store?: RuntimeStore) => scriptedRuntime(store ?? testStore());
/** For tests that look at a failed run's re-queued input: no backoff retry timer to race the flush. */
const manualRetry = () => scriptedRuntime(testStore(), { retryBackoffMs: 0 });

/** The completion handle of an accepted input (in a tuple: an async function would adopt the promise). */
async function handle(p: Promise<{ readonly completion?: Promise<CompletionOutcome> }>): Promise<[Promise<CompletionOutcome>]> {
  const r = await p;
  if (r.completion === undefined) throw new Error("expected a completion handle");
  return [r.completion];
}

describe("control plane", { timeout: 10_000 }, () => {
  it("control_plane_contract_reset_terminates_waited_progress_work_without_running_it", async () => {
    const { rt, exec, events } = setup();
    await rt.registerSession("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.progress("g1", "req")));
    await rt.reset("s");
    expect(await done).toEqual({ kind: "RuntimeTerminated", reason: "runtime reset" });
    await rt.prepareLocalSessionBindings("s");
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(events.find((e) => e.type === "input.abandoned")).toMatchObject({ inputId: "g1", reason: "Reset" });
    expect(rt.snapshot("s")).toMatchObject({ phase: "Attached", inputs: [] });
  });

  it("reset of an attached session abandons passive queued work and clears the fence", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithoutWake("s", inputs.peerMessage("m1"));
    await rt.reset("s");
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(rt.snapshot("s")).toMatchObject({ phase: "Idle", binding: { fence: null, highestFence: 0 }, inputs: [] });
  });

  it("control_plane_contract_stop_runtime_executor_preempts_queued_progress_work", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const [first] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    const run = await exec.next();
    const [queued] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p2")));
    const stopping = rt.stopRuntimeExecutor("s");
    await flush();
    expect(rt.snapshot("s").stopRequested).toBe(true);
    await expect(rt.acceptInput("s", inputs.prompt("p3"))).rejects.toBeInstanceOf(NotReadyError);
    run.complete({ result: "first" });
    await stopping;
    expect(await first).toEqual({ kind: "Completed", result: "first" });
    expect(await queued).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(exec.calls).toHaveLength(1);
    expect(exec.stopped).toEqual(["s"]);
    expect(rt.snapshot("s")).toMatchObject({ phase: "Stopped", inputs: [], stopRequested: false });
  });

  it("control_plane_contract_stop_runtime_executor_persists_stopped_state_without_loop", async () => {
    const store = new MemoryStore();
    const { rt } = setup(store);
    await rt.registerSession("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    await rt.stopRuntimeExecutor("s");
    expect(await done).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(store.loadRuntimeState("s")).toBe("Stopped");
    expect(store.loadInputStates("s")).toMatchObject([{ inputId: "p1", phase: "Abandoned", terminal: { kind: "Abandoned", reason: "Stopped" } }]);
  });

  it("retire during a run: the run finishes, queued work drains (retire_drains_waited_progress_work_to_completion)", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    const [a] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    const run = await exec.next();
    const [b] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p2")));
    await rt.retire("s");
    expect(rt.snapshot("s")).toMatchObject({ phase: "Running", visiblePhase: "Retired" });
    // retired_rejects_new_input_while_draining
    await expect(rt.acceptInput("s", inputs.prompt("p3"))).rejects.toMatchObject({ code: "NotReady", phase: "Retired" });
    run.complete();
    expect(await a).toEqual({ kind: "CompletedWithoutResult" });
    const drain = await exec.next();
    expect(drain.primitive.contributors).toEqual(["p2"]);
    expect(rt.snapshot("s")).toMatchObject({ phase: "Running", visiblePhase: "Retired" });
    drain.complete({ result: "drained" });
    expect(await b).toEqual({ kind: "Completed", result: "drained" });
    await flush();
    expect(rt.snapshot("s")).toMatchObject({ phase: "Retired", inputs: [] });
    expect(events.filter((e) => e.type === "topology.session_retired")).toHaveLength(1);
  });

  it("retired_can_drain_queue_via_run_cycle: Retired → Running → Retired", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithoutWake("s", inputs.prompt("p1"));
    await rt.retire("s");
    const drain = await exec.next();
    drain.complete();
    await flush();
    const phases = events.filter((e) => e.type === "runtime.state_changed").map((e) => (e.type === "runtime.state_changed" ? `${e.from}->${e.to}` : ""));
    expect(phases.slice(-3)).toEqual(["Attached->Retired", "Retired->Running", "Running->Retired"]);
  });

  it("control_plane_contract_retire_without_runtime_loop_abandons_waited_work", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    await rt.retire("s");
    expect(await done).toEqual({ kind: "RuntimeTerminated", reason: "retired without runtime loop" });
    expect(exec.calls).toHaveLength(0);
  });

  it("reset_rejected_while_running: a typed refusal and nothing changes", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    const before = rt.snapshot("s");
    const err = await rt.reset("s").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err).toMatchObject({ code: "NotReady", phase: "Running", refusal: { reason: "NoMatchingTransition", trigger: "Reset" } });
    expect(rt.snapshot("s")).toEqual(before);
    run.complete();
  });

  it("reset_after_retire_returns_runtime_to_idle", async () => {
    const { rt } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.retire("s");
    await rt.reset("s");
    expect(rt.snapshot("s").phase).toBe("Idle");
    await expect(rt.acceptInput("s", inputs.prompt("p1"))).resolves.toMatchObject({ outcome: "Accepted" });
  });

  it("destroy_with_queued_inputs_abandons_all, aborts the run in flight, and is never resurrected", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    const [a] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    const run = await exec.next();
    const [b] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p2")));
    await rt.destroy("s");
    expect(run.ctx.signal.aborted).toBe(true);
    expect(run.ctx.signal.reason).toBeInstanceOf(RunCancelledError);
    expect(await a).toEqual({ kind: "RuntimeTerminated", reason: "runtime destroyed" });
    expect(await b).toEqual({ kind: "RuntimeTerminated", reason: "runtime destroyed" });
    run.fail(run.ctx.signal.reason);
    await flush();
    expect(rt.snapshot("s")).toMatchObject({ phase: "Destroyed", inputs: [], currentRun: null, waiters: 0 });
    expect(events.filter((e) => e.type === "input.abandoned").map((e) => (e.type === "input.abandoned" ? e.reason : ""))).toEqual(["Destroyed", "Destroyed"]);
    // register_session_rejects_destroyed_session / cold re-register keeps it destroyed
    await expect(rt.registerSession("s")).rejects.toBeInstanceOf(SessionDestroyedError);
    await expect(rt.prepareLocalSessionBindings("s")).rejects.toBeInstanceOf(SessionDestroyedError);
    await expect(rt.destroy("s")).rejects.toBeInstanceOf(SessionDestroyedError);
    expect(rt.snapshot("s").phase).toBe("Destroyed");
  });

  it("stop_abandons_all_active_inputs in an Idle session at once", async () => {
    const { rt, events } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.peerMessage("m1"));
    await rt.stopRuntimeExecutor("s");
    expect(events.filter((e) => e.type === "input.abandoned")).toHaveLength(2);
    // A second stop from Stopped is refused by the machine.
    await expect(rt.stopRuntimeExecutor("s")).rejects.toMatchObject({ code: "NotReady", phase: "Stopped" });
  });

  it("retire_from_retired is idempotent; retire in Stopped is acknowledged", async () => {
    const { rt, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.retire("s");
    await rt.retire("s");
    expect(events.filter((e) => e.type === "topology.session_retired")).toHaveLength(1);
    await rt.stopRuntimeExecutor("s");
    await expect(rt.retire("s")).resolves.toBeUndefined();
    expect(rt.snapshot("s").phase).toBe("Stopped");
  });

  it("concurrent_retire_serializes_via_mutation_gate", async () => {
    const { rt, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    await Promise.all([rt.retire("s"), rt.retire("s"), rt.retire("s")]);
    expect(rt.snapshot("s").phase).toBe("Retired");
    expect(events.filter((e) => e.type === "topology.session_retired")).toHaveLength(1);
  });

  it("retire and destroy with a stale fence are refused", async () => {
    const { rt } = setup();
    await rt.prepareBindings("s", { runtimeId: "rt-a", fence: 1, generation: 0 });
    await rt.prepareBindings("s", { runtimeId: "rt-b", fence: 2, generation: 0 });
    await expect(rt.retire("s", { fence: 1 })).rejects.toMatchObject({ code: "FenceRejected", fence: 1, highestFence: 2 });
    await expect(rt.destroy("s", { fence: 1 })).rejects.toMatchObject({ code: "FenceRejected" });
    expect(rt.snapshot("s").phase).toBe("Attached");
    await rt.retire("s", { fence: 2 });
    expect(rt.snapshot("s").phase).toBe("Retired");
  });

  it("cancel_after_boundary_returns_not_ready_without_attached_loop", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    await expect(rt.cancelAfterBoundary("s")).rejects.toBeInstanceOf(NotReadyError);
    await rt.prepareLocalSessionBindings("s");
    await expect(rt.cancelAfterBoundary("s")).rejects.toBeInstanceOf(NotReadyError);
  });

  it("cancel_after_boundary_on_attached_runtime_calls_live_handle: the run stops at its boundary and commits", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    const run = await exec.next();
    const cancelled = new Promise<void>((resolve) => run.ctx.onCancelAfterBoundary(resolve));
    expect(await rt.cancelAfterBoundary("s")).toBe(run.runId);
    await cancelled;
    expect(exec.cancelRequests).toEqual([{ sessionId: "s", runId: run.runId }]);
    expect(run.ctx.signal.aborted).toBe(false);
    const verdict = await run.ctx.reportBoundary();
    expect(verdict.cancelRequested).toBe(true);
    run.complete();
    expect(await done).toEqual({ kind: "CompletedWithoutResult" });
  });

  it("cancel and interrupt name the run: a stale run id is refused and changes nothing", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const first = await exec.next();
    first.complete();
    await rt.acceptInput("s", inputs.prompt("p2"));
    const second = await exec.next();
    const err = await rt.cancelAfterBoundary("s", first.runId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunMismatchError);
    expect(err).toMatchObject({ runId: first.runId, currentRun: second.runId });
    await expect(rt.interrupt("s", first.runId)).rejects.toBeInstanceOf(RunMismatchError);
    expect(second.ctx.cancelAfterBoundaryRequested).toBe(false);
    expect(second.ctx.signal.aborted).toBe(false);
    second.complete();
  });

  it("interrupt aborts the run's signal; its inputs end Cancelled", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    const run = await exec.next();
    expect(await rt.interrupt("s")).toBe(run.runId);
    expect(run.ctx.signal.aborted).toBe(true);
    run.fail(run.ctx.signal.reason);
    expect(await done).toEqual({ kind: "Cancelled" });
    expect(events.find((e) => e.type === "run.cancelled")).toMatchObject({ runId: run.runId, reason: "run interrupted" });
    expect(events.find((e) => e.type === "input.abandoned")).toMatchObject({ inputId: "p1", reason: "Cancelled" });
  });

  it("a cancel that races a commit: either order leaves exactly one outcome", async () => {
    // Cancel lands first: the run still completes and commits (cooperative cancel never drops work).
    {
      const { rt, exec } = setup();
      await rt.prepareLocalSessionBindings("s");
      const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
      const run = await exec.next();
      const cancel = rt.cancelAfterBoundary("s", run.runId);
      run.complete({ result: "ok" });
      await expect(cancel).resolves.toBe(run.runId);
      expect(await done).toEqual({ kind: "Completed", result: "ok" });
    }
    // Commit lands first: the cancel names a run that is over and is refused; nothing changes.
    {
      const { rt, exec } = setup();
      await rt.prepareLocalSessionBindings("s");
      const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
      const run = await exec.next();
      run.complete({ result: "ok" });
      expect(await done).toEqual({ kind: "Completed", result: "ok" });
      await flush();
      const before = rt.snapshot("s");
      await expect(rt.cancelAfterBoundary("s", run.runId)).rejects.toBeInstanceOf(NotReadyError);
      expect(rt.snapshot("s")).toEqual(before);
    }
    // Interleaved without waiting: both calls settle, the input has exactly one terminal event.
    {
      const { rt, exec, events } = setup();
      await rt.prepareLocalSessionBindings("s");
      const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
      const run = await exec.next();
      run.complete({ result: "ok" });
      const outcome = await rt.cancelAfterBoundary("s", run.runId).then(
        () => "accepted",
        (e: unknown) => (e instanceof NotReadyError || e instanceof RunMismatchError ? "refused" : "unexpected"),
      );
      expect(["accepted", "refused"]).toContain(outcome);
      expect(await done).toEqual({ kind: "Completed", result: "ok" });
      expect(events.filter((e) => e.type === "input.consumed" || e.type === "input.abandoned")).toHaveLength(1);
    }
  });

  it("recycle_keeps_waiters_for_preserved_pending_input / recycle_attached_runtime_wakes_preserved_queued_work", async () => {
    const { rt, exec, events } = manualRetry();
    await rt.prepareLocalSessionBindings("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.peerMessage("m1")));
    const run = await exec.next();
    run.fail(new Error("flaky"));
    await flush();
    expect(rt.snapshot("s").lanes.queue).toEqual(["m1"]);
    const r = await rt.recycle("s");
    expect(r).toEqual({ inputsTransferred: 1 });
    expect(exec.recycled).toEqual(["s"]);
    expect(events.some((e) => e.type === "topology.session_recycled")).toBe(true);
    const again = await exec.next();
    again.complete();
    expect(await done).toEqual({ kind: "CompletedWithoutResult" });
    expect(rt.snapshot("s").binding.fence).toBeNull();
  });

  it("recover is refused while a run is in flight and reports live inputs otherwise", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    await expect(rt.recover("s")).rejects.toBeInstanceOf(NotReadyError);
    run.complete();
    await flush();
    await expect(rt.recover("s")).resolves.toMatchObject({ inputsRecovered: 0, inputsAbandoned: 0, inputsRequeued: 0 });
  });

  it("unregister_session_terminates_pending_completion_waiters and keeps the inputs; refused while running", async () => {
    const { rt, exec } = manualRetry();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    await expect(rt.unregisterSession("s")).rejects.toBeInstanceOf(NotReadyError);
    run.complete();
    await flush();
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p2", "x")));
    const second = await exec.next();
    second.fail(new Error("retry later"));
    await flush();
    await rt.unregisterSession("s");
    expect(await done).toEqual({ kind: "RuntimeTerminated", reason: "runtime session unregistered" });
    expect(rt.snapshot("s")).toMatchObject({ phase: "Idle", registered: false, lanes: { queue: ["p2"] } });
  });

  it("close terminates every waiter and refuses further calls", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const [done] = await handle(rt.acceptInputWithCompletion("s", inputs.prompt("p1")));
    await rt.close();
    expect(await done).toEqual({ kind: "RuntimeTerminated", reason: "runtime loop exited" });
    await expect(rt.acceptInput("s", inputs.prompt("p2"))).rejects.toMatchObject({ code: "RuntimeClosed" });
  });
});

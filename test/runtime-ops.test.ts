// Ops lifecycle registry and detached wake (reference §8; §13 items 73–77).

import { describe, expect, it } from "vitest";
import { createRuntime, DEFAULT_OPS_LIMITS, InvalidArgumentError, OPS_LIMIT_MAX, OpNotFoundError, OpRefusedError, SessionDestroyedError, type OpsLimits, type RuntimeEvent } from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

async function setup(ops?: Partial<OpsLimits>) {
  const exec = new ScriptedExecutor();
  const rt = createRuntime({ executor: exec, store: testStore(), ...(ops === undefined ? {} : { limits: { ops } }) });
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  const bindings = await rt.prepareLocalSessionBindings("s");
  return { exec, rt, events, ops: bindings.ops };
}

describe("ops lifecycle", { timeout: 10_000 }, () => {
  it("ops_lifecycle_contract_register_progress_peer_ready_complete_and_watch", async () => {
    const { ops } = await setup();
    ops.register({ id: "child", kind: "MobMemberChild", displayName: "worker" });
    expect(ops.status("child")).toBe("Provisioning");
    // Peer readiness needs a running op, and happens once.
    expect(() => ops.peerReady("child")).toThrow(OpRefusedError);
    ops.start("child");
    ops.progress("child");
    ops.peerReady("child");
    expect(() => ops.peerReady("child")).toThrow(expect.objectContaining({ code: "OpRefused", refusal: expect.objectContaining({ guard: "not_already_peer_ready" }) }));
    const watched = ops.watch("child");
    ops.complete("child", { answer: 1 });
    expect(await watched).toEqual({ opId: "child", status: "Completed", result: { answer: 1 } });
    // A watch on a terminal op resolves at once.
    expect(await ops.watch("child")).toMatchObject({ status: "Completed" });
    expect(ops.completions().map((c) => [c.opId, c.displayName, c.outcome.status])).toEqual([["child", "worker", "Completed"]]);
  });

  it("a destroyed session's registry terminates its live ops and takes no new ones", async () => {
    const { rt } = await setup();
    const ops = rt.ops("s");
    ops.register({ id: "live", kind: "BackgroundToolOp" });
    const watched = ops.watch("live");
    await rt.destroy("s");
    expect(await watched).toMatchObject({ opId: "live", status: "Terminated" });
    expect(() => rt.ops("s").register({ id: "late", kind: "BackgroundToolOp" })).toThrow(SessionDestroyedError);
    expect(rt.ops("s").status("late")).toBeNull();
  });

  it("the refusal comes from the machine: the registry is Closed, even when first met after the destroy", async () => {
    const { rt } = await setup();
    rt.ops("s").register({ id: "a", kind: "BackgroundToolOp" });
    await rt.destroy("s");
    expect(rt.ops("s").state.phase).toBe("Closed");
    // A session destroyed before its registry existed: the registry is created Closed.
    await rt.prepareLocalSessionBindings("t");
    await rt.destroy("t");
    expect(rt.ops("t").state.phase).toBe("Closed");
    expect(() => rt.ops("t").register({ id: "late", kind: "MobMemberChild" })).toThrow(SessionDestroyedError);
    // Unknown ops are still not found; wait-all over the terminal records still resolves.
    expect(() => rt.ops("s").start("ghost")).toThrow(OpNotFoundError);
    expect(await rt.ops("s").waitAll(["a"])).toEqual([expect.objectContaining({ opId: "a", status: "Terminated" })]);
  });

  it("peer readiness is only for mob member children (PeerNotExpected)", async () => {
    const { ops } = await setup();
    ops.register({ id: "tool", kind: "BackgroundToolOp" });
    ops.start("tool");
    expect(() => ops.peerReady("tool")).toThrow(expect.objectContaining({ refusal: expect.objectContaining({ guard: "peer_expected" }) }));
  });

  it("ops_lifecycle_contract_terminate_owner_resolves_all_pending_watches_once", async () => {
    const { ops } = await setup();
    ops.register({ id: "a", kind: "MobMemberChild" });
    ops.register({ id: "b", kind: "MobMemberChild" });
    ops.start("b");
    const seen: string[] = [];
    const wa = ops.watch("a").then((o) => seen.push(`${o.opId}:${o.status}`));
    const wb1 = ops.watch("b").then((o) => seen.push(`${o.opId}:${o.status}`));
    const wb2 = ops.watch("b").then((o) => seen.push(`${o.opId}:${o.status}`));
    ops.terminateOwner();
    await Promise.all([wa, wb1, wb2]);
    expect(seen.sort()).toEqual(["a:Terminated", "b:Terminated", "b:Terminated"]);
    expect(ops.state.live.size).toBe(0);
  });

  it("ops_lifecycle_contract_wait_all_returns_all_outcomes / wait_all_unknown_id_returns_not_found", async () => {
    const { ops } = await setup();
    ops.register({ id: "a", kind: "MobMemberChild" });
    ops.register({ id: "b", kind: "MobMemberChild" });
    ops.start("a");
    ops.start("b");
    const all = ops.waitAll(["a", "b"]);
    ops.complete("a", "A");
    ops.fail("b", new Error("B broke"));
    expect(await all).toEqual([
      { opId: "a", status: "Completed", result: "A" },
      { opId: "b", status: "Failed", error: "B broke" },
    ]);
    // The barrier was released: a new wait can start.
    expect(ops.state.waitId).toBeNull();
    await expect(ops.waitAll(["nope"])).rejects.toBeInstanceOf(OpNotFoundError);
    await expect(ops.waitAll(["a", "a"])).rejects.toBeInstanceOf(OpRefusedError);
  });

  it("a second wait while one is active is refused (WaitAlreadyActive)", async () => {
    const { ops } = await setup();
    ops.register({ id: "a", kind: "MobMemberChild" });
    ops.start("a");
    const first = ops.waitAll(["a"]);
    await expect(ops.waitAll(["a"])).rejects.toMatchObject({ code: "OpRefused", refusal: { guard: "no_active_wait" } });
    ops.complete("a");
    await expect(first).resolves.toHaveLength(1);
  });

  it("ops_lifecycle_contract_max_concurrent_enforcement / bounded_completed_retention_evicts_oldest", async () => {
    const { ops } = await setup({ maxConcurrent: 2, maxRetained: 1 });
    ops.register({ id: "a", kind: "MobMemberChild" });
    ops.register({ id: "b", kind: "MobMemberChild" });
    expect(() => ops.register({ id: "c", kind: "MobMemberChild" })).toThrow(expect.objectContaining({ refusal: expect.objectContaining({ guard: "below_max_concurrent" }) }));
    expect(() => ops.register({ id: "a", kind: "MobMemberChild" })).toThrow(expect.objectContaining({ refusal: expect.objectContaining({ guard: "not_registered" }) }));
    ops.abort("a");
    ops.cancel("b");
    // Retention keeps the newest terminal record only.
    expect(ops.status("a")).toBeNull();
    expect(ops.status("b")).toBe("Cancelled");
    await expect(ops.watch("a")).rejects.toBeInstanceOf(OpNotFoundError);
  });

  it("default limits are upstream's: no concurrency cap below OPS_LIMIT_MAX, 256 terminal records kept", async () => {
    expect(DEFAULT_OPS_LIMITS).toEqual({ maxConcurrent: OPS_LIMIT_MAX, maxRetained: 256 });
    const { ops } = await setup();
    for (let i = 0; i < 300; i++) ops.register({ id: `op-${i}`, kind: "BackgroundToolOp" });
    expect(ops.state.live.size).toBe(300);
    for (let i = 0; i < 300; i++) ops.start(`op-${i}`);
    for (let i = 0; i < 300; i++) ops.complete(`op-${i}`);
    // The 44 oldest records were evicted, the 256 newest are still watchable.
    expect(ops.state.retained).toHaveLength(256);
    expect(ops.status("op-43")).toBeNull();
    expect(ops.status("op-44")).toBe("Completed");
    await expect(ops.watch("op-299")).resolves.toMatchObject({ status: "Completed" });
    // 900 ops writes over a durable store: let them land inside this test, not in the next one's flush.
    await flush();
  }, 60_000);

  it("limits.ops configures the cap and retention of every session's registry", async () => {
    const { ops } = await setup({ maxConcurrent: 5, maxRetained: 3 });
    for (let i = 0; i < 5; i++) ops.register({ id: `op-${i}`, kind: "MobMemberChild" });
    expect(() => ops.register({ id: "op-5", kind: "MobMemberChild" })).toThrow(expect.objectContaining({ refusal: expect.objectContaining({ guard: "below_max_concurrent" }) }));
    for (let i = 0; i < 5; i++) ops.cancel(`op-${i}`);
    expect(ops.state.retained).toEqual(["op-2", "op-3", "op-4"]);
    ops.register({ id: "op-5", kind: "MobMemberChild" });
    expect(ops.status("op-5")).toBe("Provisioning");
  });

  it("an ops limit outside 1..OPS_LIMIT_MAX is an InvalidArgumentError naming the option", () => {
    for (const bad of [0, -1, 1.5, OPS_LIMIT_MAX + 1, Number.NaN]) {
      expect(() => createRuntime({ executor: new ScriptedExecutor(), limits: { ops: { maxRetained: bad } } })).toThrow(InvalidArgumentError);
    }
    expect(() => createRuntime({ executor: new ScriptedExecutor(), limits: { ops: { maxConcurrent: 0 } } })).toThrow(/limits\.ops\.maxConcurrent must be an integer from 1 to 1000000000 \(got 0\)/);
  });

  it("retire requests: Running → Retiring → Retired", async () => {
    const { ops } = await setup();
    ops.register({ id: "a", kind: "MobMemberChild" });
    ops.start("a");
    ops.requestRetire("a");
    expect(ops.status("a")).toBe("Retiring");
    ops.markRetired("a");
    expect(ops.status("a")).toBe("Retired");
  });

  it("destroying the session terminates its ops", async () => {
    const { rt, ops } = await setup();
    ops.register({ id: "a", kind: "MobMemberChild" });
    const w = ops.watch("a");
    await rt.destroy("s");
    expect(await w).toMatchObject({ status: "Terminated" });
  });
});

describe("detached wake", { timeout: 10_000 }, () => {
  it("choke_004_idle_runtime_wakes_on_detached_op_completion", async () => {
    const { ops, exec, events } = await setup();
    ops.register({ id: "bg", kind: "BackgroundToolOp" });
    ops.start("bg");
    ops.complete("bg");
    const run = await exec.next();
    expect(run.primitive.inputs.map((i) => [i.kind, i.header.durability, i.header.source.kind])).toEqual([["continuation", "Derived", "System"]]);
    expect(run.primitive.executionKind).toBe("ResumePending");
    run.complete();
    await flush();
    expect(ops.state.wakePending).toBe(false);
    expect(events.filter((e) => e.type === "run.completed")).toHaveLength(1);
  });

  it("choke_004_five_completions_produce_one_coalesced_wake", async () => {
    const { ops, exec } = await setup();
    for (let i = 0; i < 5; i++) {
      ops.register({ id: `bg${i}`, kind: "BackgroundToolOp" });
      ops.start(`bg${i}`);
      ops.complete(`bg${i}`);
    }
    (await exec.next()).complete();
    await flush();
    expect(exec.calls).toHaveLength(1);
    expect(ops.state.wakePending).toBe(false);
  });

  it("choke_004_completion_during_running_defers_wake", async () => {
    const { rt, ops, exec } = await setup();
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    ops.register({ id: "bg", kind: "BackgroundToolOp" });
    ops.start("bg");
    ops.complete("bg");
    await flush();
    expect(exec.calls).toHaveLength(1);
    expect(ops.state.wakePending).toBe(true);
    run.complete();
    const wake = await exec.next();
    expect(wake.primitive.inputs[0]?.kind).toBe("continuation");
    wake.complete();
    await flush();
    expect(ops.state.wakePending).toBe(false);
  });

  it("choke_004_mob_member_child_completion_does_not_trigger_idle_wake", async () => {
    const { ops, exec } = await setup();
    ops.register({ id: "child", kind: "MobMemberChild" });
    ops.start("child");
    ops.complete("child");
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(ops.state.wakePending).toBe(false);
  });
});

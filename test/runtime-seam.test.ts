// Bindings and the mob seam (reference §7, §11; §13 items 78–80).

import { describe, expect, it } from "vitest";
import { sessionRuntimeKernel } from "../generated/session.machine.js";
import {
  createRuntime,
  FenceRejectedError,
  MobSeam,
  SeamRefusedError,
  SignalDispatchFailedError,
  type ControlPlane,
  type RoutedEffect,
  type SessionBindings,
} from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

function runtime() {
  const exec = new ScriptedExecutor(() => ({}));
  return { exec, rt: createRuntime({ executor: exec, store: testStore() }) };
}

function invariantsHold(rt: ControlPlane, sessionId: string): string[] {
  const s = rt.machineState(sessionId);
  return sessionRuntimeKernel.invariants.filter((inv) => !inv.holds(s)).map((inv) => inv.name);
}

describe("bindings", { timeout: 10_000 }, () => {
  it("prepare_bindings_returns_stable_epoch_id / different_epoch_for_different_sessions / idempotent_with_prior_registration", async () => {
    const { rt } = runtime();
    await rt.registerSession("a");
    const a1 = await rt.prepareBindings("a", { runtimeId: "rt-a", fence: 1, generation: 0 });
    const a2 = await rt.prepareBindings("a", { runtimeId: "rt-a", fence: 1, generation: 0 });
    const b = await rt.prepareLocalSessionBindings("b");
    expect(a1.epochId).toBe(a2.epochId);
    expect(b.epochId).not.toBe(a1.epochId);
    expect(a2).toMatchObject({ sessionId: "a", runtimeId: "rt-a", fence: 1, generation: 0 });
    expect(b).toMatchObject({ runtimeId: "rt:session:b", fence: 0 });
    expect(rt.snapshot("a").phase).toBe("Attached");
  });

  it("local_session_bindings_still_carry_unforgeable_machine_authority", async () => {
    const { rt } = runtime();
    const real = await rt.prepareLocalSessionBindings("s");
    const forged: SessionBindings = { ...real };
    expect(rt.isAuthoritative(real)).toBe(true);
    expect(rt.isAuthoritative(forged)).toBe(false);
    expect(await rt.prepareLocalSessionBindings("s")).toMatchObject({ epochId: real.epochId });
  });

  it("fencing is real: an older fence, or an equal fence from another runtime, is refused and changes nothing", async () => {
    const { rt } = runtime();
    await rt.prepareBindings("s", { runtimeId: "rt-1", fence: 2, generation: 1 });
    const before = rt.snapshot("s");
    await expect(rt.prepareBindings("s", { runtimeId: "rt-0", fence: 1, generation: 1 })).rejects.toBeInstanceOf(FenceRejectedError);
    await expect(rt.prepareBindings("s", { runtimeId: "rt-2", fence: 2, generation: 1 })).rejects.toMatchObject({ code: "FenceRejected", refusal: { guard: "fence_is_fresh" } });
    await expect(rt.prepareBindings("s", { runtimeId: "rt-1", fence: 3, generation: 0 })).rejects.toMatchObject({ refusal: { guard: "generation_not_older" } });
    expect(rt.snapshot("s")).toEqual(before);
    await rt.prepareBindings("s", { runtimeId: "rt-3", fence: 3, generation: 1 });
    expect(rt.snapshot("s").binding).toEqual({ runtimeId: "rt-3", fence: 3, highestFence: 3, generation: 1 });
  });

  it("a failed first binding does not leave a session behind", async () => {
    const { rt } = runtime();
    const seam = new MobSeam(rt, { sessionFor: (m) => `session-${m}` });
    expect(seam.state.phase).toBe("Running");
    await expect(rt.prepareBindings("ghost", { runtimeId: "unknown-to-mob", fence: 1, generation: 0 })).rejects.toBeInstanceOf(SignalDispatchFailedError);
    expect(rt.hasSession("ghost")).toBe(false);
  });

  it("spine_invariants_hold_after_{register,queued_input,steered_input,retire,reset,recycle,destroy}", async () => {
    const { rt, exec } = runtime();
    exec.auto = null;
    await rt.registerSession("s");
    expect(invariantsHold(rt, "s")).toEqual([]);
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.peerMessage("m1", "x", { handlingMode: "Steer" }));
    expect(invariantsHold(rt, "s")).toEqual([]);
    await rt.prepareLocalSessionBindings("s");
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["m1"]);
    expect(invariantsHold(rt, "s")).toEqual([]);
    run.complete();
    (await exec.next()).complete();
    await flush();
    await rt.acceptInputWithoutWake("s", inputs.prompt("p2"));
    await rt.recycle("s");
    expect(invariantsHold(rt, "s")).toEqual([]);
    await rt.retire("s");
    (await exec.next()).complete();
    await flush();
    expect(invariantsHold(rt, "s")).toEqual([]);
    await rt.reset("s");
    expect(invariantsHold(rt, "s")).toEqual([]);
    await rt.destroy("s");
    expect(invariantsHold(rt, "s")).toEqual([]);
  });
});

describe("mob seam", { timeout: 10_000 }, () => {
  it("all_four_catalog_routes_dispatch_to_meerkat_consumer, with the provisioning routes and the reports back", async () => {
    const { rt } = runtime();
    const seam = new MobSeam(rt, { sessionFor: (m) => `session-${m}` });
    await seam.command({ kind: "Spawn", member: "m1", runtime: "rt-m1" });
    expect(rt.snapshot("session-m1")).toMatchObject({ phase: "Attached", binding: { runtimeId: "rt-m1", fence: 1 } });
    // prepare_bindings_dispatches_runtime_bound_after_shell_commit
    expect(seam.state.statuses.get("m1")).toBe("Ready");
    await seam.command({ kind: "SubmitWork", member: "m1", work: "w1" });
    await seam.command({ kind: "RetireMember", member: "m1" });
    expect(rt.snapshot("session-m1").phase).toBe("Retired");
    expect(seam.state.statuses.get("m1")).toBe("Retired");
    await seam.command({ kind: "RespawnMember", member: "m1", runtime: "rt-m1b" });
    expect(rt.snapshot("session-m1")).toMatchObject({ phase: "Attached", binding: { runtimeId: "rt-m1b", fence: 2 } });
    await seam.command({ kind: "DestroyMob" });
    await seam.command({ kind: "DestroyMember", member: "m1" });
    expect(rt.snapshot("session-m1").phase).toBe("Destroyed");
    expect(seam.state.phase).toBe("Destroyed");
    expect(seam.delivered.map((d) => d.route)).toEqual([
      "provision_request_registers_session",
      "binding_request_reaches_meerkat",
      "runtime_bound_reaches_mob",
      "work_request_reaches_meerkat",
      "retire_request_reaches_meerkat",
      "runtime_retired_reaches_mob",
      "recycle_request_reaches_meerkat",
      "binding_request_reaches_meerkat",
      "runtime_bound_reaches_mob",
      "destroy_request_reaches_meerkat",
      "runtime_destroyed_reaches_mob",
    ]);
  });

  it("unwired_consumer_is_typed_refusal: the mob refuses a command for an unknown member", async () => {
    const { rt } = runtime();
    const seam = new MobSeam(rt, { sessionFor: (m) => `session-${m}` });
    await expect(seam.command({ kind: "SubmitWork", member: "nobody", work: "w" })).rejects.toBeInstanceOf(SeamRefusedError);
    expect(rt.sessionIds()).toEqual([]);
  });

  it("provisional_dsl_stage_does_not_emit_routed_signal_until_authoritative_apply", async () => {
    const { rt } = runtime();
    const seen: RoutedEffect[] = [];
    rt.setSignalDispatcher({ dispatch: (_s, e) => void seen.push(e) });
    await rt.prepareBindings("s", { runtimeId: "rt-1", fence: 2, generation: 0 });
    expect(seen).toEqual([{ effect: "RuntimeBound", runtime: "rt-1", fence: 2 }]);
    // A refused (staged, never committed) binding emits nothing.
    await expect(rt.prepareBindings("s", { runtimeId: "rt-0", fence: 1, generation: 0 })).rejects.toBeInstanceOf(FenceRejectedError);
    expect(seen).toHaveLength(1);
  });

  it("authoritative_dsl_apply_rolls_back_state_when_effect_dispatch_fails (binding refused by the mob)", async () => {
    const { rt } = runtime();
    const seam = new MobSeam(rt, { sessionFor: (m) => `session-${m}` });
    await seam.command({ kind: "Spawn", member: "m1", runtime: "rt-m1" });
    const before = rt.snapshot("session-m1");
    const mobBefore = seam.state;
    // The mob never minted this binding: ObserveRuntimeReady would be refused, so the session restores.
    await expect(rt.prepareBindings("session-m1", { runtimeId: "rt-rogue", fence: 2, generation: 0 })).rejects.toBeInstanceOf(SignalDispatchFailedError);
    expect(rt.snapshot("session-m1")).toEqual(before);
    expect(seam.state).toBe(mobBefore);
  });

  it("destroy_keeps_committed_dsl_state_when_runtime_destroyed_signal_dispatch_fails", async () => {
    const { rt } = runtime();
    await rt.prepareBindings("s", { runtimeId: "rt-1", fence: 1, generation: 0 });
    rt.setSignalDispatcher({
      dispatch: (_s, e) => {
        if (e.effect === "RuntimeDestroyed") throw new Error("mob unreachable");
      },
    });
    await expect(rt.destroy("s")).rejects.toMatchObject({ code: "SignalDispatchFailed", effect: "RuntimeDestroyed" });
    expect(rt.snapshot("s").phase).toBe("Destroyed");
  });

  it("a work request reaches only the session bound to that runtime", async () => {
    const { rt } = runtime();
    await rt.prepareBindings("s", { runtimeId: "rt-1", fence: 1, generation: 0 });
    await rt.ingest("s", "rt-1", "w1");
    await expect(rt.ingest("s", "rt-other", "w2")).rejects.toMatchObject({ code: "NotReady", refusal: { guard: "bound_to_runtime" } });
  });
});

import { describe, expect, it } from "vitest";
import type { AnyEffect, AnyKernel, AnyState, AnyTrigger } from "../kernel/index.js";
import { initialState, mobKernel, transition, type MobEffect, type MobState, type MobTrigger } from "../generated/mob.machine.js";
import { meerkatMobSeamComposition, type MeerkatMobSeamState } from "../generated/meerkat-mob-seam.composition.js";
import type { SessionRuntimeState } from "../generated/session.machine.js";

// ---------------------------------------------------------------------------------------------
// Mob kernel, driven directly.

function fire(s: MobState, t: MobTrigger): { state: MobState; effects: readonly MobEffect[] } {
  const r = transition(s, t);
  if (!r.ok) throw new Error(`refused ${t.kind}: ${r.code}${r.code === "GuardRejected" ? ` (${r.guard})` : ""}`);
  return { state: r.state, effects: r.effects };
}

function run(s: MobState, ...ts: MobTrigger[]): MobState {
  return ts.reduce((cur, t) => fire(cur, t).state, s);
}

function brokenInvariants(s: MobState): string[] {
  return mobKernel.invariants.filter((i) => !i.holds(s)).map((i) => i.name);
}

/** m1 spawned on r1 (fence 1) and reported ready. */
function readyMember(): MobState {
  return run(
    initialState(),
    { kind: "Spawn", member: "m1", runtime: "r1" },
    { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 },
  );
}

describe("Mob kernel", () => {
  it("spawn -> ready round trip: the binding request carries the minted fence and generation 0", () => {
    const spawned = fire(initialState(), { kind: "Spawn", member: "m1", runtime: "r1" });
    expect(spawned.state.statuses.get("m1")).toBe("Spawning");
    expect(spawned.state.runtimes.get("m1")).toBe("r1");
    expect(spawned.state.fences.get("m1")).toBe(1);
    expect(spawned.state.lastFence).toBe(1);
    expect(spawned.effects).toEqual([
      { effect: "RequestRuntimeProvision", member: "m1", runtime: "r1" },
      { effect: "RequestRuntimeBinding", runtime: "r1", fence: 1, generation: 0 },
    ]);

    const ready = fire(spawned.state, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 });
    expect(ready.state.statuses.get("m1")).toBe("Ready");
    expect(ready.effects).toEqual([{ effect: "MemberReady", member: "m1", generation: 0 }]);
    expect(brokenInvariants(ready.state)).toEqual([]);
    expect(mobKernel.witnesses.find((w) => w.name === "spawn_round_trip")?.holds(ready.state)).toBe(true);
  });

  it("routes work only to ready members, to their current runtime", () => {
    const spawning = run(initialState(), { kind: "Spawn", member: "m1", runtime: "r1" });
    expect(transition(spawning, { kind: "SubmitWork", member: "m1", work: "w1" })).toMatchObject({ ok: false, code: "GuardRejected", guard: "ready" });
    const r = fire(readyMember(), { kind: "SubmitWork", member: "m1", work: "w1" });
    expect(r.effects).toEqual([{ effect: "RequestRuntimeIngress", runtime: "r1", work: "w1" }]);
  });

  it("refuses a ready signal with a stale fence, an unknown runtime, or for a member that is not spawning", () => {
    const spawning = run(initialState(), { kind: "Spawn", member: "m1", runtime: "r1" });
    expect(transition(spawning, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 2 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });
    expect(transition(spawning, { kind: "ObserveRuntimeReady", runtime: "r9", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_runtime" });
    expect(transition(readyMember(), { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "spawning" });
  });

  it("a late ready signal from the incarnation before a reset never touches the new one", () => {
    // m1 on r1 (fence 1) is reset onto r2 (fence 2); the old runtime's report arrives late.
    const reset = run(readyMember(), { kind: "ResetMember", member: "m1", runtime: "r2" });
    expect(reset.statuses.get("m1")).toBe("Spawning");
    expect(transition(reset, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_runtime" });
    // The new runtime id with the old fence (a replayed report) is refused too.
    expect(transition(reset, { kind: "ObserveRuntimeReady", runtime: "r2", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });
    expect(transition(reset, { kind: "ObserveRuntimeReady", runtime: "r2", fence: 2 })).toMatchObject({ ok: true, transition: "RuntimeReady" });
  });

  it("a runtime id reused by another member is fenced: the earlier holder's late report is refused", () => {
    // m1 retires from r1; m2 is then spawned on r1 under fence 2. m1's stale (r1, 1) reports are refused.
    const s = run(
      readyMember(),
      { kind: "RetireMember", member: "m1" },
      { kind: "ObserveRuntimeRetired", runtime: "r1", fence: 1 },
      { kind: "Spawn", member: "m2", runtime: "r1" },
    );
    expect(s.owners.get("r1")).toBe("m2");
    expect(s.fences.get("m2")).toBe(2);
    expect(transition(s, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });
    expect(transition(s, { kind: "ObserveRuntimeRetired", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });
  });

  it("reset raises the generation and mints a higher fence", () => {
    const before = readyMember();
    const reset = fire(before, { kind: "ResetMember", member: "m1", runtime: "r2" });
    expect(reset.state.generations.get("m1")).toBe(1);
    expect(reset.state.fences.get("m1")).toBe(2);
    expect(reset.state.runtimes.get("m1")).toBe("r2");
    expect(reset.state.owners.has("r1")).toBe(false);
    expect(reset.effects).toEqual([
      { effect: "RequestRuntimeReset", member: "m1", runtime: "r2" },
      { effect: "RequestRuntimeBinding", runtime: "r2", fence: 2, generation: 1 },
    ]);
    expect(brokenInvariants(reset.state)).toEqual([]);
    // The runtime id must be free: resetting onto the member's own runtime id is refused.
    expect(transition(before, { kind: "ResetMember", member: "m1", runtime: "r1" })).toMatchObject({ ok: false, code: "GuardRejected", guard: "runtime_free" });
    // Fences keep increasing across incarnations: a respawn after the reset mints a third fence.
    const retired = run(
      reset.state,
      { kind: "ObserveRuntimeReady", runtime: "r2", fence: 2 },
      { kind: "RetireMember", member: "m1" },
      { kind: "ObserveRuntimeRetired", runtime: "r2", fence: 2 },
    );
    const respawned = fire(retired, { kind: "RespawnMember", member: "m1", runtime: "r1" });
    expect(respawned.state.fences.get("m1")).toBe(3);
    expect(respawned.state.generations.get("m1")).toBe(1);
    // The last fence the type can hold is never exceeded: the mint guard refuses instead.
    const exhausted = { ...retired, lastFence: 2147483647 };
    expect(transition(exhausted, { kind: "RespawnMember", member: "m1", runtime: "r1" })).toMatchObject({ ok: false, code: "GuardRejected", guard: "fence_available" });
  });

  it("respawn after retirement mints a fresh fence and keeps the generation", () => {
    const retired = run(readyMember(), { kind: "RetireMember", member: "m1" }, { kind: "ObserveRuntimeRetired", runtime: "r1", fence: 1 });
    expect(retired.statuses.get("m1")).toBe("Retired");
    expect(retired.runtimes.has("m1")).toBe(false);
    const respawned = fire(retired, { kind: "RespawnMember", member: "m1", runtime: "r2" });
    expect(respawned.state.fences.get("m1")).toBe(2);
    expect(respawned.state.generations.get("m1")).toBe(0);
    expect(respawned.effects).toEqual([
      { effect: "RequestRuntimeRecycle", member: "m1", runtime: "r2" },
      { effect: "RequestRuntimeBinding", runtime: "r2", fence: 2, generation: 0 },
    ]);
    // The retired incarnation's late report is refused.
    expect(transition(respawned.state, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_runtime" });

    // Under the Fence bound (0..2) a reset followed by a respawn needs a third fence, so the
    // generation rule is shown on a retired generation-1 member whose last fence was 1.
    const generationOne: MobState = {
      ...retired,
      generations: new Map([["m1", 1]]),
      generationHigh: new Map([["m1", 1]]),
    };
    expect(brokenInvariants(generationOne)).toEqual([]);
    const r = fire(generationOne, { kind: "RespawnMember", member: "m1", runtime: "r2" });
    expect(r.state.generations.get("m1")).toBe(1);
    expect(r.effects).toContainEqual({ effect: "RequestRuntimeBinding", runtime: "r2", fence: 2, generation: 1 });
  });

  it("retire round trip, with the retire request fenced", () => {
    const retiring = fire(readyMember(), { kind: "RetireMember", member: "m1" });
    expect(retiring.effects).toEqual([{ effect: "RequestRuntimeRetire", runtime: "r1", fence: 1 }]);
    expect(transition(retiring.state, { kind: "ObserveRuntimeRetired", runtime: "r1", fence: 2 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });
    const retired = run(retiring.state, { kind: "ObserveRuntimeRetired", runtime: "r1", fence: 1 });
    expect(retired.statuses.get("m1")).toBe("Retired");
    expect(retired.owners.size).toBe(0);
  });

  it("destroy: one destroy request per live member, destroyed when the last runtime reports", () => {
    const two = run(readyMember(), { kind: "Spawn", member: "m2", runtime: "r2" }, { kind: "ObserveRuntimeReady", runtime: "r2", fence: 2 });
    const destroying = fire(two, { kind: "DestroyMob" });
    expect(destroying.state.phase).toBe("Destroying");
    expect(destroying.effects).toEqual([]);
    expect(transition(destroying.state, { kind: "Spawn", member: "m3", runtime: "r3" })).toMatchObject({ ok: false, code: "NoMatchingTransition" });

    const d1 = fire(destroying.state, { kind: "DestroyMember", member: "m1" });
    expect(d1.effects).toEqual([{ effect: "RequestRuntimeDestroy", runtime: "r1", fence: 1 }]);
    const d2 = fire(d1.state, { kind: "DestroyMember", member: "m2" });
    expect(d2.effects).toEqual([{ effect: "RequestRuntimeDestroy", runtime: "r2", fence: 2 }]);
    // A stale fence cannot finish the destruction.
    expect(transition(d2.state, { kind: "ObserveRuntimeDestroyed", runtime: "r2", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_fence" });

    const one = fire(d2.state, { kind: "ObserveRuntimeDestroyed", runtime: "r1", fence: 1 });
    expect(one.state.phase).toBe("Destroying");
    const done = fire(one.state, { kind: "ObserveRuntimeDestroyed", runtime: "r2", fence: 2 });
    expect(done.state.phase).toBe("Destroyed");
    expect(done.effects).toEqual([{ effect: "MobDestroyed" }]);
    expect(done.state.runtimes.size).toBe(0);
    expect(brokenInvariants(done.state)).toEqual([]);
    expect(mobKernel.witnesses.find((w) => w.name === "destroy_round_trip")?.holds(done.state)).toBe(true);
  });

  it("destroying a mob without live runtimes finishes at once", () => {
    const r = fire(initialState(), { kind: "DestroyMob" });
    expect(r.state.phase).toBe("Destroyed");
    expect(r.effects).toEqual([{ effect: "MobDestroyed" }]);
  });
});

// ---------------------------------------------------------------------------------------------
// The composition's route table, driven run-to-completion (FIFO delivery, as the explorer does).

type Composed = Record<string, AnyState>;

function kernelOf(instance: string): AnyKernel {
  const k = meerkatMobSeamComposition.instances[instance];
  if (!k) throw new Error(`no instance ${instance}`);
  return k;
}

function composedInitial(): Composed {
  const out: Composed = {};
  for (const name of Object.keys(meerkatMobSeamComposition.instances)) out[name] = kernelOf(name).initialState();
  return out;
}

/** Injects one entry input, then delivers routed effects FIFO until none are left. */
function inject(s: Composed, instance: string, trigger: AnyTrigger): { state: Composed; delivered: string[] } {
  const state: Composed = { ...s };
  const delivered: string[] = [];
  const queue: { route: string; to: string; trigger: AnyTrigger }[] = [];
  const apply = (name: string, t: AnyTrigger, what: string): void => {
    const cur = state[name];
    if (!cur) throw new Error(`no state for ${name}`);
    const r = kernelOf(name).transition(cur, t);
    if (!r.ok) throw new Error(`${what}: ${name} refused ${t.kind} (${r.code})`);
    state[name] = r.state;
    for (const e of r.effects) enqueue(name, e);
  };
  const enqueue = (name: string, e: AnyEffect): void => {
    for (const route of meerkatMobSeamComposition.routes) {
      if (route.from.instance === name && route.from.effect === e.effect) queue.push({ route: route.name, to: route.to.instance, trigger: route.deliver(e) });
    }
  };
  apply(instance, trigger, "entry");
  for (let d = queue.shift(); d; d = queue.shift()) {
    delivered.push(d.route);
    apply(d.to, d.trigger, `route ${d.route}`);
  }
  return { state, delivered };
}

/** The generic per-instance record as the composition's typed state (instances come from its kernels). */
function typed(s: Composed): MeerkatMobSeamState {
  const mob = s["mob"];
  const member = s["member"];
  if (!mob || !member) throw new Error("missing instance state");
  return { mob: mob as unknown as MobState, member: member as unknown as SessionRuntimeState };
}

function holds(kind: "invariants" | "witnesses", name: string, s: Composed): boolean {
  const p = meerkatMobSeamComposition[kind].find((x) => x.name === name);
  if (!p) throw new Error(`no ${kind} ${name}`);
  return p.holds(typed(s));
}

function brokenComposed(s: Composed): string[] {
  const own = meerkatMobSeamComposition.invariants.filter((i) => !i.holds(typed(s))).map((i) => i.name);
  const inner = Object.keys(meerkatMobSeamComposition.instances).flatMap((name) => {
    const st = s[name];
    return st ? kernelOf(name).invariants.filter((i) => !i.holds(st)).map((i) => `${name}.${i.name}`) : [`${name}: no state`];
  });
  return [...own, ...inner];
}

describe("MeerkatMobSeam route table", () => {
  it("declares the seven seam routes plus the three provisioning routes, with typed bindings", () => {
    const routes = meerkatMobSeamComposition.routes.map((r) => `${r.from.instance}.${r.from.effect} -> ${r.to.instance}.${r.to.trigger}`);
    expect(routes).toEqual([
      "mob.RequestRuntimeProvision -> member.RegisterSession",
      "mob.RequestRuntimeRecycle -> member.Recycle",
      "mob.RequestRuntimeReset -> member.Reset",
      "mob.RequestRuntimeBinding -> member.PrepareBindings",
      "mob.RequestRuntimeIngress -> member.Ingest",
      "mob.RequestRuntimeRetire -> member.Retire",
      "mob.RequestRuntimeDestroy -> member.Destroy",
      "member.RuntimeBound -> mob.ObserveRuntimeReady",
      "member.RuntimeRetired -> mob.ObserveRuntimeRetired",
      "member.RuntimeDestroyed -> mob.ObserveRuntimeDestroyed",
    ]);
    const binding = meerkatMobSeamComposition.routes.find((r) => r.name === "binding_request_reaches_meerkat");
    expect(binding?.deliver({ effect: "RequestRuntimeBinding", runtime: "r1", fence: 2, generation: 1 })).toEqual({ kind: "PrepareBindings", runtime: "r1", fence: 2, generation: 1 });
    const bound = meerkatMobSeamComposition.routes.find((r) => r.name === "runtime_bound_reaches_mob");
    expect(bound?.deliver({ effect: "RuntimeBound", runtime: "r1", fence: 2 })).toEqual({ kind: "ObserveRuntimeReady", runtime: "r1", fence: 2 });
    const retire = meerkatMobSeamComposition.routes.find((r) => r.name === "retire_request_reaches_meerkat");
    expect(retire?.deliver({ effect: "RequestRuntimeRetire", runtime: "r1", fence: 2 })).toEqual({ kind: "Retire", fence: 2 });
  });

  it("spawn, work, reset and destroy round trips across the seam", () => {
    let s = composedInitial();

    const spawn = inject(s, "mob", { kind: "Spawn", member: "m1", runtime: "r1" });
    expect(spawn.delivered).toEqual(["provision_request_registers_session", "binding_request_reaches_meerkat", "runtime_bound_reaches_mob"]);
    s = spawn.state;
    expect(s["member"]).toMatchObject({ phase: "Attached", registered: true, boundRuntime: "r1", boundFence: 1 });
    expect(holds("witnesses", "spawn_round_trip", s)).toBe(true);

    const work = inject(s, "mob", { kind: "SubmitWork", member: "m1", work: "w1" });
    expect(work.delivered).toEqual(["work_request_reaches_meerkat"]);

    const reset = inject(s, "mob", { kind: "ResetMember", member: "m1", runtime: "r2" });
    expect(reset.delivered).toEqual(["reset_request_reaches_meerkat", "binding_request_reaches_meerkat", "runtime_bound_reaches_mob"]);
    s = reset.state;
    expect(s["member"]).toMatchObject({ phase: "Attached", boundRuntime: "r2", boundFence: 2, highestFence: 2, boundGeneration: 1 });
    expect(holds("witnesses", "reset_round_trip", s)).toBe(true);
    expect(brokenComposed(s)).toEqual([]);

    s = inject(s, "mob", { kind: "DestroyMob" }).state;
    const destroy = inject(s, "mob", { kind: "DestroyMember", member: "m1" });
    expect(destroy.delivered).toEqual(["destroy_request_reaches_meerkat", "runtime_destroyed_reaches_mob"]);
    s = destroy.state;
    expect(s["mob"]?.phase).toBe("Destroyed");
    expect(s["member"]?.phase).toBe("Destroyed");
    expect(holds("witnesses", "destroy_round_trip", s)).toBe(true);
    expect(brokenComposed(s)).toEqual([]);
  });

  it("retire and respawn round trips across the seam", () => {
    let s = inject(composedInitial(), "mob", { kind: "Spawn", member: "m1", runtime: "r1" }).state;

    const retire = inject(s, "mob", { kind: "RetireMember", member: "m1" });
    expect(retire.delivered).toEqual(["retire_request_reaches_meerkat", "runtime_retired_reaches_mob"]);
    s = retire.state;
    expect(s["member"]?.phase).toBe("Retired");
    expect(holds("witnesses", "retire_round_trip", s)).toBe(true);

    const respawn = inject(s, "mob", { kind: "RespawnMember", member: "m1", runtime: "r2" });
    expect(respawn.delivered).toEqual(["recycle_request_reaches_meerkat", "binding_request_reaches_meerkat", "runtime_bound_reaches_mob"]);
    s = respawn.state;
    expect(s["member"]).toMatchObject({ phase: "Attached", boundRuntime: "r2", boundFence: 2, boundGeneration: 0 });
    expect(holds("witnesses", "respawn_round_trip", s)).toBe(true);
    expect(brokenComposed(s)).toEqual([]);
  });

  it("the session refuses a binding request with an older fence, and the mob refuses its stale report", () => {
    const s = inject(composedInitial(), "mob", { kind: "Spawn", member: "m1", runtime: "r1" }).state;
    const after = inject(s, "mob", { kind: "ResetMember", member: "m1", runtime: "r2" }).state;
    const member = after["member"];
    const mob = after["mob"];
    if (!member || !mob) throw new Error("missing instance state");
    // A replayed binding request of the first incarnation is refused by the session...
    expect(kernelOf("member").transition(member, { kind: "PrepareBindings", runtime: "r1", fence: 1, generation: 0 })).toMatchObject({ ok: false, code: "GuardRejected" });
    // ...and its bound report, if it had been in flight, is refused by the mob.
    expect(kernelOf("mob").transition(mob, { kind: "ObserveRuntimeReady", runtime: "r1", fence: 1 })).toMatchObject({ ok: false, code: "GuardRejected", guard: "current_runtime" });
    expect(holds("invariants", "ready_member_is_bound_to_its_current_incarnation", after)).toBe(true);
    expect(brokenComposed(after)).toEqual([]);
  });
});

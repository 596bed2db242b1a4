import { describe, expect, it } from "vitest";
import { initialState, transition, turnstileKernel, type TurnstileState } from "../generated/examples/turnstile.machine.js";
import { counterKernel } from "../generated/examples/counter.machine.js";
import { turnstileAuditComposition } from "../generated/examples/turnstile-audit.composition.js";

function fire(s: TurnstileState, ...triggers: Parameters<typeof transition>[1][]): TurnstileState {
  let cur = s;
  for (const t of triggers) {
    const r = transition(cur, t);
    if (!r.ok) throw new Error(`refused: ${r.code}`);
    cur = r.state;
  }
  return cur;
}

describe("generated Turnstile kernel", () => {
  it("starts in the declared initial state", () => {
    const s = initialState();
    expect(s.phase).toBe("Locked");
    expect(s.coins).toBe(0);
    expect(s.lastCoin).toBeNull();
    expect([...s.seen]).toEqual([]);
  });

  it("fires a transition: updates in order, target phase, effects from the post-state", () => {
    const r = transition(initialState(), { kind: "Coin", coin: "c1" });
    expect(r).toMatchObject({ ok: true, transition: "InsertCoin", state: { phase: "Unlocked", coins: 1, lastCoin: "c1" } });
    if (!r.ok) return;
    expect([...r.state.seen]).toEqual(["c1"]);
    expect(r.effects).toEqual([{ effect: "Opened", coins: 1 }]);
  });

  it("is pure: the previous state is never modified", () => {
    const s0 = initialState();
    const s1 = fire(s0, { kind: "Coin", coin: "c1" });
    const s2 = fire(s1, { kind: "Coin", coin: "c2" });
    expect([...s0.seen]).toEqual([]);
    expect([...s1.seen]).toEqual(["c1"]);
    expect([...s2.seen]).toEqual(["c1", "c2"]);
    expect(s1.coins).toBe(1);
  });

  it("names the guard that rejected a trigger", () => {
    const s = fire(initialState(), { kind: "Coin", coin: "c1" }, { kind: "Push" });
    expect(transition(s, { kind: "Coin", coin: "c1" })).toMatchObject({ ok: false, code: "GuardRejected", transition: "InsertCoin", guard: "fresh", phase: "Locked" });
  });

  it("refuses triggers no transition handles in the phase, and query-only inputs", () => {
    expect(transition(initialState(), { kind: "Push" })).toMatchObject({ ok: false, code: "NoMatchingTransition", trigger: "Push", phase: "Locked" });
    expect(transition(initialState(), { kind: "Status" })).toMatchObject({ ok: false, code: "NoMatchingTransition", trigger: "Status" });
    const broken = fire(initialState(), { kind: "Kick" });
    expect(transition(broken, { kind: "Coin", coin: "c1" })).toMatchObject({ ok: false, code: "NoMatchingTransition" });
  });

  it("emits conditional effects only when their condition holds", () => {
    const full = fire(initialState(), { kind: "Coin", coin: "a" }, { kind: "Coin", coin: "b" }, { kind: "Coin", coin: "c" });
    expect(full.coins).toBe(3);
    const r = transition(full, { kind: "Coin", coin: "d" });
    expect(r).toMatchObject({ ok: true, transition: "ExtraCoin", effects: [{ effect: "Refunded", coin: "d" }] });
    const kept = transition(fire(initialState(), { kind: "Coin", coin: "a" }), { kind: "Coin", coin: "b" });
    expect(kept).toMatchObject({ ok: true, effects: [] });
  });

  it("keeps its invariants along a run", () => {
    const s = fire(initialState(), { kind: "Coin", coin: "a" }, { kind: "Coin", coin: "b" }, { kind: "Push" }, { kind: "Coin", coin: "c" });
    for (const inv of turnstileKernel.invariants) expect(inv.holds(s), inv.name).toBe(true);
    const bad: TurnstileState = { ...s, lastCoin: "never-seen" };
    expect(turnstileKernel.invariants.find((i) => i.name === "last_coin_was_seen")?.holds(bad)).toBe(false);
  });

  it("describes itself for the explorer", () => {
    expect(turnstileKernel.transitions.map((t) => t.name)).toEqual(["InsertCoin", "ExtraCoin", "PassThrough", "Break"]);
    expect(turnstileKernel.transitions.find((t) => t.name === "Break")?.from).toEqual(["Locked", "Unlocked"]);
    expect(turnstileKernel.triggers.find((t) => t.name === "Coin")?.fields).toEqual([{ name: "coin", type: { kind: "id", name: "CoinId" } }]);
    expect(turnstileKernel.profiles["ci"]?.domains).toEqual({ CoinId: 3 });
    expect(counterKernel.triggers.map((t) => `${t.kind}:${t.name}`)).toEqual(["input:Close", "signal:Opened"]);
  });
});

describe("generated composition", () => {
  it("routes an effect of one instance to a trigger of another with typed bindings", () => {
    const route = turnstileAuditComposition.routes[0];
    expect(route?.from).toEqual({ instance: "gate", effect: "Opened" });
    expect(route?.to).toEqual({ instance: "audit", trigger: "Opened", kind: "signal" });
    const trigger = route?.deliver({ effect: "Opened", coins: 2 });
    expect(trigger).toEqual({ kind: "Opened", coins: 2 });
    const r = counterKernel.transition(counterKernel.initialState(), trigger as Parameters<typeof counterKernel.transition>[1]);
    expect(r).toMatchObject({ ok: true, transition: "Count", state: { openings: 1, lastCoins: 2 } });
  });

  it("evaluates composed invariants and witnesses over every instance", () => {
    const state = { gate: initialState(), audit: { ...counterKernel.initialState(), openings: 2, lastCoins: 1 } };
    expect(turnstileAuditComposition.witnesses[0]?.holds(state)).toBe(true);
    expect(turnstileAuditComposition.invariants[0]?.holds(state)).toBe(true);
  });
});

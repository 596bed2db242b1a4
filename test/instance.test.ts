import { describe, expect, it } from "vitest";
import { MachineInstance, SnapshotRejectedError, StageMisuseError } from "../kernel/index.js";
import { TurnstileMachine, turnstileKernel } from "../generated/examples/turnstile.machine.js";
import {
  SessionRuntimeMachine,
  sessionRuntimeKernel,
  transition as sessionTransition,
  type SessionRuntimeState,
  type SessionRuntimeTrigger,
} from "../generated/session.machine.js";

describe("machine instance wrapper", () => {
  it("new states equal the pure transition's: same fields, collections shared, unchanged states kept", () => {
    const m = new SessionRuntimeMachine();
    const steps: SessionRuntimeTrigger[] = [
      { kind: "RegisterSession" },
      { kind: "PrepareBindings", runtime: "rt", fence: 0, generation: 0 },
      { kind: "AcceptInput", input: "i1", lane: "Queue", admission: "WakeIfIdle", front: false },
      { kind: "OpenLoopRun", run: "r1" },
    ];
    for (const t of steps) {
      const before = m.state;
      const pure = sessionTransition(before, t);
      const fired = m.apply(t);
      if (!pure.ok || !fired.ok) throw new Error(`expected ${t.kind} to fire`);
      expect(fired.state).toEqual(pure.state);
      expect(Object.keys(fired.state)).toEqual(Object.keys(pure.state));
      // Shallow: a field the transition did not change is still the very object of the state before.
      let kept = 0;
      for (const key of Object.keys(pure.state) as (keyof typeof pure.state)[]) {
        if (pure.state[key] !== before[key]) continue;
        expect(fired.state[key]).toBe(before[key]);
        kept += 1;
      }
      expect(kept).toBeGreaterThan(5);
      expect(m.state).toBe(fired.state);
    }
    // A transition that changes nothing keeps the state object itself.
    const before = m.state;
    const ingest = m.apply({ kind: "Ingest", runtime: "rt", work: "w" });
    if (!ingest.ok) throw new Error("expected Ingest to fire");
    expect(m.state).toBe(before);
  });

  it("adopts a generated kernel's next state as it is: one literal of every property in declaration order", () => {
    const kernel = sessionRuntimeKernel;
    expect(kernel.laidOutStates).toBe(true);
    const order = ["phase", ...kernel.fields.map((f) => f.name)];
    let returned: SessionRuntimeState | null = null;
    const watched: typeof kernel = {
      ...kernel,
      transition: (s, t) => {
        const r = kernel.transition(s, t);
        returned = r.ok ? r.state : null;
        return r;
      },
    };
    const m = new MachineInstance(watched);
    const steps: SessionRuntimeTrigger[] = [
      { kind: "RegisterSession" },
      { kind: "PrepareBindings", runtime: "rt", fence: 0, generation: 0 },
      { kind: "AcceptInput", input: "i1", lane: "Queue", admission: "WakeIfIdle", front: false },
      { kind: "OpenLoopRun", run: "r1" },
      { kind: "StageInput", input: "i1", run: "r1" },
    ];
    for (const t of steps) {
      const fired = m.apply(t);
      if (!fired.ok) throw new Error(`expected ${t.kind} to fire`);
      expect(fired.state).toBe(returned);
      expect(Object.keys(fired.state)).toEqual(order);
    }
    // A kernel that does not say so gets its states re-laid out (a copy, equal to what it returned).
    const plain = new MachineInstance({ ...watched, laidOutStates: false });
    const fired = plain.apply({ kind: "RegisterSession" });
    if (!fired.ok) throw new Error("expected RegisterSession to fire");
    expect(fired.state).not.toBe(returned);
    expect(fired.state).toEqual(returned);
  });

  it("stages without changing the state, then commits", () => {
    const m = new TurnstileMachine();
    const staged = m.stage({ kind: "Coin", coin: "c1" });
    if (!staged.ok) throw new Error("expected a staged transition");
    expect(m.phase).toBe("Locked");
    expect(staged.fired.state.phase).toBe("Unlocked");
    const fired = m.commit(staged);
    expect(fired.transition).toBe("InsertCoin");
    expect(m.phase).toBe("Unlocked");
  });

  it("restores the previous state when the side effect failed", () => {
    const m = new TurnstileMachine();
    const before = m.state;
    const staged = m.stage({ kind: "Coin", coin: "c1" });
    if (!staged.ok) throw new Error("expected a staged transition");
    m.restore(staged);
    expect(m.state).toBe(before);
    // The instance accepts a new stage afterwards.
    expect(m.apply({ kind: "Coin", coin: "c2" })).toMatchObject({ ok: true });
  });

  it("allows one pending stage at a time and refuses to commit a stale one", () => {
    const m = new TurnstileMachine();
    const staged = m.stage({ kind: "Coin", coin: "c1" });
    if (!staged.ok) throw new Error("expected a staged transition");
    expect(() => m.stage({ kind: "Kick" })).toThrow(StageMisuseError);
    m.commit(staged);
    expect(() => m.commit(staged)).toThrow(StageMisuseError);
  });

  it("returns refusals as values and leaves the state alone", () => {
    const m = new TurnstileMachine();
    expect(m.stage({ kind: "Push" })).toMatchObject({ ok: false, code: "NoMatchingTransition" });
    expect(m.phase).toBe("Locked");
  });

  it("refuses a transition that would break an invariant, and can be told not to check", () => {
    const strictKernel = {
      ...turnstileKernel,
      invariants: [{ name: "never_unlocked", source: "phase != Unlocked", holds: (s: { readonly phase: string }) => s.phase !== "Unlocked" }],
    };
    const guarded = new MachineInstance(strictKernel);
    expect(guarded.apply({ kind: "Coin", coin: "x" })).toMatchObject({ ok: false, code: "InvariantViolated", invariants: ["never_unlocked"] });
    expect(guarded.phase).toBe("Locked");
    const unchecked = new MachineInstance(strictKernel, undefined, { checkInvariants: false });
    expect(unchecked.apply({ kind: "Coin", coin: "x" })).toMatchObject({ ok: true });
  });

  it("round-trips through a snapshot", () => {
    const m = new TurnstileMachine();
    m.apply({ kind: "Coin", coin: "b" });
    m.apply({ kind: "Coin", coin: "a" });
    const snap = m.snapshot();
    expect(snap).toEqual({ machine: "Turnstile", version: 1, state: { phase: "Unlocked", coins: 2, lastCoin: "b", seen: ["a", "b"] } });
    const back = TurnstileMachine.fromSnapshot(JSON.parse(JSON.stringify(snap)));
    expect(back.snapshot()).toEqual(snap);
    expect(back.state.seen.has("a")).toBe(true);
  });

  it.each([
    ["wrong machine", { machine: "Door", version: 1, state: { phase: "Locked", coins: 0, lastCoin: null, seen: [] } }, "/machine"],
    ["newer version", { machine: "Turnstile", version: 2, state: { phase: "Locked", coins: 0, lastCoin: null, seen: [] } }, "/version"],
    ["unknown phase", { machine: "Turnstile", version: 1, state: { phase: "Open", coins: 0, lastCoin: null, seen: [] } }, "/state/phase"],
    ["int out of range", { machine: "Turnstile", version: 1, state: { phase: "Locked", coins: 9, lastCoin: null, seen: [] } }, "/state/coins"],
    ["missing field", { machine: "Turnstile", version: 1, state: { phase: "Locked", coins: 0, seen: [] } }, "/state/lastCoin"],
    ["unknown field", { machine: "Turnstile", version: 1, state: { phase: "Locked", coins: 0, lastCoin: null, seen: [], extra: 1 } }, "/state/extra"],
    ["duplicate set element", { machine: "Turnstile", version: 1, state: { phase: "Locked", coins: 0, lastCoin: null, seen: ["a", "a"] } }, "/state/seen/1"],
    ["broken invariant", { machine: "Turnstile", version: 1, state: { phase: "Unlocked", coins: 0, lastCoin: null, seen: [] } }, "/state"],
    ["__proto__ field", JSON.parse('{"machine":"Turnstile","version":1,"state":{"phase":"Locked","coins":0,"lastCoin":null,"seen":[],"__proto__":{"x":1}}}'), "/state/__proto__"],
  ])("refuses a bad snapshot: %s", (_name, snapshot, pointer) => {
    let error: unknown;
    try {
      TurnstileMachine.fromSnapshot(snapshot);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotRejectedError);
    expect((error as SnapshotRejectedError).problems.map((p) => p.pointer)).toContain(pointer);
  });
});

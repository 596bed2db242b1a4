// Seeded-bug specs: every check of the explorer has to find its bug, with a shortest trace that
// replays. Fixture specs are generated at test time into .tmp/.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnyKernel, AnyState, AnyTrigger, ProfileDesc } from "../kernel/descriptor.js";
import type { TransitionResult } from "../kernel/result.js";
import { explore } from "../properties/explorer/engine.js";
import {
  exploreComposition,
  exploreMachine,
  machineSystem,
  replayTrace,
  UnknownProfileError,
  type ExploreProgress,
  type ExploreResult,
  type Violation,
} from "../properties/explorer/index.js";
import { FIXTURES, generateFixtures, type GeneratedFixtures } from "./explorer-helpers.js";

let fx: GeneratedFixtures;

beforeAll(() => {
  fx = generateFixtures(join(FIXTURES, "seeded"), "explorer-seeded");
});

function only(r: ExploreResult, kind: string, name: string): Violation {
  const found = r.violations.filter((v) => v.kind === kind && v.name === name);
  expect(found, `${kind} ${name} in ${JSON.stringify(r.violations.map((v) => [v.kind, v.name]))}`).toHaveLength(1);
  return found[0] as Violation;
}

describe("invariant", () => {
  it("finds the break at depth 4 with a 4-step trace that replays", async () => {
    const kernel = await fx.machine("DepthBug");
    const r = exploreMachine(kernel, { profile: "default" });
    expect(r.ok).toBe(false);
    const v = only(r, "invariant", "below_four");
    expect(r.violations.filter((x) => x.kind === "invariant")).toHaveLength(1);
    const trace = v.trace;
    if (!trace) throw new Error("no trace");
    expect(trace.steps).toHaveLength(4);
    expect(trace.steps.map((s) => s.trigger)).toEqual(["Step", "Step", "Step", "Step"]);
    expect(trace.steps.map((s) => s.transition)).toEqual(["Advance", "Advance", "Advance", "Advance"]);
    expect(trace.initial).toEqual({ phase: "Running", n: 0, flag: false });
    expect(trace.steps[3]?.state).toEqual({ phase: "Running", n: 4, flag: false });
    expect(trace).toMatchObject({ machine: "DepthBug", subject: "machine", profile: "default", kind: "invariant", name: "below_four" });
    const replay = replayTrace(trace, { kind: "machine", kernel });
    expect(replay.reproduced).toBe(true);
    expect(replay.rows).toHaveLength(4);
    // 6 levels x 2 flags, all reachable; the witness is one Noise away.
    expect(r.distinctStates).toBe(12);
    expect(r.witnesses).toEqual([expect.objectContaining({ name: "flipped", reached: true, depth: 1 })]);
  });

  it("a replay of an edited trace does not reproduce", async () => {
    const kernel = await fx.machine("DepthBug");
    const trace = exploreMachine(kernel, { profile: "default" }).violations[0]?.trace;
    if (!trace) throw new Error("no trace");
    const shortened = { ...trace, steps: trace.steps.slice(0, 3) };
    expect(replayTrace(shortened, { kind: "machine", kernel }).reproduced).toBe(false);
    const tampered = { ...trace, steps: trace.steps.map((s, i) => (i === 1 ? { ...s, trigger: "Noise" } : s)) };
    const again = replayTrace(tampered, { kind: "machine", kernel });
    expect(again.reproduced).toBe(false);
    expect(again.message).toMatch(/step 2/);
  });
});

describe("determinism", () => {
  it("reports two overlapping transitions, with the ambiguous step last", async () => {
    const kernel = await fx.machine("Overlap");
    const r = exploreMachine(kernel, { profile: "default" });
    const v = only(r, "determinism", "GoLeft|GoRight");
    expect(v.message).toContain("GoLeft, GoRight");
    const trace = v.trace;
    if (!trace) throw new Error("no trace");
    expect(trace.steps.map((s) => [s.trigger, s.transition])).toEqual([
      ["Inc", "Bump"],
      ["Go", null],
    ]);
    expect(trace.steps[1]?.refusal).toMatchObject({ code: "AmbiguousTransition", transitions: ["GoLeft", "GoRight"] });
    expect(replayTrace(trace, { kind: "machine", kernel }).reproduced).toBe(true);
  });
});

describe("deadlock", () => {
  it("reports a non-terminal phase with nothing enabled", async () => {
    const kernel = await fx.machine("Stuck");
    const r = exploreMachine(kernel, { profile: "strict" });
    expect(r.violations.map((v) => v.kind)).toEqual(["deadlock"]);
    const v = only(r, "deadlock", "Waiting");
    expect(v.trace?.steps.map((s) => s.trigger)).toEqual(["Begin"]);
    if (!v.trace) throw new Error("no trace");
    expect(replayTrace(v.trace, { kind: "machine", kernel }).reproduced).toBe(true);
  });

  it("accepts it in a phase the profile lists in allowDeadlockIn, and never in terminal phases", async () => {
    const r = exploreMachine(await fx.machine("Stuck"), { profile: "lenient" });
    expect(r.ok).toBe(true);
    expect(r.distinctStates).toBe(3);
  });
});

describe("coverage checks", () => {
  it("reports the dead transition, the unreachable phase and the unreachable witness", async () => {
    const r = exploreMachine(await fx.machine("Dead"), { profile: "default" });
    expect(r.violations.map((v) => [v.kind, v.name]).sort()).toEqual([
      ["dead-transition", "Leap"],
      ["unreachable-phase", "Never"],
      ["unreachable-witness", "three"],
    ]);
    for (const v of r.violations) expect(v.trace).toBeNull();
    expect(r.witnesses.find((w) => w.name === "reached_one")).toMatchObject({ reached: true, depth: 1 });
    expect(r.coverage).toEqual({ checked: true, unreachedPhases: ["Never"], unfiredTransitions: ["Leap"] });
    expect(r.transitions).toEqual({ declared: 4, fired: 3 });
  });
});

describe("compositions", () => {
  it("reports a route whose delivery the consumer refuses, with a trace that replays", async () => {
    const kernel = await fx.composition("Refuse");
    const r = exploreComposition(kernel, { profile: "default" });
    const v = only(r, "route-refused", "ping");
    expect(v.message).toContain("rx");
    const trace = v.trace;
    if (!trace) throw new Error("no trace");
    expect(trace.steps.map((s) => [s.instance, s.route ?? "", s.trigger, s.transition])).toEqual([
      ["rx", "", "Close", "rx.Shut"],
      ["tx", "", "Send", "tx.SendPing"],
      ["rx", "ping", "Ping", null],
    ]);
    expect(trace.steps[1]?.pending).toEqual([{ route: "ping", trigger: "Ping", payload: { n: 1 } }]);
    expect(trace.initial).toEqual({ tx: { phase: "Active", sent: 0 }, rx: { phase: "Ready", last: null } });
    expect(replayTrace(trace, { kind: "composition", kernel }).reproduced).toBe(true);
    expect(r.witnesses).toEqual([expect.objectContaining({ name: "two_sent", reached: true }), expect.objectContaining({ name: "route:ping", reached: true })]);
    expect(r.invariantsChecked).toBe(1);
    expect(r.violations.map((x) => x.kind)).toEqual(["route-refused"]);
  });

  it("explores the shipped TurnstileAudit composition cleanly", async () => {
    const { turnstileAuditComposition } = await import("../generated/examples/turnstile-audit.composition.js");
    const r = exploreComposition(turnstileAuditComposition, { profile: "ci" });
    expect(r.ok).toBe(true);
    expect(r.subject).toBe("composition");
    expect(r.transitions).toEqual({ declared: 7, fired: 7 });
    const w = r.witnesses[0];
    if (!w?.trace) throw new Error("no witness trace");
    expect(replayTrace(w.trace, { kind: "composition", kernel: turnstileAuditComposition }).reproduced).toBe(true);
  });
});

// A hand-written kernel: the static checker keeps generated code in range, so out-of-range needs one
// that is wrong on purpose. Inc overflows n (0..2) on the third step; Report emits value = 3n
// outside Pct (0..5) once n is 2.
type HandState = { readonly phase: "Run"; readonly n: number };
function handKernel(): AnyKernel {
  const profile: ProfileDesc = { name: "p", domains: {}, maxDepth: null, maxCollectionSize: 3, maxStates: null, allowDeadlockIn: [], symmetry: false, intBounds: {} };
  const transition = (s: AnyState, t: AnyTrigger): TransitionResult<AnyState, string, { readonly effect: string } & Readonly<Record<string, unknown>>> => {
    const st = s as unknown as HandState;
    if (t.kind === "Inc") return { ok: true, transition: "Up", state: { phase: "Run", n: st.n + 1 }, effects: [] };
    if (t.kind === "Report") return { ok: true, transition: "Tell", state: s, effects: [{ effect: "Level", value: st.n * 3 }] };
    return { ok: false, code: "NoMatchingTransition", phase: s.phase, trigger: t.kind };
  };
  return {
    machine: "Hand",
    version: 1,
    specFile: "test/explorer-checks.test.ts",
    phases: ["Run"],
    initialPhase: "Run",
    terminalPhases: [],
    fields: [{ name: "n", type: { kind: "int", name: "Small", min: 0, max: 2 } }],
    triggers: [
      { kind: "input", name: "Inc", fields: [] },
      { kind: "input", name: "Report", fields: [] },
    ],
    queryOnly: [],
    effects: [{ name: "Level", fields: [{ name: "value", type: { kind: "int", name: "Pct", min: 0, max: 5 } }] }],
    transitions: [
      { name: "Up", from: ["Run"], on: "Inc", to: null, guards: [] },
      { name: "Tell", from: ["Run"], on: "Report", to: null, guards: [] },
    ],
    invariants: [],
    witnesses: [],
    profiles: { p: profile },
    initialState: () => ({ phase: "Run", n: 0 }),
    transition,
  };
}

describe("out-of-range", () => {
  it("reports an int field and an int effect payload outside their types, with traces that replay", () => {
    const kernel = handKernel();
    const r = exploreMachine(kernel, { profile: "p" });
    const field = only(r, "out-of-range", "n");
    expect(field.message).toContain("n = 3 is outside Small (0..2)");
    expect(field.trace?.steps.map((s) => s.transition)).toEqual(["Up", "Up", "Up"]);
    expect(field.trace?.steps[2]?.state).toEqual({ phase: "Run", n: 3 });
    const effect = only(r, "out-of-range", "Level.value");
    expect(effect.message).toContain("Level.value = 6 is outside Pct (0..5)");
    expect(effect.trace?.steps.map((s) => s.transition)).toEqual(["Up", "Up", "Tell"]);
    expect(effect.trace?.steps[2]?.effects).toEqual([{ effect: "Level", value: 6 }]);
    for (const v of [field, effect]) {
      if (!v.trace) throw new Error("no trace");
      expect(replayTrace(v.trace, { kind: "machine", kernel }).reproduced).toBe(true);
    }
    // The out-of-range successor is reported, not stored.
    expect(r.distinctStates).toBe(3);
  });
});

describe("limits and profiles", () => {
  it("stops at maxStates with a state-limit violation", async () => {
    const r = exploreMachine(await fx.machine("DepthBug"), { profile: "default", maxStates: 5 });
    expect(r.complete).toBe(false);
    expect(r.distinctStates).toBe(5);
    expect(r.violations.at(-1)).toMatchObject({ kind: "state-limit", name: "maxStates", trace: null });
    // Whole-space checks are not reported from an incomplete exploration.
    expect(r.violations.some((v) => v.kind === "unreachable-witness" || v.kind === "dead-transition")).toBe(false);
  });

  it("an unknown profile is a typed error listing the known ones", async () => {
    const kernel = await fx.machine("Stuck");
    expect(() => exploreMachine(kernel, { profile: "nope" })).toThrow(UnknownProfileError);
    try {
      exploreMachine(kernel, { profile: "nope" });
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownProfileError);
      expect((e as UnknownProfileError).known).toEqual(["strict", "lenient"]);
      expect((e as Error).message).toContain("strict, lenient");
    }
  });

  it("maxDepth stops expansion at that depth", async () => {
    const { turnstileKernel } = await import("../generated/examples/turnstile.machine.js");
    const kernel = turnstileKernel as unknown as AnyKernel;
    const ci = kernel.profiles["ci"] as ProfileDesc;
    const shallow: AnyKernel = { ...kernel, profiles: { shallow: { ...ci, name: "shallow", maxDepth: 2 } } };
    const r = exploreMachine(shallow, { profile: "shallow" });
    expect(r.depth).toBe(2);
    expect(r.maxDepth).toBe(2);
    expect(r.witnesses.find((w) => w.name === "full")?.reached).toBe(false);
  });

  it("reports progress while exploring", async () => {
    const { turnstileKernel } = await import("../generated/examples/turnstile.machine.js");
    const kernel = turnstileKernel as unknown as AnyKernel;
    const deep = kernel.profiles["deep"] as ProfileDesc;
    // Two more coins and a larger bound: a few thousand states, so several progress ticks.
    const sys = machineSystem(kernel, { ...deep, domains: { CoinId: 6 }, maxCollectionSize: 6 });
    const seen: ExploreProgress[] = [];
    const r = explore(sys, { maxStates: 1_000_000, symmetry: false, progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBe(Math.floor(r.distinctStates / 1024));
    for (const [i, p] of seen.entries()) {
      expect(p.states).toBeGreaterThanOrEqual(1024 * (i + 1));
      expect(p.states).toBeLessThanOrEqual(r.distinctStates);
      expect(p.rate).toBeGreaterThan(0);
    }
    expect(seen.map((p) => p.depth)).toEqual([...seen.map((p) => p.depth)].sort((a, b) => a - b));
  });
});

// The explorer's state counts against an independent brute force, its codecs and stores, and
// symmetry reduction (fewer states, same verdicts, traces that are still real runs).

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toJson } from "../kernel/codec.js";
import type { AnyKernel, AnyState, AnyTrigger, ProfileDesc } from "../kernel/descriptor.js";
import type { TransitionResult } from "../kernel/result.js";
import type { TypeDesc, Value } from "../kernel/types.js";
import { denseOf, OUT_OF_DOMAIN, OVER_BOUND } from "../properties/explorer/dense.js";
import { explore } from "../properties/explorer/engine.js";
import { IdSpace } from "../properties/explorer/ids.js";
import { exploreMachine, machineSystem, replayTrace } from "../properties/explorer/index.js";
import { selectProfile } from "../properties/explorer/profile.js";
import { FIXTURES, generateFixtures, type GeneratedFixtures } from "./explorer-helpers.js";

let bag: AnyKernel;
let grid: AnyKernel;

beforeAll(async () => {
  const counts: GeneratedFixtures = generateFixtures(join(FIXTURES, "count"), "explorer-count");
  bag = await counts.machine("Bag");
  const perf = generateFixtures(join(FIXTURES, "perf"), "explorer-perf");
  grid = await perf.machine("Grid");
});

/**
 * Bag's semantics written out by hand (see test/fixtures/explorer/count/bag.machine.json), explored
 * by plain recursion over (on, a, keys as a bitmask, last or -1).
 */
function bruteForceBag(nKeys: number, maxSize: number): { states: Set<string>; pruned: number } {
  type St = { readonly on: boolean; readonly a: number; readonly keys: number; readonly last: number };
  const popcount = (x: number): number => (x === 0 ? 0 : (x & 1) + popcount(x >>> 1));
  const id = (s: St): string => `${s.on ? 1 : 0}/${s.a}/${s.keys}/${s.last}`;
  const states = new Set<string>();
  let pruned = 0;
  const visit = (s: St): void => {
    if (states.has(id(s))) return;
    states.add(id(s));
    const next: St[] = [{ ...s, on: !s.on }];
    for (let k = 0; k < nKeys; k++) {
      if (s.on && (s.keys & (1 << k)) === 0) next.push({ ...s, keys: s.keys | (1 << k) });
      if (!s.on) next.push({ ...s, last: k });
    }
    if (s.a < 3) next.push({ ...s, a: s.a + 1 });
    next.push({ ...s, keys: 0, a: 0 });
    for (const n of next) {
      if (popcount(n.keys) > maxSize) pruned++;
      else visit(n);
    }
  };
  visit({ on: false, a: 0, keys: 0, last: -1 });
  return { states, pruned };
}

/** Orbits of the brute-force states under every permutation of the keys. */
function orbits(states: Set<string>, nKeys: number): number {
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  const all = perms(Array.from({ length: nKeys }, (_, i) => i));
  const canon = new Set<string>();
  for (const s of states) {
    const [on, a, keys, last] = s.split("/").map(Number) as [number, number, number, number];
    const forms = all.map((p) => {
      let k2 = 0;
      for (let k = 0; k < nKeys; k++) if (keys & (1 << k)) k2 |= 1 << (p[k] as number);
      return `${on}/${a}/${k2}/${last < 0 ? -1 : p[last]}`;
    });
    canon.add(forms.sort()[0] as string);
  }
  return canon.size;
}

describe("state counts", () => {
  it("matches a brute-force enumeration, pruned successors included", () => {
    const expected = bruteForceBag(3, 2);
    const r = exploreMachine(bag, { profile: "small" });
    expect(r.distinctStates).toBe(expected.states.size);
    expect(r.pruned).toBe(expected.pruned);
    expect(r.pruned).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  });

  it("matches it for a wider profile too", () => {
    const expected = bruteForceBag(4, 4);
    const r = exploreMachine(bag, { profile: "wide" });
    expect(r.distinctStates).toBe(expected.states.size);
    expect(r.pruned).toBe(0);
    // The invariant keys.size <= 3 breaks once four keys are in: Toggle then four Adds.
    expect(r.violations.map((v) => [v.kind, v.name])).toEqual([["invariant", "bounded"]]);
    expect(r.violations[0]?.trace?.steps).toHaveLength(5);
  });

  it("the hash-set store and the bitset store agree", () => {
    const sys = machineSystem(grid, selectProfile("Grid", grid.profiles, "small"));
    const a = explore(sys, { maxStates: 1_000_000, symmetry: false, store: "auto" });
    const b = explore(sys, { maxStates: 1_000_000, symmetry: false, store: "hash" });
    // Every combination of Grid's small profile is reachable: 2 phases x 12 x 12 x 8 x 8 token sets x 4 holders.
    expect(a.distinctStates).toBe(2 * 12 * 12 * 8 * 8 * 4);
    expect(b.distinctStates).toBe(a.distinctStates);
    expect(b.depth).toBe(a.depth);
    expect(a.bytesPerState).toBeLessThan(200);
    expect(b.bytesPerState).toBeLessThan(200);
  });
});

describe("symmetry reduction", () => {
  it("stores one state per orbit here (one Set and one Option of ids), with the same verdicts", () => {
    const expected = bruteForceBag(4, 4);
    const plain = exploreMachine(bag, { profile: "wide" });
    const sym = exploreMachine(bag, { profile: "wide", symmetry: true });
    expect(sym.symmetry).toBe(true);
    expect(sym.distinctStates).toBeLessThan(plain.distinctStates);
    // One state per orbit of the key permutations (see also test/explorer-symmetry.test.ts).
    expect(sym.distinctStates).toBe(orbits(expected.states, 4));
    expect(sym.violations.map((v) => [v.kind, v.name])).toEqual(plain.violations.map((v) => [v.kind, v.name]));
    expect(sym.witnesses.map((w) => [w.name, w.reached, w.depth])).toEqual(plain.witnesses.map((w) => [w.name, w.reached, w.depth]));
  });

  it("keeps traces concrete: they replay against the kernel", () => {
    const sym = exploreMachine(bag, { profile: "wide", symmetry: true });
    const v = sym.violations[0];
    if (!v?.trace) throw new Error("no trace");
    expect(v.trace.steps).toHaveLength(5);
    const added = v.trace.steps.filter((s) => s.trigger === "Add").map((s) => s.payload["k"]);
    expect(new Set(added).size).toBe(4);
    expect(replayTrace(v.trace, { kind: "machine", kernel: bag }).reproduced).toBe(true);
    for (const w of sym.witnesses) {
      if (!w.trace) throw new Error(`no trace for ${w.name}`);
      expect(replayTrace(w.trace, { kind: "machine", kernel: bag }).reproduced).toBe(true);
    }
  });
});

describe("dense codecs", () => {
  const profile: ProfileDesc = { name: "t", domains: { K: 3 }, maxDepth: null, maxCollectionSize: 2, maxStates: null, allowDeadlockIn: [], symmetry: false, intBounds: {} };
  const ctx = { ids: new IdSpace(profile), maxCollectionSize: 2 };
  const color: TypeDesc = { kind: "enum", name: "Color", values: ["Red", "Green", "Blue"] };
  const k: TypeDesc = { kind: "id", name: "K" };
  const small: TypeDesc = { kind: "int", name: "Small", min: -1, max: 2 };
  const types: readonly [string, TypeDesc, number][] = [
    ["bool", { kind: "bool" }, 2],
    ["int", small, 4],
    ["enum", color, 3],
    ["id", k, 3],
    ["Option<K>", { kind: "option", of: k }, 4],
    ["Set<K>", { kind: "set", of: k }, 1 + 3 + 3],
    ["Seq<Color>", { kind: "seq", of: color }, 1 + 3 + 9],
    ["Map<K, Small>", { kind: "map", key: k, value: small }, 1 + 3 * 4 + 3 * 16],
    ["Map<K, Set<Color>>", { kind: "map", key: k, value: { kind: "set", of: color } }, 1 + 3 * 7 + 3 * 49],
  ];
  for (const [name, type, size] of types) {
    it(`${name}: index and value are inverse bijections on 0..${size - 1}`, () => {
      const d = denseOf(type, ctx);
      expect(d.size).toBe(size);
      const seen = new Set<string>();
      for (let i = 0; i < d.size; i++) {
        const v = d.value(i);
        expect(d.index(v)).toBe(i);
        seen.add(JSON.stringify(toJson(type, v)));
      }
      expect(seen.size).toBe(size);
    });
  }

  it("flags values outside the type and collections over the bound", () => {
    expect(denseOf(small, ctx).index(3)).toBe(OUT_OF_DOMAIN);
    expect(denseOf(k, ctx).index("K#9")).toBe(OUT_OF_DOMAIN);
    expect(denseOf({ kind: "set", of: k }, ctx).index(new Set<Value>(["K#1", "K#2", "K#3"]))).toBe(OVER_BOUND);
    expect(denseOf({ kind: "seq", of: color }, ctx).index(["Red", "Red", "Red"])).toBe(OVER_BOUND);
    expect(denseOf({ kind: "option", of: small }, ctx).index(7)).toBe(OUT_OF_DOMAIN);
  });
});

describe("string keys", () => {
  it("explores with string keys when the key space exceeds 2^53", () => {
    const big: TypeDesc = { kind: "int", name: "Big", min: 0, max: 2 ** 40 };
    const profile: ProfileDesc = { name: "p", domains: {}, maxDepth: null, maxCollectionSize: 2, maxStates: null, allowDeadlockIn: [], symmetry: false, intBounds: {} };
    type S = { readonly phase: "P"; readonly x: number; readonly y: number };
    const transition = (s: AnyState, t: AnyTrigger): TransitionResult<AnyState, string, { readonly effect: string }> => {
      const st = s as unknown as S;
      if (t.kind === "X" && st.x < 3) return { ok: true, transition: "IncX", state: { ...st, x: st.x + 1 }, effects: [] };
      if (t.kind === "Y" && st.y < 2) return { ok: true, transition: "IncY", state: { ...st, y: st.y + 1 }, effects: [] };
      return { ok: false, code: "NoMatchingTransition", phase: s.phase, trigger: t.kind };
    };
    const kernel: AnyKernel = {
      machine: "Wide",
      version: 1,
      specFile: "test/explorer-count.test.ts",
      phases: ["P"],
      initialPhase: "P",
      terminalPhases: [],
      fields: [
        { name: "x", type: big },
        { name: "y", type: big },
      ],
      triggers: [
        { kind: "input", name: "X", fields: [] },
        { kind: "input", name: "Y", fields: [] },
      ],
      queryOnly: [],
      effects: [],
      transitions: [
        { name: "IncX", from: ["P"], on: "X", to: null, guards: [] },
        { name: "IncY", from: ["P"], on: "Y", to: null, guards: [] },
      ],
      invariants: [{ name: "y_small", source: "y < 2", holds: (s) => (s as unknown as S).y < 2 }],
      witnesses: [],
      profiles: { p: profile },
      initialState: () => ({ phase: "P", x: 0, y: 0 }),
      transition,
    };
    const r = exploreMachine(kernel, { profile: "p" });
    expect(r.keyKind).toBe("string");
    expect(r.distinctStates).toBe(4 * 3);
    expect(r.violations.map((v) => [v.kind, v.name, v.trace?.steps.length])).toEqual([
      ["invariant", "y_small", 2],
      ["deadlock", "P", 5],
    ]);
  });
});

describe("profile int bounds", () => {
  it("narrows an int type for exploration and prunes values beyond the bound", () => {
    const counter: TypeDesc = { kind: "int", name: "Counter", min: 0, max: 1000 };
    const profile: ProfileDesc = { name: "p", domains: {}, maxDepth: null, maxCollectionSize: 2, maxStates: null, allowDeadlockIn: [], symmetry: false, intBounds: { Counter: { min: 0, max: 3 } } };
    type S = { readonly phase: "P"; readonly n: number };
    const transition = (s: AnyState, t: AnyTrigger): TransitionResult<AnyState, string, { readonly effect: string }> => {
      const st = s as unknown as S;
      if (t.kind === "Inc" && st.n < 1000) return { ok: true, transition: "Inc", state: { phase: "P", n: st.n + 1 }, effects: [] };
      return { ok: false, code: "NoMatchingTransition", phase: "P", trigger: t.kind };
    };
    const kernel: AnyKernel = {
      machine: "Bounded", version: 1, specFile: "(test)", phases: ["P"], initialPhase: "P", terminalPhases: [],
      fields: [{ name: "n", type: counter }], triggers: [{ kind: "input", name: "Inc", fields: [] }], queryOnly: [], effects: [],
      transitions: [{ name: "Inc", from: ["P"], on: "Inc", to: null, guards: [] }], invariants: [], witnesses: [],
      profiles: { p: profile }, initialState: () => ({ phase: "P", n: 0 }), transition,
    };
    const r = exploreMachine(kernel, { profile: "p" });
    // 0..3 are explored; the step to 4 is pruned, not reported as out of range.
    expect(r.distinctStates).toBe(4);
    expect(r.pruned).toBeGreaterThan(0);
    expect(r.violations.filter((v) => v.kind === "out-of-range")).toEqual([]);
  });
});

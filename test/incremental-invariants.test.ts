// The incremental invariant check (kernel/invariants.ts) must decide exactly what evaluating every
// invariant decides. Random walks over every shipped machine give reachable (invariant-satisfying)
// states; states built by swapping fields between them break invariants in many ways; on every pair
// the incremental answer must equal the full one, with and without the generated `changedFields`
// and with more than 32 invariants. The generated `reads` lists must cover every field a predicate
// actually touches.

import { describe, expect, it } from "vitest";
import { intern, invariantChecker, MachineInstance, type AnyKernel, type AnyState, type AnyTrigger, type PredicateDesc, type TypeDesc, type Value } from "../kernel/index.js";
import { sessionRuntimeKernel } from "../generated/session.machine.js";
import { turnKernel } from "../generated/turn.machine.js";
import { opsLifecycleKernel } from "../generated/ops.machine.js";
import { mobKernel } from "../generated/mob.machine.js";
import { turnstileKernel, type TurnstileState } from "../generated/examples/turnstile.machine.js";
import { counterKernel } from "../generated/examples/counter.machine.js";

const KERNELS = [sessionRuntimeKernel, turnKernel, opsLifecycleKernel, mobKernel, turnstileKernel, counterKernel] as unknown as AnyKernel[];

/** xorshift32: reproducible runs. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

function randomValue(t: TypeDesc, r: () => number): Value {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  switch (t.kind) {
    case "bool":
      return r() < 0.5;
    case "int":
      return t.min + Math.floor(r() * (Math.min(t.max, t.min + 3) - t.min + 1));
    case "enum":
      return pick(t.values);
    case "id":
      return pick(["a", "b", "c"]);
    case "option":
      return r() < 0.3 ? null : randomValue(t.of, r);
    case "set":
      return new Set(Array.from({ length: Math.floor(r() * 3) }, () => randomValue(t.of, r)));
    case "seq":
      return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(t.of, r));
    case "map":
      return new Map(Array.from({ length: Math.floor(r() * 3) }, () => [randomValue(t.key, r), randomValue(t.value, r)] as const));
    case "record":
      return intern(Object.fromEntries(t.fields.map((f) => [f.name, randomValue(f.type, r)])));
    case "tuple":
      return intern(t.items.map((x) => randomValue(x, r)));
  }
}

function fullCheck(kernel: AnyKernel, s: AnyState): string[] | null {
  const broken = kernel.invariants.filter((inv) => !inv.holds(s)).map((inv) => inv.name);
  return broken.length > 0 ? broken : null;
}

/** Reachable states of a random walk (restarting now and then), every one satisfying all invariants. */
function reachable(kernel: AnyKernel, seed: number, steps: number): AnyState[] {
  const r = rng(seed);
  const out: AnyState[] = [];
  let s = kernel.initialState();
  for (let i = 0; i < steps; i++) {
    if (r() < 0.02) s = kernel.initialState();
    const desc = kernel.triggers[Math.floor(r() * kernel.triggers.length)];
    if (desc === undefined) break;
    const trigger: Record<string, Value> = { kind: desc.name };
    for (const f of desc.fields) trigger[f.name] = randomValue(f.type, r);
    const result = kernel.transition(s, trigger as unknown as AnyTrigger);
    if (!result.ok) continue;
    s = result.state;
    out.push(s);
  }
  return out;
}

/** `base` with each field (and the phase) taken from `donor` with probability p. */
function mix(kernel: AnyKernel, base: AnyState, donor: AnyState, r: () => number, p: number): AnyState {
  const out: Record<string, unknown> = { ...base };
  for (const key of ["phase", ...kernel.fields.map((f) => f.name)]) if (r() < p) out[key] = donor[key];
  return out as AnyState;
}

describe("incremental invariant checking", () => {
  for (const kernel of KERNELS) {
    describe(kernel.machine, () => {
      const states = reachable(kernel, 0x5eed + kernel.machine.length, 4000);

      it("walks only through states that satisfy every invariant", () => {
        expect(states.length).toBeGreaterThan(50);
        for (const s of states) expect(fullCheck(kernel, s)).toBeNull();
      });

      it("names every field a predicate reads", () => {
        for (const p of [...kernel.invariants, ...kernel.witnesses] as PredicateDesc<AnyState>[]) {
          expect(p.reads, p.name).toBeDefined();
          for (const s of states.slice(0, 400)) {
            const touched = new Set<string>();
            const spy = new Proxy(s, { get: (target, key) => (typeof key === "string" && touched.add(key), Reflect.get(target, key)) });
            p.holds(spy);
            for (const key of touched) expect(p.reads, `${p.name} reads ${key}`).toContain(key);
          }
        }
      });

      it("finds exactly the broken invariants a full check finds", () => {
        const r = rng(7 + kernel.machine.length);
        const variants: AnyKernel[] = [
          kernel,
          { ...kernel, changedFields: undefined },
          { ...kernel, invariants: [...kernel.invariants, ...kernel.invariants, ...kernel.invariants.map((inv) => ({ ...inv, reads: undefined }))] },
        ];
        let broken = 0;
        for (const variant of variants) {
          const checker = invariantChecker(variant);
          for (let i = 0; i < 3000; i++) {
            const prev = states[Math.floor(r() * states.length)] as AnyState;
            const donor = states[Math.floor(r() * states.length)] as AnyState;
            const next = r() < 0.1 ? prev : mix(kernel, prev, donor, r, r() < 0.5 ? 0.15 : 0.5);
            const expected = fullCheck(variant, next);
            if (expected !== null) broken++;
            expect(checker.broken(prev, next)).toEqual(expected);
            expect(checker.broken(null, next)).toEqual(expected);
          }
        }
        if (kernel.invariants.length > 1) expect(broken).toBeGreaterThan(0);
      });
    });
  }

  it("checks every invariant on the first stage of an instance built from an unchecked state", () => {
    const strict = {
      ...turnstileKernel,
      invariants: [{ name: "few_coins", source: "coins < 2", reads: ["coins"], holds: (s: TurnstileState) => s.coins < 2 }],
    };
    const bad: TurnstileState = { phase: "Locked", coins: 2, lastCoin: null, seen: new Set(["a", "b"]) };
    // Break changes only the phase: the violated invariant does not read it, yet it is reported.
    const m = new MachineInstance(strict, bad);
    expect(m.apply({ kind: "Kick" })).toMatchObject({ ok: false, code: "InvariantViolated", invariants: ["few_coins"] });
    // Once a checked state is committed, later checks are incremental and still exact.
    const ok = new MachineInstance(strict);
    expect(ok.apply({ kind: "Coin", coin: "a" })).toMatchObject({ ok: true });
    expect(ok.apply({ kind: "Coin", coin: "b" })).toMatchObject({ ok: false, code: "InvariantViolated", invariants: ["few_coins"] });
  });
});

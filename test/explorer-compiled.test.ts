// The compiled successor path (properties/explorer/compiled/) against the generic kernel
// interpreter: for every shipped spec, example and explorer fixture machine, under every profile
// (symmetry off, which the compiled path needs; a state cap keeps the large ones quick), the same
// states, verdicts, coverage, witnesses and traces. Only timings and the store's layout may differ.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnyKernel } from "../kernel/descriptor.js";
import { exploreMachine, type ExploreOptions, type ExploreResult } from "../properties/explorer/index.js";
import { FIXTURES, generateFixtures, REPO, type GeneratedFixtures } from "./explorer-helpers.js";

const CAP = 40_000;

function comparable(r: ExploreResult) {
  const { durationMs: _d, cpuMs: _c, statesPerSecond: _s, peakMemoryBytes: _p, storeBytes: _b, bytesPerState: _bs, keyKind: _k, successors: _x, ...rest } = r;
  return rest;
}

const sets: Record<string, GeneratedFixtures> = {};

// The machines the compiled path does not take yet (records, tuples, id constants), with its reason:
// they still must agree with the generic path, and any other fallback fails the test.
const GENERIC_FALLBACKS: Record<string, string> = {
  "AlternatingBit/ci": "generic (not compiled: a field of kind tuple)",
  "TokenTour/ci": "generic (not compiled: a id literal)",
  "TokenTour/plain": "generic (not compiled: a id literal)",
  "TwoPhaseMessages/ci": "generic (not compiled: a record inside a collection or option)",
};
const fallbacks = (paths: Record<string, string>) => Object.fromEntries(Object.entries(paths).filter(([, p]) => p !== "compiled"));

beforeAll(() => {
  sets.shipped = generateFixtures(join(REPO, "spec"), "explorer-compiled-shipped");
  sets.examples = generateFixtures(join(REPO, "spec", "examples"), "explorer-compiled-examples");
  for (const dir of ["seeded", "count", "perf", "symmetry"]) sets[dir] = generateFixtures(join(FIXTURES, dir), `explorer-compiled-${dir}`);
});

async function machinesOf(fx: GeneratedFixtures): Promise<{ name: string; kernel: AnyKernel }[]> {
  const names = fx.specs.filter((s) => s.kind === "machine").map((s) => s.name);
  return Promise.all(names.map(async (name) => ({ name, kernel: await fx.machine(name) })));
}

/** Per machine/profile, the path the compiled attempt took; `findings` counts the violations seen. */
async function agree(set: string, findings: { n: number } = { n: 0 }): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const { name, kernel } of await machinesOf(sets[set] as GeneratedFixtures)) {
    for (const profile of Object.keys(kernel.profiles)) {
      const options: ExploreOptions = { profile, symmetry: false, maxStates: CAP };
      const compiled = exploreMachine(kernel, options);
      const generic = exploreMachine(kernel, { ...options, successors: "generic" });
      expect(generic.successors).toEqual({ path: "generic", reason: "asked for" });
      expect({ ...comparable(compiled), spec: name }).toEqual({ ...comparable(generic), spec: name });
      findings.n += compiled.violations.length;
      paths[`${name}/${profile}`] = compiled.successors?.path === "compiled" ? "compiled" : `generic (${compiled.successors?.reason})`;
    }
  }
  return paths;
}

describe("compiled and generic successors agree", () => {
  it("every shipped machine, every profile, compiled but for the declared fallbacks", async () => {
    const paths = await agree("shipped");
    expect(Object.keys(paths).length).toBeGreaterThanOrEqual(5);
    expect(fallbacks(paths)).toEqual(GENERIC_FALLBACKS);
  }, 240_000);

  it("every example machine, compiled but for the declared fallbacks", async () => {
    const paths = await agree("examples");
    expect(fallbacks(paths)).toEqual(GENERIC_FALLBACKS);
  }, 120_000);

  it("the seeded-bug fixtures: same findings and shortest traces", async () => {
    const findings = { n: 0 };
    const paths = await agree("seeded", findings);
    expect(Object.values(paths)).toContain("compiled");
    expect(findings.n).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it("the count, perf and symmetry fixtures", async () => {
    for (const set of ["count", "perf", "symmetry"]) await agree(set);
  }, 240_000);

  it("symmetry reduction and an explicit request take the generic path, with the reason", async () => {
    const k = await (sets.examples as GeneratedFixtures).machine("TwoPhase");
    expect(exploreMachine(k, { profile: "ci", symmetry: true, maxStates: 100 }).successors).toEqual({ path: "generic", reason: "symmetry reduction" });
    expect(exploreMachine(k, { profile: "ci", symmetry: false, maxStates: 100 }).successors).toEqual({ path: "compiled", reason: null });
    expect(exploreMachine(k, { profile: "ci", symmetry: false, maxStates: 100, successors: "generic" }).successors).toEqual({ path: "generic", reason: "asked for" });
  });
});

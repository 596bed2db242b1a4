// Parallel exploration (worker threads) against the serial engine: the same states, verdicts,
// coverage, witnesses and traces (so shortest counterexamples stay shortest), also when the state
// limit or maxDepth cuts the exploration short. Timings are the only fields allowed to differ.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { outputPathFor } from "../generator/emit/index.js";
import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";
import {
  exploreComposition,
  exploreCompositionParallel,
  exploreMachine,
  exploreMachineParallel,
  type ExploreOptions,
  type ExploreResult,
} from "../properties/explorer/index.js";
import { FIXTURES, generateFixtures, REPO, type GeneratedFixtures } from "./explorer-helpers.js";

let seeded: GeneratedFixtures;
let examples: GeneratedFixtures;
let shipped: GeneratedFixtures;

beforeAll(() => {
  seeded = generateFixtures(join(FIXTURES, "seeded"), "explorer-parallel-seeded");
  examples = generateFixtures(join(REPO, "spec", "examples"), "explorer-parallel-examples");
  shipped = generateFixtures(join(REPO, "spec"), "explorer-parallel-shipped");
});

/**
 * Everything but the timings, memory samples and the store's layout: one worker may take the
 * compiled successor path (word keys), the workers the generic one.
 */
function comparable(r: ExploreResult) {
  const { durationMs: _d, cpuMs: _c, statesPerSecond: _s, peakMemoryBytes: _p, storeBytes: _b, bytesPerState: _bs, keyKind: _k, successors: _x, workerTimes: _w, ...rest } = r as ExploreResult & { workerTimes?: unknown };
  return rest;
}

/** The generated module of a spec and its kernel export, for the workers to load. */
async function sourceOf(fx: GeneratedFixtures, name: string, kind: "machine" | "composition") {
  const spec = fx.specs.find((s) => s.name === name && s.kind === kind);
  if (!spec) throw new Error(`no ${kind} ${name}`);
  const moduleUrl = pathToFileURL(join(fx.outDir, outputPathFor(join(REPO, spec.file), fx.specDir))).href;
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([, v]) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[kind] === name);
  if (!entry) throw new Error(`${moduleUrl} exports no ${kind} kernel`);
  return { kernel: entry[1], source: { subject: kind, moduleUrl, exportName: entry[0] } } as const;
}

async function bothWays(fx: GeneratedFixtures, name: string, kind: "machine" | "composition", options: ExploreOptions, workers = 2): Promise<{ serial: ExploreResult; parallel: ExploreResult }> {
  const { kernel, source } = await sourceOf(fx, name, kind);
  if (kind === "machine") {
    const k = kernel as AnyKernel;
    return { serial: exploreMachine(k, options), parallel: await exploreMachineParallel(k, options, { workers, source }) };
  }
  const k = kernel as CompositionKernel<unknown>;
  return { serial: exploreComposition(k, options), parallel: await exploreCompositionParallel(k, options, { workers, source }) };
}

describe("parallel exploration gives the serial result", () => {
  it("a failing invariant: same verdict and a shortest counterexample of the same length (4 steps)", async () => {
    const { serial, parallel } = await bothWays(seeded, "DepthBug", "machine", { profile: "default" });
    expect(parallel.ok).toBe(false);
    const trace = parallel.violations.find((v) => v.kind === "invariant")?.trace;
    expect(trace?.steps).toHaveLength(4);
    expect(comparable(parallel)).toEqual(comparable(serial));
  });

  it("deadlocks, dead transitions, determinism and route refusals", async () => {
    for (const [name, kind] of [
      ["Stuck", "machine"],
      ["Dead", "machine"],
      ["Overlap", "machine"],
      ["Refuse", "composition"],
    ] as const) {
      const fx = seeded;
      const spec = fx.specs.find((s) => s.name === name && s.kind === kind);
      if (!spec) throw new Error(`no ${kind} ${name} in the seeded fixtures`);
      const { serial, parallel } = await bothWays(fx, name, kind, { profile: spec.profiles[0]?.name ?? "default" }, name === "Refuse" ? 3 : 2);
      expect(serial.ok, name).toBe(false);
      expect(comparable(parallel), name).toEqual(comparable(serial));
    }
  });

  it("a shipped example composition", async () => {
    const spec = examples.specs.find((s) => s.kind === "composition");
    if (!spec) throw new Error("no composition in spec/examples");
    const { serial, parallel } = await bothWays(examples, spec.name, "composition", { profile: spec.profiles[0]?.name ?? "ci" });
    expect(serial.ok).toBe(true);
    expect(serial.distinctStates).toBeGreaterThan(10);
    expect(comparable(parallel)).toEqual(comparable(serial));
  });

  it("a shipped machine cut short by the state limit, bounded by maxDepth, and with pruned successors", async () => {
    const limited = await bothWays(shipped, "OpsLifecycle", "machine", { profile: "ci", maxStates: 5000 });
    expect(limited.serial.complete).toBe(false);
    expect(limited.serial.violations.map((v) => v.kind)).toContain("state-limit");
    expect(comparable(limited.parallel)).toEqual(comparable(limited.serial));
    const lease = shipped.specs.find((s) => s.kind === "machine" && s.file.endsWith("lease.machine.json"));
    if (!lease) throw new Error("no spec/lease.machine.json");
    const { kernel, source } = await sourceOf(shipped, lease.name, "machine");
    const k = kernel as AnyKernel;
    const ci = k.profiles["ci"];
    if (!ci) throw new Error("lease has no ci profile");
    // The workers explore the coordinator's profile, so a narrowed one applies to them too.
    const shallow: AnyKernel = { ...k, profiles: { ...k.profiles, ci: { ...ci, maxDepth: 12 } } };
    const serial = exploreMachine(shallow, { profile: "ci" });
    const parallel = await exploreMachineParallel(shallow, { profile: "ci" }, { workers: 2, source });
    expect(serial.bounded?.beyondMaxDepth ?? 0).toBeGreaterThan(0);
    expect(serial.pruned).toBeGreaterThan(0);
    expect(comparable(parallel)).toEqual(comparable(serial));
  });
});

describe("partitioned parallel exploration (compiled machines)", () => {
  it("3 and 4 workers give the serial result, complete and cut at several state limits", async () => {
    for (const [workers, maxStates] of [
      [3, undefined],
      [4, undefined],
      [2, 1],
      [2, 777],
      [3, 4321],
      [4, 12_345],
    ] as const) {
      const { serial, parallel } = await bothWays(shipped, "OpsLifecycle", "machine", { profile: "ci", ...(maxStates ? { maxStates } : {}) }, workers);
      const label = `${workers} workers, maxStates ${maxStates ?? "none"}`;
      expect(parallel.successors?.path, label).toBe("compiled");
      // One partition per worker, each reporting its busy and idle time.
      expect((parallel as ExploreResult & { workerTimes?: unknown[] }).workerTimes, label).toHaveLength(workers);
      expect(parallel.complete, label).toBe(maxStates === undefined);
      expect(comparable(parallel), label).toEqual(comparable(serial));
    }
  });

  it("stores a state in a few bytes more than its key words (no per-worker copy of the seen-set)", async () => {
    const { serial, parallel } = await bothWays(shipped, "OpsLifecycle", "machine", { profile: "ci" });
    expect(parallel.distinctStates).toBe(serial.distinctStates);
    expect(parallel.bytesPerState).toBeLessThanOrEqual(serial.bytesPerState + 8);
  });
});

describe("parallel exploration setup", () => {
  it("a worker that cannot load the kernel fails the exploration with a message naming the module", async () => {
    const { kernel } = await sourceOf(seeded, "DepthBug", "machine");
    const moduleUrl = pathToFileURL(join(seeded.outDir, "missing.machine.ts")).href;
    // Generic successors: the workers load the kernel (compiled ones get the compiled source instead).
    await expect(exploreMachineParallel(kernel as AnyKernel, { profile: "default", successors: "generic" }, { workers: 2, source: { subject: "machine", moduleUrl, exportName: "depthBugKernel" } })).rejects.toThrow(/failed to start: .*missing\.machine\.ts/);
  });
});

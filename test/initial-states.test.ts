// Several initial states (a field's `init` as `{ "oneOf": ... }`): the generated initialStates(),
// the explorer seeding every one as a root (serial and parallel), the initial-state count, traces
// that start in the root they descend from, and replay of such traces.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { outputPathFor } from "../generator/emit/index.js";
import type { AnyKernel } from "../kernel/descriptor.js";
import { exploreMachine, exploreMachineParallel } from "../properties/explorer/index.js";
import { replayTrace } from "../properties/explorer/replay.js";
import { dieHardAnyStartKernel, initialState, initialStates } from "../generated/examples/die-hard-any-start.machine.js";
import { FIXTURES, generateFixtures, REPO, type GeneratedFixtures } from "./explorer-helpers.js";
import { baseMachine, check } from "./helpers/spec.js";

let fx: GeneratedFixtures;
let seeds: AnyKernel;

beforeAll(async () => {
  fx = generateFixtures(join(FIXTURES, "initial"), "initial-states");
  seeds = await fx.machine("Seeds");
});

describe("generated initial states", () => {
  it("initialStates() is every combination of the choices, first field slowest, initialState() first", () => {
    const all = initialStates().map((s) => [s.small, s.big]);
    expect(all).toEqual([[0, 0], [0, 2], [1, 0], [1, 2], [2, 0], [2, 2], [3, 0], [3, 2]]);
    expect(initialState()).toEqual(initialStates()[0]);
  });

  it("a machine with one initial state lists it alone", async () => {
    const { initialStates: one, initialState: first } = await import("../generated/examples/die-hard.machine.js");
    expect(one()).toEqual([first()]);
  });
});

describe("the explorer seeds every initial state", () => {
  it("DieHard from any fill of the small jug and 0 or 2 in the big one: 8 initial states, 18 states", () => {
    const r = exploreMachine(dieHardAnyStartKernel as unknown as AnyKernel, { profile: "ci" });
    expect(r.ok).toBe(true);
    expect(r.initialStates).toBe(8);
    expect(r.distinctStates).toBe(18);
    // (2, 2) is an initial state, so its witness holds at depth 0 with an empty trace from that root.
    const half = r.witnesses.find((w) => w.name === "starts_half_full");
    expect(half?.depth).toBe(0);
    expect(half?.trace?.initial).toMatchObject({ small: 2, big: 2 });
    expect(half?.trace?.steps).toEqual([]);
  });

  it("a counterexample starts at the initial state it descends from, and replays", () => {
    const r = exploreMachine(seeds, { profile: "ci" });
    expect(r.initialStates).toBe(4);
    const v = r.violations.find((x) => x.kind === "invariant" && x.name === "level_below_two");
    // The first initial state (level 0) needs two bumps; the third (level 2, Red) breaks it at once.
    expect(v?.trace?.initial).toMatchObject({ level: 2, mode: "Red" });
    expect(v?.trace?.steps).toEqual([]);
    if (!v?.trace) throw new Error("no trace");
    expect(replayTrace(v.trace, { kind: "machine", kernel: seeds }).reproduced).toBe(true);
  });

  it("a witness reachable only from a later initial state has a trace from that root, which replays", () => {
    const r = exploreMachine(seeds, { profile: "ci" });
    const w = r.witnesses.find((x) => x.name === "painted");
    expect(w?.trace?.initial).toMatchObject({ level: 0, mode: "Green" });
    expect(w?.trace?.steps.map((s) => s.transition)).toEqual(["PaintGreen"]);
    if (!w?.trace) throw new Error("no trace");
    expect(replayTrace(w.trace, { kind: "machine", kernel: seeds })).toMatchObject({ reproduced: true });
  });

  it("replay refuses a trace whose initial state is none of the initial states", () => {
    const r = exploreMachine(seeds, { profile: "ci" });
    const w = r.witnesses.find((x) => x.name === "painted");
    if (!w?.trace) throw new Error("no trace");
    const forged = { ...w.trace, initial: { ...w.trace.initial, level: 1 } };
    expect(replayTrace(forged, { kind: "machine", kernel: seeds })).toMatchObject({ reproduced: false, message: "the trace's initial state is none of the 4 initial states" });
  });

  it("parallel exploration seeds the same roots and finds the same traces", async () => {
    const spec = fx.specs.find((s) => s.name === "Seeds");
    if (!spec) throw new Error("no Seeds");
    const moduleUrl = pathToFileURL(join(fx.outDir, outputPathFor(join(REPO, spec.file), fx.specDir))).href;
    const serial = exploreMachine(seeds, { profile: "ci" });
    const parallel = await exploreMachineParallel(seeds, { profile: "ci" }, { workers: 2, source: { subject: "machine", moduleUrl, exportName: "seedsKernel" } });
    expect(parallel.initialStates).toBe(serial.initialStates);
    expect(parallel.distinctStates).toBe(serial.distinctStates);
    expect(parallel.violations.map((v) => v.trace)).toEqual(serial.violations.map((v) => v.trace));
    expect(parallel.witnesses.map((w) => w.trace)).toEqual(serial.witnesses.map((w) => w.trace));
  });
});

describe("checking oneOf initial values", () => {
  const withInit = (init: unknown) => {
    const m = baseMachine();
    (m.state.fields as Record<string, unknown>)["n"] = { type: "Small", init };
    return check(m).diagnostics.map((d) => [d.code, d.pointer]);
  };
  it("accepts a list and a finite type", () => {
    expect(withInit({ oneOf: ["0", "3"] })).toEqual([]);
    expect(withInit({ oneOf: "Small" })).toEqual([]);
  });
  it("locates a value that does not fit, a repeated value, an id type and an unknown type", () => {
    expect(withInit({ oneOf: ["0", "4"] })).toEqual([["int-overflow", "/state/fields/n/init/oneOf/1"]]);
    expect(withInit({ oneOf: ["1", "1"] })).toEqual([["duplicate-name", "/state/fields/n/init/oneOf/1"]]);
    expect(withInit({ oneOf: "Id" })).toEqual([["type-mismatch", "/state/fields/n/init/oneOf"]]);
    expect(withInit({ oneOf: "Nope" })).toEqual([["unknown-type", "/state/fields/n/init/oneOf"]]);
    expect(withInit({ oneOf: [] })[0]?.[0]).toBe("schema");
  });
});

describe("composition initial states", () => {
  it("are every combination of the instances' initial states, the first instance varying slowest", async () => {
    const { product } = await import("../properties/explorer/initial-states.js");
    expect(product([["a1", "a2"], ["b1"], ["c1", "c2"]])).toEqual([["a1", "b1", "c1"], ["a1", "b1", "c2"], ["a2", "b1", "c1"], ["a2", "b1", "c2"]]);
    expect(product([])).toEqual([[]]);
  });
});

describe("the SPIN export", () => {
  it("refuses several initial states with the field's JSON pointer", async () => {
    const { exportPromela, PromelaUnsupportedError } = await import("../properties/promela/index.js");
    const m = baseMachine();
    (m.state.fields as Record<string, unknown>)["n"] = { type: "Small", init: { oneOf: "Small" } };
    const checked = check(m);
    if (!checked.model) throw new Error("the probe should check");
    let error: unknown = null;
    try {
      exportPromela(checked.model, "ci");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PromelaUnsupportedError);
    expect((error as InstanceType<typeof PromelaUnsupportedError>).pointer).toBe("/state/fields/n/init");
    expect((error as Error).message).toContain("a choice of 4 initial values");
  });
});

// Symmetry reduction against brute force: an unreduced breadth-first search written here (over the
// kernel's own steps), then every reached state renamed under every permutation of every id type
// at once; the reduced exploration must store exactly one state per orbit, with both the full and
// the refined canonicalizer, and keep verdicts, witness depths and replayable traces. Also the
// refusal of symmetry for order-dependent loops, bounded verdicts and `complete`.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnyKernel, CompositionKernel, ProfileDesc } from "../kernel/descriptor.js";
import { loadSpecs } from "../generator/load.js";
import { idValue, IdSpace } from "../properties/explorer/ids.js";
import { renderReport } from "../cli/check.js";
import { explore } from "../properties/explorer/engine.js";
import { compositionSystem, exploreComposition, exploreMachine, machineSystem, replayTrace, SymmetryUnsoundError, type ExploreResult, type System } from "../properties/explorer/index.js";
import { permutations } from "../properties/explorer/permutations.js";
import { selectProfile } from "../properties/explorer/profile.js";
import { BIN, FIXTURES, generateFixtures, REPO, scratchDir } from "./explorer-helpers.js";

/** A rename-aware normal form: Sets sorted, Maps sorted by key, id strings mapped through `ren`. */
function norm(v: unknown, ren: ReadonlyMap<string, string>): string {
  if (typeof v === "string") return JSON.stringify(ren.get(v) ?? v);
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (v instanceof Set) return `{${[...v].map((x) => norm(x, ren)).sort().join(",")}}`;
  if (v instanceof Map) return `M{${[...v].map(([k, x]) => `${norm(k, ren)}:${norm(x, ren)}`).sort().join(",")}}`;
  if (Array.isArray(v)) return `[${v.map((x) => norm(x, ren)).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `O{${Object.keys(o).sort().map((k) => `${k}=${norm(o[k], ren)}`).join(",")}}`;
}

function oversized(v: unknown, max: number): boolean {
  if (v === null || typeof v !== "object") return false;
  if (v instanceof Set) return v.size > max || [...v].some((x) => oversized(x, max));
  if (v instanceof Map) return v.size > max || [...v.values()].some((x) => oversized(x, max));
  if (Array.isArray(v)) return v.length > max || v.some((x) => oversized(x, max));
  return Object.values(v as Record<string, unknown>).some((x) => oversized(x, max));
}

/** Every renaming of the profile's ids (all types at once), as value → value maps. */
function renamings(profile: ProfileDesc): Map<string, string>[] {
  let out: Map<string, string>[] = [new Map()];
  for (const [type, n] of Object.entries(profile.domains)) {
    out = out.flatMap((base) =>
      permutations(n).map((p) => {
        const m = new Map(base);
        for (let i = 0; i < n; i++) m.set(idValue(type, i, n), idValue(type, p[i] as number, n));
        return m;
      }),
    );
  }
  return out;
}

/** Unreduced BFS over the system's steps, within maxCollectionSize and maxDepth; states and orbits. */
function bruteForce<S>(sys: System<S>): { states: number; orbits: number } {
  const none = new Map<string, string>();
  const seen = new Map<string, S>();
  let level: S[] = [];
  for (const s0 of sys.initialStates()) {
    if (seen.has(norm(s0, none))) continue;
    seen.set(norm(s0, none), s0);
    level.push(s0);
  }
  for (let depth = 0; level.length > 0 && (sys.profile.maxDepth === null || depth < sys.profile.maxDepth); depth++) {
    const next: S[] = [];
    for (const s of level) {
      for (let c = sys.choicesFrom(s); c < sys.choicesTo(s); c++) {
        const r = sys.step(s, c);
        if (!r.ok || oversized(r.state, sys.profile.maxCollectionSize)) continue;
        const k = norm(r.state, none);
        if (seen.has(k)) continue;
        seen.set(k, r.state);
        next.push(r.state);
      }
    }
    level = next;
  }
  const rens = renamings(sys.profile);
  const orbits = new Set<string>();
  for (const s of seen.values()) {
    let best: string | null = null;
    for (const ren of rens) {
      const k = norm(s, ren);
      if (best === null || k < best) best = k;
    }
    orbits.add(best as string);
  }
  return { states: seen.size, orbits: orbits.size };
}

const verdicts = (r: ExploreResult) => ({
  violations: r.violations.map((v) => [v.kind, v.name, v.trace?.steps.length ?? null]),
  witnesses: r.witnesses.map((w) => [w.name, w.reached, w.depth]),
});

let machines: Record<string, AnyKernel>;
let audit: CompositionKernel<unknown>;

beforeAll(async () => {
  const sym = generateFixtures(join(FIXTURES, "symmetry"), "explorer-symmetry");
  const count = generateFixtures(join(FIXTURES, "count"), "explorer-symmetry-count");
  const examples = generateFixtures(join(REPO, "spec", "examples"), "explorer-symmetry-examples");
  machines = { MapPick: await sym.machine("MapPick"), Mixed: await sym.machine("Mixed"), Votes: await sym.machine("Votes"), Bag: await count.machine("Bag") };
  audit = await examples.composition("TurnstileAudit");
});

describe("symmetry reduction is canonical (one state per orbit)", () => {
  const cases: [string, string][] = [
    ["MapPick", "ci"],
    ["MapPick", "three"],
    ["Mixed", "ci"],
    // Ids inside records and tuples (Set elements, Map keys and values, an Option, a payload).
    ["Votes", "ci"],
    ["Bag", "small"],
    ["Bag", "wide"],
  ];
  it.each(cases)("%s under %s: full and refined representatives equal the brute-force orbit count", (name, profileName) => {
    const kernel = machines[name] as AnyKernel;
    const expected = bruteForce(machineSystem(kernel, selectProfile(name, kernel.profiles, profileName)));
    const plain = exploreMachine(kernel, { profile: profileName, symmetry: false });
    const full = exploreMachine(kernel, { profile: profileName, symmetry: true });
    const refined = exploreMachine(kernel, { profile: profileName, symmetry: true, canonical: { fullLimit: 1 } });
    expect(plain.distinctStates).toBe(expected.states);
    expect(full.canonicalMethod).toBe("full");
    expect(refined.canonicalMethod).toBe("refined");
    expect(full.distinctStates).toBe(expected.orbits);
    expect(refined.distinctStates).toBe(expected.orbits);
    expect(verdicts(full)).toEqual(verdicts(plain));
    expect(verdicts(refined)).toEqual(verdicts(plain));
  });

  it("gives issue #17's minimal Map case 9 states in 6 orbits", () => {
    const k = machines["MapPick"] as AnyKernel;
    expect(exploreMachine(k, { profile: "ci", symmetry: false }).distinctStates).toBe(9);
    expect(exploreMachine(k, { profile: "ci" }).distinctStates).toBe(6);
  });

  it("is canonical over a composition's instances and delivery queue", () => {
    const profile = { ...selectProfile("TurnstileAudit", audit.profiles, "ci"), symmetry: true };
    const expected = bruteForce(compositionSystem(audit, profile, new IdSpace(profile)));
    const plain = exploreComposition(audit, { profile: "ci" });
    const full = exploreComposition(audit, { profile: "ci", symmetry: true });
    const refined = exploreComposition(audit, { profile: "ci", symmetry: true, canonical: { fullLimit: 1 } });
    expect(plain.distinctStates).toBe(expected.states);
    expect(full.distinctStates).toBe(expected.orbits);
    expect(refined.distinctStates).toBe(expected.orbits);
    expect(verdicts(full)).toEqual(verdicts(plain));
  });

  it("keeps traces found under symmetry concrete: they replay with their original values", () => {
    const kernel = machines["Mixed"] as AnyKernel;
    const r = exploreMachine(kernel, { profile: "ci" });
    const done = r.witnesses.find((w) => w.name === "done");
    if (!done?.trace) throw new Error("no trace for witness done");
    expect(done.trace.steps.length).toBeGreaterThan(1);
    expect(replayTrace(done.trace, { kind: "machine", kernel }).reproduced).toBe(true);
    const bag = machines["Bag"] as AnyKernel;
    const v = exploreMachine(bag, { profile: "wide", symmetry: true, canonical: { fullLimit: 1 } }).violations[0];
    if (!v?.trace) throw new Error("no trace");
    expect(replayTrace(v.trace, { kind: "machine", kernel: bag }).reproduced).toBe(true);
  });
});

const SYMLOOP = join(REPO, "test", "fixtures", "bad-specs", "symmetry-order-dependent-loop.machine.json");

/** The SymLoop repro with Pick's update replaced and extra fields to write to. */
function variant(update: string, symmetry: boolean): Record<string, unknown> {
  const spec = JSON.parse(readFileSync(SYMLOOP, "utf8")) as Record<string, any>;
  spec["$schema"] = "../../../spec/schema/machine.schema.json";
  Object.assign(spec["state"].fields, {
    q: { type: "Seq<P>", init: "[]" },
    t: { type: "Set<P>", init: "{}" },
    m: { type: "Map<P, bool>", init: "{}" },
    flag: { type: "bool", init: "false" },
    n: { type: "Small", init: "0" },
  });
  spec["types"]["Small"] = { kind: "int", min: 0, max: 3 };
  spec["transitions"][2].updates = [update, "q.clear(); t.clear(); m.clear(); flag = false; n = 0"];
  if (!symmetry) delete spec["check"].profiles.sym.symmetry;
  return spec;
}

function diagnosticsFor(spec: Record<string, unknown>, name: string) {
  const dir = join(scratchDir("symloop"), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "symloop.machine.json"), JSON.stringify(spec, null, 2));
  return { dir, diagnostics: loadSpecs([dir], REPO).diagnostics };
}

describe("order-dependent loops and symmetry", () => {
  it("refuses the SymLoop repro's symmetric profile with a located error naming the loop", () => {
    const { diagnostics } = loadSpecs([SYMLOOP], REPO);
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0];
    expect(d?.code).toBe("symmetry-order-dependent");
    expect(d?.file).toMatch(/symmetry-order-dependent-loop\.machine\.json$/);
    expect(d?.pointer).toBe("/transitions/2/updates/0");
    expect(d?.message).toContain("for x in s { if first.isNone { first = some(x) } }");
    expect(d?.message).toContain("profile sym");
  });

  const refused = [
    "for x in s { first = some(x) }",
    "for x in s { q.push(x) }",
    "for x in s { if t.size < 1 { t.add(x) } }",
    "for x in s { n = if n < 3 then n + 1 else 3 }",
    "for x in s { flag = !flag }",
    "for x in s { if flag { t.add(x) } else { flag = true } }",
    "for x in s { t.add(x); t.remove(a.valueOr(x)) }",
  ];
  const accepted = [
    "for x in s { t.add(x) }",
    "for x in s { m.put(x, true); t.remove(x) }",
    "for x in s { if m.getOr(x, false) { t.add(x) } else { m.put(x, true) } }",
    "for x in s { flag = true }",
    "for x in q { first = some(x) }",
    "for x in m.keys { if m.get(x) == some(true) { m.remove(x) } }",
  ];
  it.each(refused)("refuses symmetry for `%s`", (update) => {
    const { diagnostics } = diagnosticsFor(variant(update, true), "refused");
    expect(diagnostics.map((d) => [d.code, d.pointer])).toEqual([["symmetry-order-dependent", "/transitions/2/updates/0"]]);
    expect(diagnosticsFor(variant(update, false), "refused-plain").diagnostics).toEqual([]);
  });
  it.each(accepted)("accepts symmetry for `%s`", (update) => {
    expect(diagnosticsFor(variant(update, true), "accepted").diagnostics).toEqual([]);
  });

  it("the explorer refuses symmetry for the repro when asked directly, and finds the bug without it", async () => {
    const { dir } = diagnosticsFor(variant("for x in s { if first.isNone { first = some(x) } }", false), "explore");
    const kernel = await generateFixtures(dir, "symloop-gen").machine("SymLoop");
    const plain = exploreMachine(kernel, { profile: "full" });
    expect(plain.distinctStates).toBe(14);
    expect(plain.violations.map((v) => [v.kind, v.name, v.trace?.steps.map((s) => s.trigger)])).toEqual([["invariant", "first_is_a", ["SetA", "AddS", "AddS", "Pick"]]]);
    expect(() => exploreMachine(kernel, { profile: "full", symmetry: true })).toThrow(SymmetryUnsoundError);
  });
});

describe("bounded verdicts, complete profiles and --no-symmetry", () => {
  it("says ok (bounded: ...) in the table and the result when successors were pruned or cut at maxDepth", () => {
    const bag = machines["Bag"] as AnyKernel;
    const small = exploreMachine(bag, { profile: "small", symmetry: true });
    expect(small.bounded?.pruned).toBeGreaterThan(0);
    expect(small.bounded?.beyondMaxDepth).toBe(0);
    const table = renderReport([{ spec: "bag.machine.json", result: small, traceFiles: small.violations.map(() => null), witnessFiles: small.witnesses.map(() => null) }], false);
    if (small.ok) expect(table).toMatch(/\(sym\).*ok \(bounded: pruned\)/);
    expect(table).toContain("bounded verdict:");
    const audited = exploreComposition(audit, { profile: "ci" });
    expect(audited.bounded).toBeNull();
    const capped = explore(machineSystem(bag, { ...selectProfile("Bag", bag.profiles, "small"), maxDepth: 2 }), { maxStates: 1e6, symmetry: false });
    expect(capped.bounded?.beyondMaxDepth).toBeGreaterThan(0);
  });

  it("fails a complete profile that pruned, and passes the completeness check of one that did not", () => {
    const bag = machines["Bag"] as AnyKernel;
    const base = selectProfile("Bag", bag.profiles, "small");
    const strict = explore(machineSystem(bag, { ...base, complete: true }), { maxStates: 1e6, symmetry: false });
    expect(strict.ok).toBe(false);
    expect(strict.violations.map((v) => v.kind)).toContain("incomplete");
    const whole = explore(machineSystem(bag, { ...base, maxCollectionSize: 3, complete: true }), { maxStates: 1e6, symmetry: false });
    expect(whole.bounded).toBeNull();
    expect(whole.violations.map((v) => v.kind)).not.toContain("incomplete");
  });

  it("meerkat check --no-symmetry turns a profile's symmetry off; the schema takes complete", () => {
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: "utf8" });
    const dir = scratchDir("no-symmetry");
    const spec = join(dir, "spec");
    const out = join(dir, "generated");
    mkdirSync(spec, { recursive: true });
    const pick = JSON.parse(readFileSync(join(FIXTURES, "symmetry", "mappick.machine.json"), "utf8")) as Record<string, any>;
    pick["$schema"] = "../../../../spec/schema/machine.schema.json";
    pick["check"].profiles.ci.complete = true;
    writeFileSync(join(spec, "mappick.machine.json"), JSON.stringify(pick, null, 2));
    expect(run(["generate", "--spec", spec, "--out", out]).status).toBe(0);
    const file = join(spec, "mappick.machine.json");
    const on = run(["check", file, "--spec", spec, "--out", out, "--json"]);
    const off = run(["check", file, "--spec", spec, "--out", out, "--json", "--no-symmetry"]);
    expect(on.status).toBe(0);
    expect(off.status).toBe(0);
    const [a] = JSON.parse(on.stdout) as Record<string, unknown>[];
    const [b] = JSON.parse(off.stdout) as Record<string, unknown>[];
    expect([a?.["symmetry"], a?.["distinctStates"], a?.["verdict"], a?.["bounded"]]).toEqual([true, 6, "ok", null]);
    expect([b?.["symmetry"], b?.["distinctStates"], b?.["verdict"]]).toEqual([false, 9, "ok"]);
  }, 180_000);
});

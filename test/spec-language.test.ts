// The spec-language features of issue #18, one describe block each: what the checker accepts,
// what it refuses (with the diagnostic code), and what the generated code computes.

import { describe, expect, it } from "vitest";
import { check, codes, withTransition } from "./helpers/spec.js";

const update = (...src: string[]) => withTransition({ updates: src });

describe("narrowing on == and !=", () => {
  it("cuts the end of an interval that a != excludes", () => {
    expect(check(update("n = if n == 3 then 0 else n + 1")).diagnostics).toEqual([]);
    expect(check(update("n = if n != 0 then n - 1 else 3")).diagnostics).toEqual([]);
    expect(check(withTransition({ guards: { not_full: "n != 3" }, updates: ["n = n + 1"] })).diagnostics).toEqual([]);
  });

  it("narrows == to the compared value", () => {
    expect(check(update("n = if n == 2 then n + 1 else 0")).diagnostics).toEqual([]);
  });

  it("knows an Option compared equal to some(x) holds a value", () => {
    expect(check(withTransition({ guards: { mine: "cur == some(id)" }, updates: ["ids.add(cur.value)"] })).diagnostics).toEqual([]);
    expect(check(update("n = if some(id) != cur then 0 else tries.getOr(cur.value, 0)")).diagnostics).toEqual([]);
    expect(codes(withTransition({ guards: { other: "cur != some(id)" }, updates: ["ids.add(cur.value)"] }))).toEqual(["option-unproven"]);
  });

  it("cuts nothing for a value inside the interval", () => {
    expect(codes(update("n = if n == 1 then 0 else n + 1"))).toEqual(["int-overflow"]);
  });
});

describe("loops over a literal set", () => {
  it("types the loop variable by the literal's range", () => {
    expect(check(update("for f in {1, 2, 3} { n = f }")).diagnostics).toEqual([]);
    expect(check(update("for f in [0, 3] { n = f }")).diagnostics).toEqual([]);
  });

  it("refuses a literal that goes beyond the target's range", () => {
    expect(codes(update("for f in {1, 2, 4} { n = f }"))).toEqual(["int-overflow"]);
  });
});

describe("*, / and % on bounded ints", () => {
  it("computes the interval of each operator", async () => {
    const { arithmeticRange } = await import("../generator/expr/check.js");
    expect(arithmeticRange("*", [-2, 3], [4, 5])).toEqual([-10, 15]);
    expect(arithmeticRange("/", [-7, 7], [2, 3])).toEqual([-4, 3]);
    expect(arithmeticRange("%", [0, 2], [3, 5])).toEqual([0, 2]);
    expect(arithmeticRange("%", [-9, 9], [4, 4])).toEqual([0, 3]);
    expect(arithmeticRange("%", [0, 1], [1, Infinity])).toEqual([0, 1]);
  });

  it("accepts products and quotients that fit, and refuses those that may not", () => {
    expect(check(update("n = n * 2 % 4", "n = n / 2 + 1")).diagnostics).toEqual([]);
    expect(check(withTransition({ guards: { small: "n < 2" }, updates: ["n = n * 2 + 1"] })).diagnostics).toEqual([]);
    expect(codes(update("n = n * 2"))).toEqual(["int-overflow"]);
  });

  it("needs a divisor proven to be at least 1", () => {
    expect(codes(update("n = 3 / n"))).toEqual(["division-by-zero"]);
    expect(codes(update("n = n % (n - 1)"))).toEqual(["division-by-zero"]);
    expect(check(withTransition({ guards: { positive: "n > 0" }, updates: ["n = 3 / n"] })).diagnostics).toEqual([]);
  });

  it("rounds down and keeps remainders non-negative in generated code", async () => {
    const { floorMod } = await import("../kernel/values.js");
    expect([floorMod(-7, 2), floorMod(7, 2), floorMod(-4, 4)]).toEqual([1, 1, 0]);
    const { hourClockKernel } = await import("../generated/examples/hour-clock.machine.js");
    let s = hourClockKernel.initialState();
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = hourClockKernel.transition(s, { kind: "Tick" });
      if (!r.ok) throw new Error("Tick refused");
      s = r.state;
      seen.push(s.angle, s.quarter);
    }
    expect(s).toEqual(hourClockKernel.initialState());
    expect(seen.slice(20)).toEqual([0, 3, 30, 0]);
  });
});

describe("map and set literals", () => {
  const withFields = (fields: Record<string, { type: string; init: string }>, t: Parameters<typeof withTransition>[0] = {}) => {
    const m = withTransition(t);
    m.state.fields = { ...m.state.fields, ...fields };
    return m;
  };

  it("accepts map literals as initial values and in expressions", () => {
    expect(check(withFields({ byColor: { type: "Map<Color, Small>", init: "{Red: 0, Green: 3}" } })).diagnostics).toEqual([]);
    expect(check(withFields({ byColor: { type: "Map<Color, Small>", init: "{}" } }, { updates: ["byColor = {Red: n, Green: 1}"] })).diagnostics).toEqual([]);
    expect(check(withTransition({ guards: { g: "tries == {id: 1}" } })).diagnostics).toEqual([]);
  });

  it("refuses duplicate keys, values out of range and mistyped entries", () => {
    expect(codes(withFields({ byColor: { type: "Map<Color, Small>", init: "{Red: 0, Red: 1}" } }))).toEqual(["duplicate-name"]);
    expect(codes(withFields({ byColor: { type: "Map<Color, Small>", init: "{Red: 4}" } }))).toEqual(["int-overflow"]);
    expect(codes(withFields({ byColor: { type: "Map<Color, Small>", init: "{Red: true}" } }))).toEqual(["type-mismatch"]);
  });

  it("generates a Map with every entry", async () => {
    const { twoPhaseKernel } = await import("../generated/examples/two-phase.machine.js");
    const s = twoPhaseKernel.initialState();
    expect([...s.rmState]).toEqual([
      ["R1", "Working"],
      ["R2", "Working"],
      ["R3", "Working"],
    ]);
  });
});

describe("a finite type read as the Set of its values", () => {
  it("quantifies over and compares with every value of an enum, int or Phase type", () => {
    for (const g of ["all c in Color: c == Red || c == Green", "any k in Small: k == n", "{Red, Green} == Color", "any p in Phase: p == phase"]) {
      expect(check(withTransition({ guards: { g } })).diagnostics, g).toEqual([]);
    }
  });

  it("refuses id types, whose values are not fixed", () => {
    expect(codes(withTransition({ guards: { g: "ids == Id" } }))).toEqual(["type-mismatch"]);
  });

  it("makes TwoPhase commit only once every manager is prepared", async () => {
    const { twoPhaseKernel } = await import("../generated/examples/two-phase.machine.js");
    let s = twoPhaseKernel.initialState();
    const step = (trigger: Parameters<typeof twoPhaseKernel.transition>[1]) => {
      const r = twoPhaseKernel.transition(s, trigger);
      if (r.ok) s = r.state;
      return r.ok;
    };
    for (const rm of ["R1", "R2"] as const) {
      expect(step({ kind: "RMPrepare", rm })).toBe(true);
      expect(step({ kind: "TMRcvPrepared", rm })).toBe(true);
    }
    expect(step({ kind: "TMCommit" })).toBe(false);
    expect(step({ kind: "RMPrepare", rm: "R3" }) && step({ kind: "TMRcvPrepared", rm: "R3" })).toBe(true);
    expect(step({ kind: "TMCommit" })).toBe(true);
    expect(s.phase).toBe("Done");
  });
});

describe("set algebra and updates of sets inside maps", () => {
  const withGroups = (t: Parameters<typeof withTransition>[0]) => {
    const m = withTransition(t);
    m.state.fields = { ...m.state.fields, groups: { type: "Map<Color, Set<Id>>", init: "{}" } };
    return m;
  };

  it("types union, minus, intersect and subsetOf", () => {
    expect(check(update("ids = ids.union({id}).minus({id}).intersect(tries.keys)")).diagnostics).toEqual([]);
    expect(check(withTransition({ guards: { g: "{id}.subsetOf(ids)" } })).diagnostics).toEqual([]);
    expect(codes(withTransition({ guards: { g: "ids.union(Color) == ids" } }))).toEqual(["type-mismatch"]);
  });

  it("updates the Set stored at a key in place", () => {
    expect(check(withGroups({ updates: ["groups[color].add(id)", "groups[Red].remove(id)", "groups[Green].clear()"] })).diagnostics).toEqual([]);
    expect(codes(withGroups({ updates: ["groups[color].push(id)"] }))).toEqual(["bad-update"]);
    expect(codes(withGroups({ updates: ["tries[id].add(id)"] }))).toEqual(["bad-update"]);
  });

  it("computes them in generated code", async () => {
    const { setUnion, setMinus, setIntersect, subsetOf } = await import("../kernel/values.js");
    const a = new Set([1, 2]);
    const b = new Set([2, 3]);
    expect([...setUnion(a, b)].sort()).toEqual([1, 2, 3]);
    expect([...setMinus(a, b)]).toEqual([1]);
    expect([...setIntersect(a, b)]).toEqual([2]);
    expect([subsetOf(new Set([2]), a), subsetOf(a, b)]).toEqual([true, false]);
    expect([...a]).toEqual([1, 2]);
  });
});

describe("let and shared definitions", () => {
  const withDefs = (definitions: Record<string, string>, t: Parameters<typeof withTransition>[0] = {}) => ({ ...withTransition(t), definitions });

  it("binds a value inside an expression", () => {
    expect(check(withTransition({ guards: { g: "let m = n + 1 in m > 1 && m <= 4" } })).diagnostics).toEqual([]);
    expect(check(update("n = let half = n / 2 in half + 1")).diagnostics).toEqual([]);
    expect(codes(withTransition({ guards: { g: "let n = 1 in n > 0" } }))).toEqual(["binding-shadows-field"]);
    expect(codes(update("n = let m = n + 1 in m"))).toEqual(["int-overflow"]);
  });

  it("expands a definition where it is read, with the facts known there", () => {
    expect(check(withDefs({ next: "n + 1" }, { guards: { room: "next <= 3" }, updates: ["n = next"] })).diagnostics).toEqual([]);
    expect(check(withDefs({ sum: "n + n" }, { guards: { small: "sum <= 3" }, updates: ["n = sum"] })).diagnostics).toEqual([]);
    expect(codes(withDefs({ next: "n + 1" }, { updates: ["n = next"] }))).toEqual(["int-overflow"]);
  });

  it("reports mistakes in a definition where it is written and where it is read", () => {
    const d = check(withDefs({ bad: "id == id" }, { guards: { g: "bad" } })).diagnostics;
    expect(d.map((x) => [x.code, x.pointer])).toEqual([
      ["unknown-name", "/transitions/0/guards/g"],
      ["unknown-name", "/definitions/bad"],
    ]);
    expect(d[0]?.message).toContain("in definition bad");
    expect(codes(withDefs({ loop: "loop" }))).toEqual(["unknown-name"]);
    expect(codes(withDefs({ n: "1" }))).toEqual(["duplicate-name"]);
  });

  it("solves DieHard: the big jug reaches 4 gallons", async () => {
    const { dieHardKernel } = await import("../generated/examples/die-hard.machine.js");
    let s = dieHardKernel.initialState();
    for (const kind of ["FillBig", "BigToSmall", "EmptySmall", "BigToSmall", "FillBig", "BigToSmall"] as const) {
      const r = dieHardKernel.transition(s, { kind });
      if (!r.ok) throw new Error(`${kind} refused`);
      s = r.state;
    }
    expect([s.small, s.big]).toEqual([3, 4]);
  });
});

describe("indexed Seq access and remove-at", () => {
  it("types q.at(i) as an Option and q.removeAt(i) as an update", () => {
    expect(check(withTransition({ guards: { g: "lane.at(n) == some(id) || lane.at(0).isNone" }, updates: ["lane.removeAt(n)"] })).diagnostics).toEqual([]);
    expect(check(update("cur = lane.at(1)")).diagnostics).toEqual([]);
    expect(codes(update("ids.add(lane.at(0).value)"))).toEqual(["option-unproven"]);
    expect(codes(update("ids.removeAt(0)"))).toEqual(["bad-update"]);
    expect(codes(withTransition({ guards: { g: "lane.at(id).isSome" } }))).toEqual(["type-mismatch"]);
  });

  it("reads and removes by position in generated code, ignoring positions outside the queue", async () => {
    const { atIndex } = await import("../kernel/values.js");
    expect([atIndex(["a", "b"], 1), atIndex(["a"], 1), atIndex(["a"], -1)]).toEqual(["b", null, null]);
    const { playlistKernel } = await import("../generated/examples/playlist.machine.js");
    let s = playlistKernel.initialState();
    for (const song of ["Anthem", "Ballad", "Coda"] as const) {
      const r = playlistKernel.transition(s, { kind: "Add", song });
      if (!r.ok) throw new Error("Add refused");
      s = r.state;
    }
    const dropped = playlistKernel.transition(s, { kind: "Drop", slot: 1 });
    if (!dropped.ok) throw new Error("Drop refused");
    expect(dropped.state.queue).toEqual(["Anthem", "Coda"]);
    expect(s.queue).toEqual(["Anthem", "Ballad", "Coda"]);
    expect(playlistKernel.transition(dropped.state, { kind: "Drop", slot: 2 }).ok).toBe(false);
    const played = playlistKernel.transition(dropped.state, { kind: "Play" });
    expect(played.ok && [played.state.playing, played.state.queue]).toEqual(["Anthem", ["Coda"]]);
  });
});

describe("definitions in the contract doc", () => {
  it("lists each definition with its expression", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { REPO } = await import("./helpers/paths.js");
    const doc = readFileSync(join(REPO, "docs", "machines", "examples", "die-hard.md"), "utf8");
    expect(doc).toContain("## Definitions");
    expect(doc).toContain("| `total` | `small + big` |");
    expect(readFileSync(join(REPO, "docs", "machines", "examples", "two-phase.md"), "utf8")).not.toContain("## Definitions");
  });
});

describe("the SPIN export of the new constructs", () => {
  it("refuses a remainder of a possibly negative dividend, naming where it is", async () => {
    const { exportPromela, PromelaUnsupportedError } = await import("../properties/promela/index.js");
    const m = check(withTransition({ guards: { g: "(n - 3) % 2 == 0" } }));
    if (!m.model || m.model.kind !== "machine") throw new Error("the probe spec should check");
    let error: unknown;
    try {
      exportPromela(m.model, "ci");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PromelaUnsupportedError);
    expect((error as InstanceType<typeof PromelaUnsupportedError>).pointer).toBe("/transitions/0/guards");
    expect((error as Error).message).toContain("not supported by the SPIN export");
    const ok = check(withTransition({ guards: { g: "n % 2 == 0 && {Red: n} != {Green: 1} && lane.at(n).isNone" } }));
    if (!ok.model || ok.model.kind !== "machine") throw new Error("the probe spec should check");
    expect(exportPromela(ok.model, "ci")).toContain("proctype Probe");
  });
});

describe("per-field collection bounds in profiles", () => {
  it("bounds the named field alone while the others keep maxCollectionSize", async () => {
    const { exploreMachine } = await import("../properties/explorer/index.js");
    const { mailroomKernel } = await import("../generated/examples/mailroom.machine.js");
    expect(mailroomKernel.profiles.ci?.collectionSizes).toEqual({ tray: 2 });
    // tray: Seqs of 3 letters up to length 2 (13) or 3 (40); filed: every subset of 3 (8).
    const ci = exploreMachine(mailroomKernel, { profile: "ci" });
    const wide = exploreMachine(mailroomKernel, { profile: "wide" });
    expect([ci.distinctStates, wide.distinctStates]).toEqual([13 * 8, 40 * 8]);
    expect(ci.pruned).toBeGreaterThan(0);
  });

  it("refuses an unknown field and a field that is not a collection", () => {
    const withSizes = (sizes: Record<string, number>) => {
      const m = withTransition({});
      m.check = { profiles: { ci: { domains: { Id: 2 }, collectionSizes: sizes } } };
      return m;
    };
    expect(codes(withSizes({ nowhere: 2 }))).toEqual(["bad-profile"]);
    expect(codes(withSizes({ n: 2 }))).toEqual(["bad-profile"]);
  });

  it("is refused by the SPIN export at the profile's pointer", async () => {
    const { loadSpecs } = await import("../generator/load.js");
    const { exportPromela, PromelaUnsupportedError } = await import("../properties/promela/index.js");
    const { REPO } = await import("./helpers/paths.js");
    const { specs } = loadSpecs([`${REPO}/spec/examples/mailroom.machine.json`], REPO);
    const model = specs[0];
    if (!model || model.kind !== "machine") throw new Error("mailroom is not a machine");
    expect(() => exportPromela(model, "wide")).not.toThrow();
    try {
      exportPromela(model, "ci");
      expect.unreachable("the export accepted per-field bounds");
    } catch (e) {
      expect(e).toBeInstanceOf(PromelaUnsupportedError);
      expect((e as InstanceType<typeof PromelaUnsupportedError>).pointer).toBe("/check/profiles/ci/collectionSizes");
    }
  });
});

describe("per-field collection bounds in a composition", () => {
  it("bounds instance.field and the delivery queue while exploring", async () => {
    const { compositionSystem } = await import("../properties/explorer/index.js");
    const { explore } = await import("../properties/explorer/engine.js");
    const { turnstileAuditComposition: audit } = await import("../generated/examples/turnstile-audit.composition.js");
    const base = audit.profiles.ci;
    if (!base) throw new Error("TurnstileAudit has no ci profile");
    const run = (collectionSizes?: Record<string, number>) =>
      explore(compositionSystem(audit, collectionSizes ? { ...base, collectionSizes } : base), { maxStates: 1e6, symmetry: false });
    const whole = run();
    const oneSeen = run({ "gate.seen": 1 });
    const noQueue = run({ queue: 0 });
    expect(whole.distinctStates).toBe(76);
    expect(oneSeen.distinctStates).toBeLessThan(whole.distinctStates);
    expect(oneSeen.pruned).toBeGreaterThan(0);
    // With no room in the queue an opening is never reported, so the audit never counts one.
    expect(noQueue.witnesses.every((w) => !w.reached)).toBe(true);
  });

  it("names instance fields and the queue; refuses others at their pointer", async () => {
    const { cpSync, readFileSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { loadSpecs } = await import("../generator/load.js");
    const { REPO, tempDir } = await import("./helpers/paths.js");
    const dir = tempDir("collection-sizes-composition");
    cpSync(join(REPO, "spec", "examples"), dir, { recursive: true });
    const file = join(dir, "turnstile-audit.composition.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as { check: { profiles: Record<string, Record<string, unknown>> } };
    const withSizes = (sizes: Record<string, number>) => {
      json.check.profiles = { ci: { domains: { CoinId: 2 }, collectionSizes: sizes } };
      writeFileSync(file, JSON.stringify(json, null, 2));
      return loadSpecs([file], dir).diagnostics.map((d) => [d.code, d.pointer]);
    };
    expect(withSizes({ "gate.seen": 1, queue: 2 })).toEqual([]);
    expect(withSizes({ seen: 1 })).toEqual([["bad-profile", "/check/profiles/ci/collectionSizes/seen"]]);
    expect(withSizes({ "audit.openings": 1 })).toEqual([["bad-profile", "/check/profiles/ci/collectionSizes/audit.openings"]]);
  });
});

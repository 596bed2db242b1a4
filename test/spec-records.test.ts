// Records and tuples (issue #18): what the checker accepts and refuses (with the diagnostic code
// and where), value semantics in the kernel (interning, Sets, Map keys, the codec, the order loops
// use), generated code driven with plain-object payloads, and the SPIN export's refusal.

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Project, SyntaxKind } from "ts-morph";
import { beforeAll, describe, expect, it } from "vitest";
import type { MachineJson } from "../generator/spec-json.js";
import { fromJson, toJson, type DecodeProblem } from "../kernel/codec.js";
import type { AnyKernel, AnyState } from "../kernel/descriptor.js";
import { compareValues, intern, internAs, isInterned } from "../kernel/intern.js";
import type { TypeDesc, Value } from "../kernel/types.js";
import { inOrder, valueEquals } from "../kernel/values.js";
import { exploreMachine } from "../properties/explorer/index.js";
import { FIXTURES, generateFixtures, REPO } from "./explorer-helpers.js";
import { check, codes, withTransition } from "./helpers/spec.js";

/** The probe machine with a record type Vote {who: Id, n: Small}, a tuple type Pair (Id, Color) and fields using them. */
function withRecords(t: Parameters<typeof withTransition>[0], extraTypes: MachineJson["types"] = {}): MachineJson {
  const m = withTransition(t);
  m.types = {
    ...m.types,
    Vote: { kind: "record", fields: { who: "Id", n: "Small" } },
    Pair: { kind: "tuple", items: ["Id", "Color"] },
    ...extraTypes,
  };
  m.state.fields = {
    ...m.state.fields,
    votes: { type: "Set<Vote>", init: "{}" },
    pairs: { type: "Map<Pair, Vote>", init: "{}" },
    lastVote: { type: "Option<Vote>", init: "none" },
  };
  return m;
}

const update = (...src: string[]) => withTransition({ updates: src });
const at = (json: MachineJson) => check(json).diagnostics.map((d) => [d.code, d.pointer]);

describe("records and tuples in the checker", () => {
  it("builds, reads and updates them", () => {
    const ok = withRecords({
      guards: { fresh: "!votes.contains(Vote{who: id, n: 0})", pair: "!pairs.containsKey((id, color))" },
      updates: [
        "votes.add(Vote{n: 1, who: id})",
        "pairs.put((id, color), Vote{who: id, n: n})",
        "lastVote = some(Vote{who: id, n: 2})",
        "if lastVote.isSome && lastVote.value.n < 3 { lastVote = some({lastVote.value with n: lastVote.value.n + 1}) }",
        "for v in votes { tries.put(v.who, v.n) }",
      ],
    });
    expect(check(ok).diagnostics).toEqual([]);
    expect(check(withRecords({ guards: { g: "all p in pairs: p[0] == pairs.get(p).value.who && p[1] != Green" } })).diagnostics).toEqual([]);
  });

  it("refuses an unknown field, a duplicate field, a missing field and a field of the wrong type", () => {
    expect(at(withRecords({ updates: ["votes.add(Vote{who: id, m: 1})"] }))).toEqual([["unknown-field", "/transitions/0/updates/0"]]);
    expect(at(withRecords({ guards: { g: "lastVote.isSome && lastVote.value.size == 1" } }))).toEqual([["unknown-field", "/transitions/0/guards/g"]]);
    expect(codes(withRecords({ updates: ["votes.add(Vote{who: id, n: 1, who: id})"] }))).toEqual(["duplicate-name"]);
    expect(codes(withRecords({ updates: ["votes.add(Vote{who: id})"] }))).toEqual(["type-mismatch"]);
    expect(codes(withRecords({ updates: ["votes.add(Vote{who: color, n: 1})"] }))).toEqual(["type-mismatch"]);
    expect(codes(withRecords({ updates: ["votes.add(Vote{who: id, n: 4})"] }))).toEqual(["int-overflow"]);
    expect(codes(withRecords({ updates: ["votes.add(Nope{who: id})"] }))).toEqual(["unknown-type"]);
    expect(codes(withRecords({ updates: ["votes.add(Pair{who: id})"] }))).toEqual(["type-mismatch"]);
  });

  it("refuses a tuple of the wrong arity, an item index beyond it, and an item that may not fit", () => {
    expect(codes(withRecords({ updates: ["pairs.put((id, color, 1), Vote{who: id, n: 1})"] }))).toEqual(["type-mismatch"]);
    expect(codes(withRecords({ guards: { g: "all p in pairs: p[2] == Red" } }))).toEqual(["unknown-field"]);
    expect(codes(withRecords({ guards: { g: "lane[0] == id" } }))).toEqual(["type-mismatch"]);
    expect(codes(withRecords({ guards: { g: "(id, n) != (id, 5)" } }))).toEqual([]);
    expect(codes(withRecords({ updates: ["pairs.put((id, color), Vote{who: id, n: n})"] }))).toEqual([]);
    const small = withRecords({ updates: ["cells.add((id, n + 1))"] }, { Cell: { kind: "tuple", items: ["Id", "Small"] } });
    small.state.fields = { ...small.state.fields, cells: { type: "Set<Cell>", init: "{}" } };
    expect(codes(small)).toEqual(["int-overflow"]);
    expect(check(withTransition({ guards: { g: "n < 3" }, updates: ["cells.add((id, n + 1))"] }, { types: small.types, state: small.state })).diagnostics).toEqual([]);
    // A literal Set of tuples types its items by the hull of every tuple's items.
    expect(codes(update("for p in {(1, 2), (3, 0)} { n = p[0] + 1 }"))).toEqual(["int-overflow"]);
    expect(check(update("for p in {(1, 2), (2, 0)} { n = p[0] + 1 }")).diagnostics).toEqual([]);
    expect(codes(update("n = let p = if n > 1 then (1, 0) else (3, 0) in p[0] + 1"))).toEqual(["int-overflow"]);
    // Tuples are structural: a (Id, Big) value does not fit a (Id, Small) place unchecked.
    const wide = withRecords({ updates: ["seen.add(p)"] }, { Big: { kind: "int", min: 0, max: 9 }, Wide: { kind: "tuple", items: ["Id", "Big"] }, Narrow: { kind: "tuple", items: ["Id", "Small"] } });
    wide.inputs = { ...wide.inputs, Go: { id: "Id", p: "Wide" } };
    wide.state.fields = { ...wide.state.fields, seen: { type: "Set<Narrow>", init: "{}" } };
    expect(codes(wide)).toEqual(["int-overflow"]);
  });

  it("refuses a recursive record and a collection inside a record", () => {
    expect(at(withRecords({}, { Loop: { kind: "record", fields: { next: "Option<Loop>" } } }))).toEqual([["bad-type", "/types/Loop"]]);
    expect(at(withRecords({}, { Bag: { kind: "record", fields: { items: "Set<Id>" } } }))).toEqual([
      ["bad-type", "/types/Bag/fields/items"],
      ["unused-type", "/types/Bag"],
    ]);
    expect(codes(withRecords({}, { Solo: { kind: "tuple", items: ["Id"] } }))).toEqual(["schema"]);
  });

  it("refuses symmetry for a loop whose result depends on the order of records holding ids", () => {
    const m = withRecords({ updates: ["for v in votes { lastVote = some(v) }"] });
    m.check = { profiles: { ci: { domains: { Id: 2 }, symmetry: true } } };
    expect(codes(m)).toEqual(["symmetry-order-dependent"]);
  });
});

describe("value semantics in the kernel", () => {
  const Vote: TypeDesc = {
    kind: "record",
    name: "Vote",
    fields: [
      { name: "who", type: { kind: "id", name: "Id" } },
      { name: "n", type: { kind: "int", name: "Small", min: 0, max: 3 } },
    ],
  };
  const Pair: TypeDesc = { kind: "tuple", items: [{ kind: "id", name: "Id" }, Vote] };

  it("interns equal records and tuples to one object, whatever the field order", () => {
    const a = intern({ who: "x", n: 1 });
    const b = intern({ n: 1, who: "x" });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(intern(["x", { who: "x", n: 1 }])).toBe(intern(["x", b]));
    expect(intern({ who: "x", n: 2 })).not.toBe(a);
    expect(intern({ who: "1", n: 1 })).not.toBe(intern({ who: 1, n: 1 } as unknown as { who: string; n: number }));
    expect(new Set([a, intern({ n: 1, who: "x" }), intern({ who: "y", n: 1 })]).size).toBe(2);
    expect(valueEquals({ who: "x", n: 1 }, { n: 1, who: "x" })).toBe(true);
    expect(valueEquals({ who: "x", n: 1 }, { who: "x", n: 2 })).toBe(false);
  });

  it("interns the records inside a caller's collections", () => {
    const set = new Set<Value>([{ who: "x", n: 1 }, { who: "x", n: 1 }]);
    const out = internAs({ kind: "set", of: Vote }, set) as ReadonlySet<Value>;
    expect(out.size).toBe(1);
    expect([...out].every(isInterned)).toBe(true);
    const already = new Set<Value>([intern({ who: "x", n: 1 })]);
    expect(internAs({ kind: "set", of: Vote }, already)).toBe(already);
  });

  it("orders records and tuples by their parts, for loops and snapshots", () => {
    const v = (who: string, n: number) => intern({ who, n });
    expect(inOrder([v("b", 0), v("a", 2), v("a", 1)]).map((x) => `${x["who"] as string}${x["n"] as number}`)).toEqual(["b0", "a1", "a2"]);
    // Fields compare in field-name order (n before who), whatever order they were built in.
    expect(compareValues(intern(["a", 2]), intern(["a", 10]))).toBeLessThan(0);
  });

  it("round-trips through the codec and reports a malformed record where it is", () => {
    const value = new Map<Value, Value>([[intern(["x", intern({ who: "y", n: 3 })]), true]]);
    const type: TypeDesc = { kind: "map", key: Pair, value: { kind: "bool" } };
    const json = toJson(type, value);
    expect(json).toEqual([[["x", { who: "y", n: 3 }], true]]);
    const problems: DecodeProblem[] = [];
    const back = fromJson(type, JSON.parse(JSON.stringify(json)), "", problems) as ReadonlyMap<Value, Value>;
    expect(problems).toEqual([]);
    expect([...back.keys()][0]).toBe([...value.keys()][0]);
    fromJson({ kind: "set", of: Vote }, [{ who: "x", n: 9 }, { who: "x" }, { who: "x", n: 1, extra: 1 }], "/votes", problems);
    expect(problems.map((p) => p.pointer)).toEqual(["/votes/0/n", "/votes/1/n", "/votes/2/extra"]);
  });
});

describe("generated code for records and tuples", () => {
  let votes: AnyKernel;
  let outDir: string;
  beforeAll(async () => {
    const fixtures = generateFixtures(join(FIXTURES, "symmetry"), "spec-records");
    outDir = fixtures.outDir;
    votes = await fixtures.machine("Votes");
  });

  it("compiles under strict tsc (records, tuples, Option and Map of them, record payloads and effects)", () => {
    writeFileSync(join(outDir, "tsconfig.json"), JSON.stringify({ extends: join(REPO, "tsconfig.json"), compilerOptions: { noEmit: true, rootDir: REPO }, include: ["**/*.ts"] }));
    const r = spawnSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", outDir], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const sf = new Project({ useInMemoryFileSystem: true }).createSourceFile("votes.machine.ts", readFileSync(join(outDir, "votes.machine.ts"), "utf8"));
    expect(sf.getDescendantsOfKind(SyntaxKind.AnyKeyword)).toEqual([]);
  }, 120_000);

  it("compares payload records built by the caller by value", () => {
    let s: AnyState = votes.initialState();
    const step = (t: Record<string, unknown> & { kind: string }): boolean => {
      const r = votes.transition(s, t);
      if (r.ok) s = r.state;
      return r.ok;
    };
    const cast = votes.transition(s, { kind: "Cast", n: "a", b: 0 });
    if (!cast.ok) throw new Error("Cast should fire");
    expect(cast.effects).toEqual([{ effect: "Voted", vote: { node: "a", bal: 0 }, link: ["a", "a"] }]);
    expect(cast.effects[0]?.["vote"]).toBe(intern({ node: "a", bal: 0 }));
    expect(step({ kind: "Cast", n: "a", b: 0 })).toBe(true);
    expect(step({ kind: "Cast", n: "a", b: 0 })).toBe(false);
    expect(step({ kind: "Bump" })).toBe(true);
    expect((s["last"] as Record<string, Value>)["bal"]).toBe(1);
    // A plain object from the caller removes the interned vote it equals.
    expect(step({ kind: "Retract", v: { node: "a", bal: 0 } })).toBe(true);
    expect((s["votes"] as ReadonlySet<Value>).size).toBe(0);
    expect(step({ kind: "Retract", v: { bal: 0, node: "a" } })).toBe(false);
    expect(step({ kind: "Join", a: "a", z: "b" })).toBe(true);
    expect(step({ kind: "Join", a: "b", z: "a" })).toBe(false);
    expect((s["weight"] as ReadonlyMap<Value, Value>).get(intern(["a", "b"]))).toBe(0);
  });

  it("explores the message-record TwoPhase to TLC's 288 states", async () => {
    const { twoPhaseMessagesKernel } = await import("../generated/examples/two-phase-messages.machine.js");
    const r = exploreMachine(twoPhaseMessagesKernel as unknown as AnyKernel, { profile: "ci" });
    expect(r.distinctStates).toBe(288);
    expect(r.violations).toEqual([]);
    expect(r.witnesses.every((w) => w.reached)).toBe(true);
  });
});

describe("the alternating bit example (tuples)", () => {
  it("explores 216 states, the count an independent search of the same model with queues of two finds", async () => {
    const { alternatingBitKernel } = await import("../generated/examples/alternating-bit.machine.js");
    const r = exploreMachine(alternatingBitKernel as unknown as AnyKernel, { profile: "ci" });
    expect(r.distinctStates).toBe(216);
    expect(r.violations).toEqual([]);
    expect(r.witnesses.map((w) => [w.name, w.reached])).toEqual([
      ["b_took_new_data", true],
      ["new_frame_behind_old_one", true],
      ["a_moved_twice", true],
    ]);
  });

  it("moves A on only when the ack carries its bit", async () => {
    const { alternatingBitKernel: k } = await import("../generated/examples/alternating-bit.machine.js");
    let s = k.initialState();
    const step = (t: Parameters<typeof k.transition>[1]) => {
      const r = k.transition(s, t);
      if (!r.ok) throw new Error(`refused: ${r.code}`);
      s = r.state;
    };
    step({ kind: "BSnd" });
    step({ kind: "ARcv", d: "D2" });
    expect(s.aVar).toBe(intern(["D2", 0]));
    step({ kind: "ASnd" });
    step({ kind: "BRcv" });
    expect(s.bVar).toEqual(["D2", 0]);
    expect(s.bVar).toBe(s.aVar);
  });
});

describe("the SPIN export of records and tuples", () => {
  it("refuses a record type, naming where it is declared", async () => {
    const { exportPromela, PromelaUnsupportedError } = await import("../properties/promela/index.js");
    const m = check(withRecords({ updates: ["votes.add(Vote{who: id, n: 1})", "pairs.put((id, color), Vote{who: id, n: 0})", "lastVote = none"] }));
    if (!m.model || m.model.kind !== "machine") throw new Error(`the probe spec should check: ${JSON.stringify(m.diagnostics)}`);
    const model = m.model;
    expect(() => exportPromela(model, "ci")).toThrow(PromelaUnsupportedError);
    expect(() => exportPromela(model, "ci")).toThrow(/Vote \(at \/types\/Vote\) is not supported by the SPIN export/);
  });
});

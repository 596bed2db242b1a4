// Copy-on-write in generated transitions: a collection is copied only by a write that changes it,
// untouched fields (and writes that change nothing) share the previous state's objects, a collection
// stored into another field or a map is never edited in place afterwards, and the previous state
// is never modified.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeState, type AnyKernel, type AnyState, type AnyTrigger } from "../kernel/index.js";
import { sessionRuntimeKernel, type SessionRuntimeState, type SessionRuntimeTrigger } from "../generated/session.machine.js";
import { generateFixtures, REPO } from "./explorer-helpers.js";

let kernel: AnyKernel;

beforeAll(async () => {
  kernel = await generateFixtures(join(REPO, "test", "fixtures", "copy-on-write"), "copy-on-write").machine("CowLedger");
});

function step(s: AnyState, t: AnyTrigger): AnyState {
  const r = kernel.transition(s, t);
  if (!r.ok) throw new Error(`${t.kind} refused: ${r.code}`);
  return r.state;
}

function run(...triggers: AnyTrigger[]): AnyState {
  return triggers.reduce(step, kernel.initialState());
}

const FIELDS = ["ids", "other", "counts", "groups", "lane", "log", "n"] as const;

/** The fields of `b` that are not the very same value as in `a`. */
function changed(a: AnyState, b: AnyState): string[] {
  return FIELDS.filter((f) => a[f] !== b[f]);
}

describe("copy-on-write transitions", () => {
  it("copies only the fields a transition changes", () => {
    const s = run({ kind: "Add", id: "a" }, { kind: "Put", id: "a", c: 1 }, { kind: "Push", id: "a" });
    expect(changed(s, step(s, { kind: "Add", id: "b" }))).toEqual(["ids"]);
    expect(changed(s, step(s, { kind: "Put", id: "b", c: 2 }))).toEqual(["counts"]);
    expect(changed(s, step(s, { kind: "Drop", id: "a" }))).toEqual(["ids", "counts", "lane"]);
  });

  it("shares the collection when a write changes nothing", () => {
    const s = run({ kind: "Add", id: "a" }, { kind: "Put", id: "a", c: 1 });
    expect(changed(s, step(s, { kind: "Add", id: "a" }))).toEqual([]);
    expect(changed(s, step(s, { kind: "Put", id: "a", c: 1 }))).toEqual([]);
    expect(changed(s, step(s, { kind: "Drop", id: "b" }))).toEqual([]);
    expect(changed(s, step(s, { kind: "Pop" }))).toEqual([]);
    const empty = kernel.initialState();
    expect(changed(empty, step(empty, { kind: "Clear" }))).toEqual([]);
    expect(changed(s, step(s, { kind: "Put", id: "a", c: 2 }))).toEqual(["counts"]);
  });

  it("empties a collection into one shared empty value that later writes copy instead of editing", () => {
    const one = step(run({ kind: "Add", id: "a" }, { kind: "Put", id: "a", c: 1 }), { kind: "Drop", id: "a" });
    const other = step(run({ kind: "Add", id: "b" }, { kind: "Put", id: "b", c: 2 }), { kind: "Drop", id: "b" });
    expect((one["counts"] as ReadonlyMap<string, number>).size).toBe(0);
    expect(one["counts"]).toBe(other["counts"]);
    expect(one["ids"]).toBe(other["ids"]);
    const refilled = step(step(one, { kind: "Put", id: "a", c: 3 }), { kind: "Add", id: "a" });
    expect([...(refilled["counts"] as ReadonlyMap<string, number>)]).toEqual([["a", 3]]);
    expect([...(refilled["ids"] as ReadonlySet<string>)]).toEqual(["a"]);
    expect((other["counts"] as ReadonlyMap<string, number>).size).toBe(0);
    expect((other["ids"] as ReadonlySet<string>).size).toBe(0);
    const cleared = step(run({ kind: "Add", id: "a" }, { kind: "Push", id: "a" }), { kind: "Clear" });
    const clearedToo = step(run({ kind: "Add", id: "b" }, { kind: "Push", id: "b" }), { kind: "Clear" });
    expect(cleared["ids"]).toBe(clearedToo["ids"]);
    expect(cleared["lane"]).toBe(clearedToo["lane"]);
    const pushed = step(step(cleared, { kind: "Push", id: "c" }), { kind: "Add", id: "c" });
    expect(pushed["lane"]).toEqual(["c"]);
    expect(clearedToo["lane"]).toEqual([]);
    expect((clearedToo["ids"] as ReadonlySet<string>).size).toBe(0);
    // A removal that leaves entries builds the copy without the key; the state before keeps it.
    const two = run({ kind: "Put", id: "a", c: 1 }, { kind: "Put", id: "b", c: 2 });
    const dropped = step(two, { kind: "Drop", id: "a" });
    expect([...(dropped["counts"] as ReadonlyMap<string, number>)]).toEqual([["b", 2]]);
    expect([...(two["counts"] as ReadonlyMap<string, number>)]).toEqual([["a", 1], ["b", 2]]);
  });

  it("returns the state itself when a transition writes nothing and keeps its phase", () => {
    const s = run({ kind: "Add", id: "a" });
    expect(step(s, { kind: "Noop" })).toBe(s);
  });

  it("never edits a collection in place once another field or a map holds it", () => {
    const aliased = run({ kind: "Add", id: "a" }, { kind: "Alias", id: "b" });
    expect([...(aliased["ids"] as ReadonlySet<string>)]).toEqual(["a"]);
    expect([...(aliased["other"] as ReadonlySet<string>)].sort()).toEqual(["a", "b"]);
    const grouped = run({ kind: "Group", id: "a" });
    expect([...(grouped["ids"] as ReadonlySet<string>)]).toEqual([]);
    expect([...((grouped["groups"] as ReadonlyMap<string, ReadonlySet<string>>).get("a") ?? [])]).toEqual(["a"]);
  });

  it("loops over a Seq as it was when the loop started", () => {
    const doubled = run({ kind: "Push", id: "a" }, { kind: "Push", id: "b" }, { kind: "Double" });
    expect(doubled["lane"]).toEqual(["a", "b", "a", "b"]);
    const copied = step(doubled, { kind: "Copy" });
    expect(copied["log"]).toEqual(["a", "b", "a", "b"]);
    expect(changed(doubled, copied)).toEqual(["log"]);
  });

  it("never modifies a previous state", () => {
    const triggers: AnyTrigger[] = [
      { kind: "Add", id: "a" },
      { kind: "Push", id: "a" },
      { kind: "Put", id: "a", c: 3 },
      { kind: "Alias", id: "b" },
      { kind: "Group", id: "a" },
      { kind: "Push", id: "b" },
      { kind: "Double" },
      { kind: "Copy" },
      { kind: "Drop", id: "a" },
      { kind: "Pop" },
      { kind: "Clear" },
      { kind: "Group", id: "b" },
    ];
    const states: AnyState[] = [kernel.initialState()];
    const encoded = [JSON.stringify(encodeState(kernel.fields, states[0] as AnyState))];
    for (const t of triggers) {
      const r = kernel.transition(states[states.length - 1] as AnyState, t);
      if (!r.ok) continue;
      states.push(r.state);
      encoded.push(JSON.stringify(encodeState(kernel.fields, r.state)));
    }
    expect(states.length).toBeGreaterThan(10);
    states.forEach((s, i) => expect(JSON.stringify(encodeState(kernel.fields, s)), `state ${i}`).toBe(encoded[i]));
  });
});

describe("copy-on-write in the session machine", () => {
  const apply = (s: SessionRuntimeState, t: SessionRuntimeTrigger): SessionRuntimeState => {
    const r = sessionRuntimeKernel.transition(s, t);
    if (!r.ok) throw new Error(`${t.kind} refused: ${r.code}`);
    return r.state;
  };
  const ready = [
    { kind: "RegisterSession" },
    { kind: "PrepareBindings", runtime: "rt", fence: 1, generation: 0 },
    { kind: "AcceptInput", input: "i1", lane: "Queue", admission: "WakeIfIdle", front: false },
  ] as const satisfies readonly SessionRuntimeTrigger[];

  it("accepting an input leaves the maps it does not write shared", () => {
    const before = ready.slice(0, 2).reduce(apply, sessionRuntimeKernel.initialState());
    const after = apply(before, ready[2]);
    expect(after.abandoned).toBe(before.abandoned);
    expect(after.replacedBy).toBe(before.replacedBy);
    expect(after.steer).toBe(before.steer);
    expect(after.staged).toBe(before.staged);
    expect(after.inputs).not.toBe(before.inputs);
  });

  it("archiving copies only the maps that hold the input", () => {
    let s = ready.reduce(apply, sessionRuntimeKernel.initialState());
    for (const t of [
      { kind: "PrepareRun", run: "r1" },
      { kind: "StageInput", input: "i1", run: "r1" },
      { kind: "MarkApplied", run: "r1" },
      { kind: "BoundaryCommitted", run: "r1" },
      { kind: "Commit", run: "r1" },
    ] as const satisfies readonly SessionRuntimeTrigger[]) {
      s = apply(s, t);
    }
    const archived = apply(s, { kind: "ArchiveInput", input: "i1" });
    expect(archived.abandoned).toBe(s.abandoned);
    expect(archived.replacedBy).toBe(s.replacedBy);
    expect(archived.inputs.has("i1")).toBe(false);
    expect(s.inputs.get("i1")).toBe("Consumed");
  });

  it("a trigger that changes nothing keeps the state object", () => {
    const s = ready.reduce(apply, sessionRuntimeKernel.initialState());
    const r = sessionRuntimeKernel.transition(s, { kind: "Ingest", runtime: "rt", work: "w" });
    expect(r.ok && r.state).toBe(s);
  });
});

// plainJsonCopy: the fast copy of plain JSON and the checked copy that names what is not plain
// must agree: the same frozen copy for every plain value, the same refusal (message and pointer)
// for every other one, whichever path finds it.

import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, plainJsonCopy } from "../runtime/json-payload.js";

function copied(value: unknown): unknown {
  const r = plainJsonCopy(value);
  if (!r.ok) throw new Error(`refused: ${r.problem.pointer} ${r.problem.message}`);
  return r.value;
}

function refusal(value: unknown): { pointer: string; message: string } {
  const r = plainJsonCopy(value);
  if (r.ok) throw new Error("expected a refusal");
  return r.problem;
}

function deeplyFrozen(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozen);
}

describe("plainJsonCopy", () => {
  it("copies plain JSON into a deep frozen copy equal to a JSON round trip", () => {
    const values: unknown[] = [
      { kind: "prompt", header: { id: "i", durability: "Ephemeral", source: { kind: "Operator" } }, text: "x" },
      [1, "a", true, null, { b: [2, { c: -0.5 }] }],
      { 2: "two", 1: "one", z: 0, a: [] },
      "s",
      0,
      null,
    ];
    for (const v of values) {
      const c = copied(v);
      expect(c).toEqual(JSON.parse(JSON.stringify(v)));
      expect(deeplyFrozen(c)).toBe(true);
      if (typeof v !== "object" || v === null) continue;
      expect(c).not.toBe(v);
      expect(Object.keys(c as object)).toEqual(Object.keys(v));
    }
  });

  it("keeps an own __proto__ key as a key, and a null-prototype object as plain", () => {
    const withProto = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as object;
    const c = copied(withProto) as Record<string, unknown>;
    expect(Object.keys(c)).toEqual(["__proto__", "y"]);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(c["__proto__"]).toEqual({ x: 1 });
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(copied(bare)).toEqual({ a: 1 });
  });

  it("ignores what JSON drops: non-enumerable and inherited keys", () => {
    const v = Object.create({ inherited: 1 }) as Record<string, unknown>;
    expect(refusal(v).message).toMatch(/plain object/);
    const hidden = { shown: 1 };
    Object.defineProperty(hidden, "hidden", { value: 2, enumerable: false });
    expect(copied(hidden)).toEqual({ shown: 1 });
  });

  it("names the first value that is not plain JSON, by its pointer", () => {
    const cycle: Record<string, unknown> = { a: { b: 1 } };
    (cycle["a"] as Record<string, unknown>)["back"] = cycle;
    expect(refusal(cycle)).toEqual({ pointer: "/a/back", message: "is a cycle (refers to an object that contains it)" });
    expect(refusal({ a: [1, , 3] })).toEqual({ pointer: "/a/1", message: "is a hole in a sparse array" });
    expect(refusal({ s: { [Symbol("k")]: 1 } }).pointer).toBe("/s");
    expect(refusal({ n: [Number.POSITIVE_INFINITY] })).toEqual({ pointer: "/n/0", message: "must be a finite number, got Infinity" });
    expect(refusal({ d: new Date(0) }).pointer).toBe("/d");
    expect(refusal({ "a/b": { "~": undefined } }).pointer).toBe("/a~1b/~0");
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
    expect(refusal(deep).message).toBe(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  });
});

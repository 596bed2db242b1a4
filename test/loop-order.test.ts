import { describe, expect, it } from "vitest";
import type { AnyKernel, AnyState, AnyTrigger } from "../kernel/descriptor.js";
import { inOrder } from "../kernel/values.js";
import { FIXTURES, generateFixtures } from "./explorer-helpers.js";
import { join } from "node:path";

function run(kernel: AnyKernel, triggers: readonly AnyTrigger[]): AnyState {
  let s = kernel.initialState();
  for (const t of triggers) {
    const r = kernel.transition(s, t);
    if (!r.ok) throw new Error(`refused ${t.kind}`);
    s = r.state;
  }
  return s;
}

describe("loop order in generated code", () => {
  it("orders scalars canonically: numbers ascending, strings by code unit, enums as declared", () => {
    expect(inOrder(new Set([10, 2, 33]))).toEqual([2, 10, 33]);
    expect(inOrder(new Set(["b", "a", "c"]))).toEqual(["a", "b", "c"]);
    expect(inOrder(new Set(["Low", "High"]), ["High", "Low"] as const)).toEqual(["High", "Low"]);
  });

  it("gives the same result for the same Set built in different insertion orders", async () => {
    const fx = generateFixtures(join(FIXTURES, "..", "loop-order"), "loop-order");
    const kernel = await fx.machine("Flusher");
    const a = run(kernel, [{ kind: "Add", id: "z" }, { kind: "Add", id: "a" }, { kind: "AddLevel", level: "Low" }, { kind: "AddLevel", level: "High" }, { kind: "Flush" }]);
    const b = run(kernel, [{ kind: "AddLevel", level: "High" }, { kind: "AddLevel", level: "Low" }, { kind: "Add", id: "a" }, { kind: "Add", id: "z" }, { kind: "Flush" }]);
    expect(a["out"]).toEqual(["a", "z"]);
    expect(b["out"]).toEqual(["a", "z"]);
    expect(a["levelOut"]).toEqual(["High", "Low"]);
    expect(b["levelOut"]).toEqual(["High", "Low"]);
  });
});

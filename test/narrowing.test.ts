// Narrowing by == and != on Options (issue #18): each form makes `cur.value` safe where it holds,
// the else branch of `cur == none` included. Without the comparison the same read is refused.
// A let name is narrowed like the expression it names.

import { describe, expect, it } from "vitest";
import { baseMachine, check } from "./helpers/spec.js";

const codesOf = (invariant: string): string[] => {
  const m = baseMachine();
  m.invariants = { probe: invariant };
  return check(m).diagnostics.map((d) => d.code);
};

describe("narrowing Options on == and !=", () => {
  it.each([
    "cur == none || cur.value == cur.value",
    "if cur == none then true else cur.value == cur.value",
    "if none == cur then true else cur.value == cur.value",
    "if cur != none then cur.value == cur.value else true",
    "!(cur == none) && cur.value == cur.value",
    "if !(cur != none) then true else cur.value == cur.value",
    "none != cur && cur.value == cur.value",
  ])("%s is accepted", (inv) => {
    expect(codesOf(inv)).toEqual([]);
  });

  it.each(["cur.value == cur.value", "if cur == none then cur.value == cur.value else true", "cur != none || cur.value == cur.value"])("%s is refused (option-unproven)", (inv) => {
    expect(codesOf(inv)).toEqual(["option-unproven"]);
  });
});

describe("narrowing a let name", () => {
  const update = (u: string): string[] => {
    const m = baseMachine();
    m.transitions = [{ name: "Start", from: ["Idle"], on: "Go", updates: [u], to: "Busy" }, ...m.transitions.slice(1)];
    return check(m).diagnostics.map((d) => d.code);
  };
  it("a guard on the name narrows it where the same value is read again (saturating an increment)", () => {
    expect(update("tries.put(id, let t = tries.getOr(id, 0) in if t < 3 then t + 1 else 3)")).toEqual([]);
    expect(update("n = let m = n in if m < 3 then m + 1 else m")).toEqual([]);
  });
  it("without the guard the increment may overflow", () => {
    expect(update("tries.put(id, let t = tries.getOr(id, 0) in t + 1)")).toEqual(["int-overflow"]);
  });
});

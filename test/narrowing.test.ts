// Narrowing by == and != on Options (issue #18): each form makes `cur.value` safe where it holds,
// the else branch of `cur == none` included. Without the comparison the same read is refused.

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

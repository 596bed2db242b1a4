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

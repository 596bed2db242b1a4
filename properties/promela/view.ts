// Values as the Promela model reads them: a View gives, for every part of a value (option flag,
// set member, seq slot, map entry), a Promela expression. Stored fields, literals and conditional
// expressions are all views, so every operator is written once against this interface.
//
// Indices (`Ix`) are either constants known while exporting or Promela expressions; every index
// is already an encoded domain index (0-based), never a raw value.

import { and, cond, eqExpr, not, or } from "./pml.js";

export type Ix = number | string;

export type View =
  | { readonly k: "scalar"; readonly e: string }
  | { readonly k: "option"; readonly has: string; readonly of: View }
  | { readonly k: "set"; readonly size: number; mem(i: Ix): string }
  | { readonly k: "seq"; readonly cap: number; readonly len: string; at(j: Ix): View }
  | { readonly k: "map"; readonly size: number; has(i: Ix): string; val(i: Ix): View };

export type ScalarView = Extract<View, { k: "scalar" }>;
export type OptionView = Extract<View, { k: "option" }>;
export type SetView = Extract<View, { k: "set" }>;
export type SeqView = Extract<View, { k: "seq" }>;
export type MapView = Extract<View, { k: "map" }>;

export function scalar(e: string | number): ScalarView {
  return { k: "scalar", e: String(e) };
}

export function expect<K extends View["k"]>(v: View, k: K): Extract<View, { k: K }> {
  if (v.k !== k) throw new Error(`internal: expected a ${k} view, got ${v.k}`);
  return v as Extract<View, { k: K }>;
}

/** The view of `c ? a : b`; both sides have the same shape. */
export function condView(c: string, a: View, b: View): View {
  if (c === "1") return a;
  if (c === "0") return b;
  switch (a.k) {
    case "scalar":
      return scalar(cond(c, a.e, expect(b, "scalar").e));
    case "option": {
      const o = expect(b, "option");
      return { k: "option", has: cond(c, a.has, o.has), of: condView(c, a.of, o.of) };
    }
    case "set": {
      const s = expect(b, "set");
      return { k: "set", size: a.size, mem: (i) => cond(c, a.mem(i), s.mem(i)) };
    }
    case "seq": {
      const s = expect(b, "seq");
      return { k: "seq", cap: Math.max(a.cap, s.cap), len: cond(c, a.len, s.len), at: (j) => condView(c, a.at(j), s.at(j)) };
    }
    case "map": {
      const m = expect(b, "map");
      return { k: "map", size: a.size, has: (i) => cond(c, a.has(i), m.has(i)), val: (i) => condView(c, a.val(i), m.val(i)) };
    }
  }
}

/** Structural equality, as `valueEquals` in the kernel decides it. */
export function eqView(a: View, b: View): string {
  switch (a.k) {
    case "scalar":
      return eqExpr(a.e, expect(b, "scalar").e);
    case "option": {
      const o = expect(b, "option");
      return and([eqExpr(a.has, o.has), or([not(a.has), eqView(a.of, o.of)])]);
    }
    case "set": {
      const s = expect(b, "set");
      return and(range(a.size).map((i) => eqExpr(a.mem(i), s.mem(i))));
    }
    case "seq": {
      const s = expect(b, "seq");
      const cap = Math.max(a.cap, s.cap);
      return and([eqExpr(a.len, s.len), ...range(cap).map((j) => or([`(${j} >= ${a.len})`, eqView(a.at(j), s.at(j))]))]);
    }
    case "map": {
      const m = expect(b, "map");
      return and(range(a.size).map((i) => and([eqExpr(a.has(i), m.has(i)), or([not(a.has(i)), eqView(a.val(i), m.val(i))])])));
    }
  }
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Selects element `j` (a Promela expression) from constant-indexed parts: `(j == 0 -> p0 : (j == 1 -> p1 : ...))`.
 * Used where a literal or conditional value is indexed by a value only known while checking.
 */
export function pick(j: string, parts: readonly string[], fallback: string): string {
  let out = fallback;
  for (let i = parts.length - 1; i >= 0; i--) out = cond(`(${j} == ${i})`, parts[i] as string, out);
  return out;
}

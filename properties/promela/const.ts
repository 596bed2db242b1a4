// Constant values known while exporting: initial field values and the concrete payloads of
// triggers. They are encoded like the model encodes them (scalar.ts) and can be read as Views.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import type { TExpr } from "../../generator/expr/typed.js";
import { compoundUnsupported, PromelaUnsupportedError } from "./errors.js";
import { domainOf, emptyView } from "./expr.js";
import { or } from "./pml.js";
import { domainValues, encodeLiteral, isScalarType, num, scalarDomain } from "./scalar.js";
import { condView, pick, scalar, type View } from "./view.js";

export type ConstVal =
  | { readonly k: "scalar"; readonly v: number }
  | { readonly k: "none" }
  | { readonly k: "some"; readonly v: ConstVal }
  | { readonly k: "set"; readonly members: readonly number[] }
  | { readonly k: "seq"; readonly items: readonly number[] }
  | { readonly k: "map"; readonly entries: ReadonlyMap<number, ConstVal> };

export function evalConst(e: TExpr, profile: ProfileDesc): ConstVal {
  const num = (x: TExpr): number => {
    const v = evalConst(x, profile);
    if (v.k !== "scalar") throw new PromelaUnsupportedError("expected a scalar constant");
    return v.v;
  };
  const s = (v: number): ConstVal => ({ k: "scalar", v });
  switch (e.k) {
    case "lit":
      if (e.v === null) return { k: "none" };
      if (!isScalarType(e.t)) throw new PromelaUnsupportedError(`literal of type ${e.t.kind}`);
      return s(encodeLiteral(e.t, e.v));
    case "fn":
      if (e.fn === "some") return { k: "some", v: evalConst(e.args[0] as TExpr, profile) };
      break;
    case "setlit": {
      if (e.t.kind !== "set" || !isScalarType(e.t.of)) break;
      const d = scalarDomain(e.t.of, profile);
      return { k: "set", members: [...new Set(e.items.map((x) => num(x) - d.lo))].sort((a, b) => a - b) };
    }
    case "seqlit":
      return { k: "seq", items: e.items.map(num) };
    case "emptymap":
      return { k: "map", entries: new Map() };
    case "maplit": {
      if (e.t.kind !== "map" || !isScalarType(e.t.key)) break;
      const d = scalarDomain(e.t.key, profile);
      const entries = new Map<number, ConstVal>();
      for (let i = 0; i < e.items.length; i += 2) entries.set(num(e.items[i] as TExpr) - d.lo, evalConst(e.items[i + 1] as TExpr, profile));
      return { k: "map", entries };
    }
    case "neg":
      return s(-num(e.e));
    case "not":
      return s(num(e.e) === 0 ? 1 : 0);
    case "if":
      return num(e.c) !== 0 ? evalConst(e.a, profile) : evalConst(e.b, profile);
    case "bin": {
      if (e.op === "==" || e.op === "!=") {
        const same = JSON.stringify(evalConst(e.l, profile)) === JSON.stringify(evalConst(e.r, profile));
        return s(same === (e.op === "==") ? 1 : 0);
      }
      const l = num(e.l);
      const r = num(e.r);
      const b = (x: boolean) => s(x ? 1 : 0);
      switch (e.op) {
        case "+":
          return s(l + r);
        case "-":
          return s(l - r);
        case "*":
          return s(l * r);
        case "/":
          return s(Math.floor(l / r));
        case "%":
          return s(((l % r) + r) % r);
        case "<":
          return b(l < r);
        case "<=":
          return b(l <= r);
        case ">":
          return b(l > r);
        case ">=":
          return b(l >= r);
        case "&&":
          return b(l !== 0 && r !== 0);
        case "||":
          return b(l !== 0 || r !== 0);
      }
    }
  }
  throw new PromelaUnsupportedError(`initial value of kind "${e.k}${e.k === "fn" ? ` ${e.fn}` : ""}" is not a constant the export can evaluate`);
}

/** A constant as a View (payload values are bound this way). */
export function constView(v: ConstVal, t: TypeDesc, profile: ProfileDesc): View {
  switch (t.kind) {
    case "bool":
    case "int":
    case "enum":
    case "id":
      if (v.k !== "scalar") break;
      return scalar(num(v.v));
    case "option":
      if (v.k === "none") return emptyView(t, profile);
      if (v.k !== "some") break;
      return { k: "option", has: "1", of: constView(v.v, t.of, profile) };
    case "set": {
      if (v.k !== "set") break;
      const members = new Set(v.members);
      const size = domainOf(t.of, profile, "a Set element").size;
      return { k: "set", size, mem: (i) => (typeof i === "number" ? (members.has(i) ? "1" : "0") : or(v.members.map((m) => `(${i} == ${m})`))) };
    }
    case "seq": {
      if (v.k !== "seq") break;
      const fill = num(domainOf(t.of, profile, "a Seq element").lo);
      const items = v.items.map(num);
      return { k: "seq", cap: items.length, len: String(items.length), at: (j) => scalar(typeof j === "number" ? (items[j] ?? fill) : pick(j, items, fill)) };
    }
    case "map": {
      if (v.k !== "map") break;
      const size = domainOf(t.key, profile, "a Map key").size;
      const empty = emptyView(t.value, profile);
      const entries = [...v.entries].map(([k, x]) => [k, constView(x, t.value, profile)] as const);
      return {
        k: "map",
        size,
        has: (i) => (typeof i === "number" ? (v.entries.has(i) ? "1" : "0") : or(entries.map(([k]) => `(${i} == ${k})`))),
        val: (i) => {
          if (typeof i === "number") return entries.find(([k]) => k === i)?.[1] ?? empty;
          let out = empty;
          for (const [k, x] of [...entries].reverse()) out = condView(`(${i} == ${k})`, x, out);
          return out;
        },
      };
    }
  }
  throw new Error(`internal: constant of kind ${v.k} does not fit type ${t.kind}`);
}

/**
 * Every value of a type under the profile, as the explorer enumerates payloads: ids from the
 * domains, int ranges, enums, both bools, none plus every value, and every collection with at most
 * maxCollectionSize elements.
 */
export function allConstValues(t: TypeDesc, profile: ProfileDesc, limit: number): ConstVal[] {
  const max = profile.maxCollectionSize;
  const check = (n: number) => {
    if (n > limit) throw new PromelaUnsupportedError(`a payload type has more than ${limit} values under profile ${profile.name}`);
  };
  switch (t.kind) {
    case "bool":
    case "int":
    case "enum":
    case "id":
      return domainValues(scalarDomain(t, profile)).map((v) => ({ k: "scalar", v }));
    case "option":
      return [{ k: "none" }, ...allConstValues(t.of, profile, limit).map((v): ConstVal => ({ k: "some", v }))];
    case "set": {
      const n = domainOf(t.of, profile, "a Set element").size;
      const out: ConstVal[] = [];
      const walk = (from: number, chosen: number[]) => {
        out.push({ k: "set", members: [...chosen] });
        check(out.length);
        if (chosen.length === max) return;
        for (let i = from; i < n; i++) walk(i + 1, [...chosen, i]);
      };
      walk(0, []);
      return out;
    }
    case "seq": {
      const d = scalarDomain(asElement(t.of), profile);
      const out: ConstVal[] = [];
      const walk = (items: number[]) => {
        out.push({ k: "seq", items: [...items] });
        check(out.length);
        if (items.length === max) return;
        for (const v of domainValues(d)) walk([...items, v]);
      };
      walk([]);
      return out;
    }
    case "map": {
      const n = domainOf(t.key, profile, "a Map key").size;
      const values = allConstValues(t.value, profile, limit);
      const out: ConstVal[] = [];
      const walk = (from: number, entries: Map<number, ConstVal>) => {
        out.push({ k: "map", entries: new Map(entries) });
        check(out.length);
        if (entries.size === max) return;
        for (let i = from; i < n; i++) {
          for (const v of values) walk(i + 1, new Map([...entries, [i, v]]));
        }
      };
      walk(0, new Map());
      return out;
    }
    case "record":
    case "tuple":
      return compoundUnsupported(t);
  }
}

function asElement(t: TypeDesc): Extract<TypeDesc, { kind: "bool" | "int" | "enum" | "id" }> {
  if (!isScalarType(t)) throw new PromelaUnsupportedError("collection elements must be scalar");
  return t;
}


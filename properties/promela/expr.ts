// Typed expressions (TExpr) lowered to Promela views, with the meaning the TypeScript emitter
// (generator/emit/ts-code.ts) gives them: Option none/some, structural == on collections, `size`,
// `head`/`last` as Options, quantifiers over Set members, Seq items and Map keys.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import type { TExpr } from "../../generator/expr/typed.js";
import { compoundUnsupported, PromelaUnsupportedError } from "./errors.js";
import { and, asCount, cond, eqExpr, not, or, sum } from "./pml.js";
import { asScalar, encodeLiteral, inBound, indexOf, isScalarType, num, scalarDomain, valueAt, type ScalarDomain } from "./scalar.js";
import { condView, eqView, expect, pick, range, scalar, type Ix, type View } from "./view.js";

export interface ExprScope {
  readonly profile: ProfileDesc;
  /** The view of a state field (pre-state in guards and invariants, working copy in updates). */
  field(name: string): View;
  /** The view of a trigger payload field. */
  bind(name: string): View;
  /** Quantifier and loop variables in scope. */
  readonly vars: ReadonlyMap<string, View>;
}

export function withVar<S extends ExprScope>(scope: S, name: string, v: View): S {
  return { ...scope, vars: new Map([...scope.vars, [name, v]]) };
}

/** The domain of a scalar type under the scope's profile. */
export function domainOf(t: TypeDesc, profile: ProfileDesc, what: string): ScalarDomain {
  return scalarDomain(asScalar(t, what), profile);
}

/** The element (Set, Seq) or key (Map) type of a collection type. */
export function elementOf(t: TypeDesc): TypeDesc {
  if (t.kind === "set" || t.kind === "seq") return t.of;
  if (t.kind === "map") return t.key;
  throw new PromelaUnsupportedError(`${t.kind} is not a collection`);
}

/**
 * An index into a scalar domain for an encoded value, folded when the value is a literal. A value
 * outside a profile's int bound maps to slot 0; pair the lookup with `inBound`.
 */
export function indexFor(d: ScalarDomain, value: string): Ix {
  const m = /^\(?(-?\d+)\)?$/.exec(value);
  if (m) {
    const i = Number(m[1]) - d.lo;
    return i >= 0 && i < d.size ? i : 0;
  }
  return indexOf(d, value);
}

/** none, {}, [], an empty map: the canonical empty value of a type. */
export function emptyView(t: TypeDesc, profile: ProfileDesc): View {
  switch (t.kind) {
    case "bool":
    case "int":
    case "enum":
    case "id":
      return scalar(num(scalarDomain(t, profile).lo));
    case "option":
      return { k: "option", has: "0", of: emptyView(t.of, profile) };
    case "set":
      return { k: "set", size: domainOf(t.of, profile, "a Set element").size, mem: () => "0" };
    case "seq": {
      const fill = num(domainOf(t.of, profile, "a Seq element").lo);
      return { k: "seq", cap: 0, len: "0", at: () => scalar(fill) };
    }
    case "map": {
      const value = emptyView(t.value, profile);
      return { k: "map", size: domainOf(t.key, profile, "a Map key").size, has: () => "0", val: () => value };
    }
    case "record":
    case "tuple":
      return compoundUnsupported(t);
  }
}

export function compileExpr(e: TExpr, scope: ExprScope): View {
  const c = (x: TExpr) => compileExpr(x, scope);
  const s = (x: TExpr) => expect(c(x), "scalar").e;
  const { profile } = scope;
  switch (e.k) {
    case "lit":
      if (e.v === null) return emptyView(e.t, profile);
      if (!isScalarType(e.t)) throw new PromelaUnsupportedError(`literal of type ${e.t.kind}`);
      return scalar(num(encodeLiteral(e.t, e.v)));
    case "field":
      if (e.inst !== undefined) throw new PromelaUnsupportedError(`instance fields (${e.inst}.${e.name}) belong to compositions`);
      return scope.field(e.name);
    case "phase":
      if (e.inst !== undefined) throw new PromelaUnsupportedError(`instance phases (${e.inst}.phase) belong to compositions`);
      return scalar("phase");
    case "bind":
      return scope.bind(e.name);
    case "var": {
      const v = scope.vars.get(e.name);
      if (!v) throw new Error(`internal: variable ${e.name} is not in scope`);
      return v;
    }
    case "not":
      return scalar(not(s(e.e)));
    case "neg":
      return scalar(`(-${s(e.e)})`);
    case "bin": {
      switch (e.op) {
        case "&&":
          return scalar(and([s(e.l), s(e.r)]));
        case "||":
          return scalar(or([s(e.l), s(e.r)]));
        case "==":
          return scalar(eqView(c(e.l), c(e.r)));
        case "!=":
          return scalar(not(eqView(c(e.l), c(e.r))));
        case "/":
        case "%":
          // Promela's / and % truncate toward zero; the spec's round down. They agree when the
          // dividend cannot be negative (the divisor is proven >= 1).
          if ((e.l.range?.[0] ?? -Infinity) < 0) throw new PromelaUnsupportedError(`"${e.op}" with a dividend that may be negative (its range is ${e.l.range ? `${e.l.range[0]}..${e.l.range[1]}` : "unbounded"})`);
          return scalar(`(${s(e.l)} ${e.op} ${s(e.r)})`);
        default:
          return scalar(`(${s(e.l)} ${e.op} ${s(e.r)})`);
      }
    }
    case "if":
      return condView(s(e.c), c(e.a), c(e.b));
    case "quant": {
      const over = c(e.over);
      const elem = elementOf(e.over.t);
      const parts = members(over, elem, profile).map(({ present, value }) => {
        const body = expect(compileExpr(e.body, withVar(scope, e.v, value)), "scalar").e;
        return e.all ? or([not(present), body]) : and([present, body]);
      });
      return scalar(e.all ? and(parts) : or(parts));
    }
    case "fn":
      return compileFn(e as TExpr & { k: "fn" }, scope);
    case "setlit": {
      const d = domainOf(elementOf(e.t), profile, "a Set element");
      if (d.declared && e.items.some((it) => it.range === undefined || it.range[0] < d.lo || it.range[1] > d.hi)) {
        throw new PromelaUnsupportedError(`a Set literal may hold values outside the profile's bound ${d.lo}..${d.hi} for its int elements`);
      }
      const items = e.items.map(s);
      return { k: "set", size: d.size, mem: (i) => or(items.map((it) => eqExpr(it, valueAt(d, i)))) };
    }
    case "seqlit": {
      const d = domainOf(elementOf(e.t), profile, "a Seq element");
      const items = e.items.map(s);
      const fill = num(d.lo);
      return {
        k: "seq",
        cap: items.length,
        len: String(items.length),
        at: (j) => scalar(typeof j === "number" ? (items[j] ?? fill) : pick(j, items, fill)),
      };
    }
    case "emptymap":
      return emptyView(e.t, profile);
    case "maplit": {
      const t = e.t as TypeDesc & { kind: "map" };
      const d = domainOf(t.key, profile, "a Map key");
      const keys: string[] = [];
      const values: View[] = [];
      for (let i = 0; i < e.items.length; i += 2) {
        keys.push(s(e.items[i] as TExpr));
        values.push(c(e.items[i + 1] as TExpr));
      }
      const empty = emptyView(t.value, profile);
      return {
        k: "map",
        size: d.size,
        has: (i) => or(keys.map((k) => eqExpr(k, valueAt(d, i)))),
        // A later entry for the same key wins, as in the Map the generated code builds.
        val: (i) => keys.reduce<View>((out, k, j) => condView(eqExpr(k, valueAt(d, i)), values[j] as View, out), empty),
      };
    }
  }
}

/** The possible members of a collection view: a presence condition and the element value, per slot. */
export function members(over: View, elem: TypeDesc, profile: ProfileDesc): { present: string; value: View }[] {
  if (over.k === "seq") return range(over.cap).map((j) => ({ present: `(${j} < ${over.len})`, value: over.at(j) }));
  const d = domainOf(elem, profile, "a collection element");
  if (over.k === "set") return range(over.size).map((i) => ({ present: over.mem(i), value: scalar(valueAt(d, i)) }));
  if (over.k === "map") return range(over.size).map((i) => ({ present: over.has(i), value: scalar(valueAt(d, i)) }));
  throw new Error(`internal: cannot iterate a ${over.k} view`);
}

/** Number of elements of a Set, Seq or Map view. */
export function sizeOf(v: View): string {
  switch (v.k) {
    case "set":
      return sum(range(v.size).map((i) => asCount(v.mem(i))));
    case "map":
      return sum(range(v.size).map((i) => asCount(v.has(i))));
    case "seq":
      return v.len;
    default:
      throw new Error(`internal: ${v.k} has no size`);
  }
}

function compileFn(e: TExpr & { k: "fn" }, scope: ExprScope): View {
  const { profile } = scope;
  const arg = (i: number) => e.args[i] as TExpr;
  const a = compileExpr(arg(0), scope);
  const sc = (i: number) => expect(compileExpr(arg(i), scope), "scalar").e;
  const keyDom = () => domainOf(elementOf(arg(0).t), profile, "a key");
  switch (e.fn) {
    case "some":
      return { k: "option", has: "1", of: a };
    case "isSome":
      return scalar(expect(a, "option").has);
    case "isNone":
      return scalar(not(expect(a, "option").has));
    case "value":
      return expect(a, "option").of;
    case "valueOr": {
      const o = expect(a, "option");
      return condView(o.has, o.of, compileExpr(arg(1), scope));
    }
    case "contains": {
      if (a.k === "seq") {
        const x = sc(1);
        return scalar(or(range(a.cap).map((j) => and([`(${j} < ${a.len})`, eqExpr(expect(a.at(j), "scalar").e, x)]))));
      }
      const x = sc(1);
      return scalar(and([inBound(keyDom(), x), expect(a, "set").mem(indexFor(keyDom(), x))]));
    }
    case "containsKey": {
      const x = sc(1);
      return scalar(and([inBound(keyDom(), x), expect(a, "map").has(indexFor(keyDom(), x))]));
    }
    case "get": {
      const m = expect(a, "map");
      const x = sc(1);
      const i = indexFor(keyDom(), x);
      return { k: "option", has: and([inBound(keyDom(), x), m.has(i)]), of: m.val(i) };
    }
    case "getOr": {
      const m = expect(a, "map");
      const x = sc(1);
      const i = indexFor(keyDom(), x);
      return condView(and([inBound(keyDom(), x), m.has(i)]), m.val(i), compileExpr(arg(2), scope));
    }
    case "keys": {
      const m = expect(a, "map");
      return { k: "set", size: m.size, mem: (i) => m.has(i) };
    }
    case "at": {
      const q = expect(a, "seq");
      const x = sc(1);
      const has = and([`(${x} >= 0)`, `(${x} < ${q.len})`]);
      const lit = /^\(?(-?\d+)\)?$/.exec(x);
      return { k: "option", has, of: q.at(lit ? Math.max(0, Number(lit[1])) : cond(has, x, "0")) };
    }
    case "union":
    case "minus":
    case "intersect": {
      const l = expect(a, "set");
      const r = expect(compileExpr(arg(1), scope), "set");
      const mem = (i: Ix) => (e.fn === "union" ? or([l.mem(i), r.mem(i)]) : e.fn === "minus" ? and([l.mem(i), not(r.mem(i))]) : and([l.mem(i), r.mem(i)]));
      return { k: "set", size: l.size, mem };
    }
    case "subsetOf": {
      const l = expect(a, "set");
      const r = expect(compileExpr(arg(1), scope), "set");
      return scalar(and(range(l.size).map((i) => or([not(l.mem(i)), r.mem(i)]))));
    }
    case "size":
      return scalar(sizeOf(a));
    case "isEmpty":
      return scalar(`(${sizeOf(a)} == 0)`);
    case "head": {
      const q = expect(a, "seq");
      return { k: "option", has: `(${q.len} > 0)`, of: q.at(0) };
    }
    case "last": {
      const q = expect(a, "seq");
      const lenConst = /^\d+$/.test(q.len) ? Number(q.len) : undefined;
      const idx: Ix = lenConst !== undefined ? Math.max(0, lenConst - 1) : cond(`(${q.len} > 0)`, `(${q.len} - 1)`, "0");
      return { k: "option", has: `(${q.len} > 0)`, of: q.at(idx) };
    }
    case "record":
    case "tuple":
    case "item":
      throw new PromelaUnsupportedError("records and tuples are checked by meerkat check only");
  }
}

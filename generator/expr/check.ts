// The expression type checker. It resolves names, infers types (with the expected type as context,
// so `phase == Unlocked` and `lastCoin != none` need no annotations), proves option access and
// integer ranges from flow facts (guards, `&&`, `||`, `if`), and produces typed trees.

import type { TypeDesc } from "../../kernel/types.js";
import { describeType } from "../../kernel/types.js";
import type { DiagnosticCode } from "../diagnostics.js";
import type { Expr, FieldInit, Span, Stmt } from "./ast.js";
import { isValueType, type Builtin, type CollectionMethod, type Range, type TExpr, type TStmt } from "./typed.js";

export interface ExprError {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly span: Span;
  readonly hint?: string;
}

class Fail extends Error {
  constructor(readonly error: ExprError) {
    super(error.message);
  }
}

export interface InstanceScope {
  readonly fields: ReadonlyMap<string, TypeDesc>;
  readonly phaseType: TypeDesc;
}

export interface Scope {
  /** State fields readable by name; empty for initial values. */
  readonly fields: ReadonlyMap<string, TypeDesc>;
  /** Type of `phase`, or null where the phase cannot be read. */
  readonly phaseType: TypeDesc | null;
  /** Trigger payload fields (or effect fields, in route bindings). */
  readonly bindings: ReadonlyMap<string, TypeDesc>;
  /** Machine instances, in compositions: `left.coins`, `left.phase`. */
  readonly instances: ReadonlyMap<string, InstanceScope>;
  /** Enum types by name, for qualified values such as `Color.Red`. */
  readonly enums: ReadonlyMap<string, TypeDesc & { kind: "enum" }>;
  /** Named types: a finite one (enum, int, Phase) read as a value is the Set of all its values. */
  readonly types?: ReadonlyMap<string, TypeDesc>;
  /** Shared named expressions over the state (`definitions`), checked where they are read. */
  readonly definitions?: ReadonlyMap<string, Expr>;
  /** Named id constants (`constants`): each a fixed value of its id type, spelled as its name. */
  readonly constants?: ReadonlyMap<string, TypeDesc>;
}

/** A type named as a value holds at most this many values (`all x in T: ...` unrolls over them). */
export const MAX_TYPE_AS_SET = 1024;

/** What is known at a program point, keyed by a canonical rendering of an expression. */
export type Facts = ReadonlyMap<string, { readonly some?: true; readonly range?: Range }>;

export const NO_FACTS: Facts = new Map();

const INF: Range = [-Infinity, Infinity];
const BOOL: TypeDesc = { kind: "bool" };
const INT: TypeDesc = { kind: "int", name: "int", min: -Infinity, max: Infinity };

export function sameType(a: TypeDesc, b: TypeDesc): boolean {
  switch (a.kind) {
    case "bool":
    case "int":
      return b.kind === a.kind;
    case "enum":
      return b.kind === "enum" && a.name === b.name && a.values.join() === b.values.join();
    case "id":
      return b.kind === "id" && a.name === b.name;
    case "option":
    case "set":
    case "seq":
      return b.kind === a.kind && sameType(a.of, b.of);
    case "map":
      return b.kind === "map" && sameType(a.key, b.key) && sameType(a.value, b.value);
    case "record":
      // Nominal, but two machines of a composition may each declare a record of one name.
      return b.kind === "record" && a.name === b.name && a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]?.name && sameType(f.type, b.fields[i].type));
    case "tuple":
      return b.kind === "tuple" && a.items.length === b.items.length && a.items.every((x, i) => sameType(x, b.items[i] as TypeDesc));
  }
}

/**
 * Where a value of type `src` may hold an int outside `dst` inside a tuple: tuples are structural
 * and `sameType` ignores int ranges, so `(Big, Big)` into `(Small, Small)` is checked here. Returns
 * a description of the first such item, or null.
 */
export function tupleRangeProblem(src: TypeDesc, dst: TypeDesc, inTuple = false): string | null {
  if (src.kind === "int" && dst.kind === "int") {
    return inTuple && (src.min < dst.min || src.max > dst.max) ? `an item may be ${showRange([src.min, src.max])}, outside ${dst.name} (${dst.min}..${dst.max})` : null;
  }
  if (src.kind === "tuple" && dst.kind === "tuple") {
    for (let i = 0; i < src.items.length; i++) {
      const p = tupleRangeProblem(src.items[i] as TypeDesc, dst.items[i] as TypeDesc, true);
      if (p) return p;
    }
    return null;
  }
  if ((src.kind === "option" || src.kind === "set" || src.kind === "seq") && src.kind === dst.kind) return tupleRangeProblem(src.of, (dst as { of: TypeDesc }).of, inTuple);
  if (src.kind === "map" && dst.kind === "map") return tupleRangeProblem(src.key, dst.key, inTuple) ?? tupleRangeProblem(src.value, dst.value, inTuple);
  return null;
}

export function keyOf(e: TExpr): string | undefined {
  switch (e.k) {
    case "field":
      return e.inst ? `@${e.inst}.${e.name}` : `@${e.name}`;
    case "phase":
      return e.inst ? `@${e.inst}.phase` : "@phase";
    case "bind":
      return `$${e.name}`;
    case "var":
      return `%${e.name}`;
    case "lit":
      return JSON.stringify(e.v);
    case "bin": {
      // Arithmetic keys, so a fact about `big + small` holds where the same sum is read again.
      if (e.op !== "+" && e.op !== "-" && e.op !== "*" && e.op !== "/" && e.op !== "%") return undefined;
      const l = keyOf(e.l);
      const r = keyOf(e.r);
      return l !== undefined && r !== undefined ? `(${l}${e.op}${r})` : undefined;
    }
    case "fn": {
      const args = e.args.map(keyOf);
      return args.every((a) => a !== undefined) ? `${e.fn}(${args.join(",")})` : undefined;
    }
    default:
      return undefined;
  }
}

function withFact(facts: Facts, key: string | undefined, fact: { some?: true; range?: Range }): Facts {
  if (key === undefined) return facts;
  const prev = facts.get(key) ?? {};
  const next = new Map(facts);
  const range = fact.range && prev.range ? intersect(prev.range, fact.range) : (fact.range ?? prev.range);
  next.set(key, { ...(prev.some || fact.some ? { some: true as const } : {}), ...(range ? { range } : {}) });
  return next;
}

/**
 * What `x != c` says about `x` when `c` is a single value: an end of `x`'s interval equal to `c`
 * is cut off (`p != 5` with `p` in 0..5 leaves 0..4). A value inside the interval cuts nothing,
 * since intervals have no holes.
 */
function excludeEnd(x: Range, c: Range): { range?: Range } {
  if (c[0] !== c[1]) return {};
  if (x[1] === c[0]) return { range: [-Infinity, c[0] - 1] };
  if (x[0] === c[0]) return { range: [c[0] + 1, Infinity] };
  return {};
}

function intersect(a: Range, b: Range): Range {
  return [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
}

function hull(a: Range, b: Range): Range {
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

export function showRange(r: Range): string {
  const f = (n: number) => (n === Infinity ? "∞" : n === -Infinity ? "-∞" : String(n));
  return `${f(r[0])}..${f(r[1])}`;
}

/** Forgets what was known about a field once an update writes it. */
export function killField(facts: Facts, field: string): Facts {
  const re = new RegExp(`@${field}(?![A-Za-z0-9_])`);
  let changed = false;
  const next = new Map<string, { some?: true; range?: Range }>();
  for (const [k, v] of facts) {
    if (re.test(k)) changed = true;
    else next.set(k, v);
  }
  return changed ? next : facts;
}

/** Facts that hold when `cond` evaluates to `positive`. */
export function assume(cond: TExpr, positive: boolean, facts: Facts): Facts {
  switch (cond.k) {
    case "not":
      return assume(cond.e, !positive, facts);
    case "bin": {
      const { op, l, r } = cond;
      if (op === "&&" && positive) return assume(r, true, assume(l, true, facts));
      if (op === "||" && !positive) return assume(r, false, assume(l, false, facts));
      if (op === "==" || op === "!=") {
        const eq = (op === "==") === positive;
        if (l.t.kind === "option" && r.k === "lit" && r.v === null && !eq) return withFact(facts, keyOf(l), { some: true });
        if (r.t.kind === "option" && l.k === "lit" && l.v === null && !eq) return withFact(facts, keyOf(r), { some: true });
        // `o == some(x)`: o holds a value (so `o.value` is safe where this holds).
        if (eq && l.t.kind === "option" && r.k === "fn" && r.fn === "some") return withFact(facts, keyOf(l), { some: true });
        if (eq && r.t.kind === "option" && l.k === "fn" && l.fn === "some") return withFact(facts, keyOf(r), { some: true });
        if (eq && l.range && r.range) {
          return withFact(withFact(facts, keyOf(l), { range: r.range }), keyOf(r), { range: l.range });
        }
        if (!eq && l.range && r.range) return withFact(withFact(facts, keyOf(l), excludeEnd(l.range, r.range)), keyOf(r), excludeEnd(r.range, l.range));
        return facts;
      }
      if ((op === "<" || op === "<=" || op === ">" || op === ">=") && l.range && r.range) {
        // Normalise to a < b or a <= b.
        let strict = op === "<" || op === ">";
        let [a, b] = op === "<" || op === "<=" ? [l, r] : [r, l];
        if (!positive) {
          [a, b] = [b, a];
          strict = !strict;
        }
        const d = strict ? 1 : 0;
        const ar = a.range as Range;
        const br = b.range as Range;
        return withFact(withFact(facts, keyOf(a), { range: [-Infinity, br[1] - d] }), keyOf(b), { range: [ar[0] + d, Infinity] });
      }
      return facts;
    }
    case "fn": {
      const [x, y] = cond.args;
      if ((cond.fn === "isSome" && positive) || (cond.fn === "isNone" && !positive)) return withFact(facts, keyOf(x as TExpr), { some: true });
      if (cond.fn === "containsKey" && positive && x && y) {
        const k = keyOf(x);
        const kk = keyOf(y);
        return k && kk ? withFact(facts, `get(${k},${kk})`, { some: true }) : facts;
      }
      if (cond.fn === "isEmpty" && !positive && x?.t.kind === "seq") {
        const k = keyOf(x);
        return k ? withFact(withFact(facts, `head(${k})`, { some: true }), `last(${k})`, { some: true }) : facts;
      }
      return facts;
    }
    default:
      return facts;
  }
}

export class Checker {
  constructor(readonly scope: Scope) {}

  /** Checks an expression; on failure returns the error instead of a tree. */
  check(e: Expr, expected: TypeDesc | undefined, facts: Facts, vars: ReadonlyMap<string, TypeDesc> = new Map()): TExpr | ExprError {
    try {
      return new Walk(this.scope, vars).expr(e, expected, facts);
    } catch (err) {
      if (err instanceof Fail) return err.error;
      throw err;
    }
  }

  /** Checks that `e` can be stored in a place of type `target` (including the int range). */
  checkValue(e: Expr, target: TypeDesc, facts: Facts, what: string, vars: ReadonlyMap<string, TypeDesc> = new Map()): TExpr | ExprError {
    try {
      const w = new Walk(this.scope, vars);
      return w.value(e, target, facts, what);
    } catch (err) {
      if (err instanceof Fail) return err.error;
      throw err;
    }
  }

  /** Checks update statements in order; returns the typed statements, the facts after them, and errors. */
  stmts(stmts: readonly Stmt[], facts: Facts): { typed: TStmt[]; facts: Facts; errors: ExprError[] } {
    const w = new Walk(this.scope, new Map());
    const errors: ExprError[] = [];
    const out = w.stmts(stmts, facts, errors);
    return { typed: out.typed, facts: out.facts, errors };
  }
}

class Walk {
  constructor(
    readonly scope: Scope,
    readonly vars: ReadonlyMap<string, TypeDesc>,
    /** `let` names in scope, each standing for its checked value (inlined: expressions are pure). */
    readonly lets: ReadonlyMap<string, TExpr> = new Map(),
    /** Definitions being expanded, innermost last: one that reads itself is a cycle. */
    readonly expanding: readonly string[] = [],
  ) {}

  /** The same walk with more quantifier variables (lets and expansions carry over). */
  withVars(vars: ReadonlyMap<string, TypeDesc>): Walk {
    return new Walk(this.scope, vars, this.lets, this.expanding);
  }

  fail(code: DiagnosticCode, message: string, span: Span, hint?: string): never {
    throw new Fail({ code, message, span, ...(hint ? { hint } : {}) });
  }

  /** Names that would resolve to a value (used to decide whether a bare name is an enum literal). */
  isValueName(name: string): boolean {
    return this.lets.has(name) || (this.scope.definitions?.has(name) ?? false) || this.vars.has(name) || this.scope.bindings.has(name) || this.scope.fields.has(name) || (name === "phase" && this.scope.phaseType !== null);
  }

  needsContext(e: Expr): boolean {
    if (e.k === "none") return true;
    if ((e.k === "setlit" || e.k === "seqlit") && e.items.length === 0) return true;
    if (e.k === "ident") return !this.isValueName(e.name);
    return false;
  }

  value(e: Expr, target: TypeDesc, facts: Facts, what: string): TExpr {
    const te = this.expr(e, target, facts);
    this.expectType(te, target, e.span, what);
    const nested = tupleRangeProblem(te.t, target);
    if (nested) this.fail("int-overflow", `${what}: ${nested}`, e.span, "build the tuple where it is stored, so each item is checked against its type");
    if (target.kind === "int" && te.range) {
      const [lo, hi] = te.range;
      if (lo < target.min || hi > target.max) {
        this.fail(
          "int-overflow",
          `${what} may be ${showRange(te.range)}, outside ${target.name} (${target.min}..${target.max})`,
          e.span,
          "add a guard that bounds it (for example `x < max`), or saturate with `if x < max then x + 1 else x`",
        );
      }
    }
    return te;
  }

  expectType(te: TExpr, target: TypeDesc, span: Span, what: string): void {
    if (!sameType(te.t, target)) this.fail("type-mismatch", `${what} has type ${describeType(te.t)}, expected ${describeType(target)}`, span);
  }

  withRange(node: TExpr, base: Range | undefined, facts: Facts): TExpr {
    if (node.t.kind !== "int") return node;
    let range = base ?? INF;
    const k = keyOf(node);
    const f = k === undefined ? undefined : facts.get(k);
    if (f?.range) range = intersect(range, f.range);
    return { ...node, range };
  }

  expr(e: Expr, expected: TypeDesc | undefined, facts: Facts): TExpr {
    switch (e.k) {
      case "int":
        return { k: "lit", v: e.value, t: expected?.kind === "int" ? expected : INT, range: [e.value, e.value] };
      case "bool":
        return { k: "lit", v: e.value, t: BOOL };
      case "none":
        if (!expected || expected.kind !== "option") {
          this.fail("type-mismatch", expected ? `none is not a ${describeType(expected)}` : "cannot tell which Option type this none has", e.span, expected ? undefined : "compare it with a typed value, e.g. `x == none`");
        }
        return { k: "lit", v: null, t: expected };
      case "ident":
        return this.ident(e.name, e.span, expected, facts);
      case "member":
        return this.member(e, expected, facts);
      case "call":
        return this.call(e, expected, facts);
      case "unary": {
        if (e.op === "!") return { k: "not", e: this.bool(e.e, facts), t: BOOL };
        const inner = this.int(e.e, facts);
        const r = inner.range ?? INF;
        return { k: "neg", e: inner, t: INT, range: [-r[1], -r[0]] };
      }
      case "binary":
        return this.binary(e, expected, facts);
      case "if": {
        const c = this.bool(e.c, facts);
        const needs = this.needsContext(e.t);
        const a0 = needs ? undefined : this.expr(e.t, expected, assume(c, true, facts));
        const b = this.expr(e.e, expected ?? a0?.t, assume(c, false, facts));
        const a = a0 ?? this.expr(e.t, expected ?? b.t, assume(c, true, facts));
        if (!sameType(a.t, b.t)) this.fail("type-mismatch", `the branches of if have different types: ${describeType(a.t)} and ${describeType(b.t)}`, e.span);
        const t = a.t.kind === "int" && expected?.kind !== "int" ? INT : a.t.kind === "tuple" ? tupleHull(a.t, b.t) : a.t;
        return { k: "if", c, a, b, t, ...(a.range && b.range ? { range: hull(a.range, b.range) } : {}) };
      }
      case "quant": {
        if (this.isValueName(e.v)) this.fail("binding-shadows-field", `quantifier variable "${e.v}" hides another name`, e.vSpan);
        const over = this.expr(e.over, undefined, facts);
        const elem = over.t.kind === "set" || over.t.kind === "seq" ? over.t.of : over.t.kind === "map" ? over.t.key : undefined;
        if (!elem) this.fail("type-mismatch", `can only quantify over a Set, Seq or Map (its keys), not ${describeType(over.t)}`, e.over.span);
        const inner = this.withVars(new Map([...this.vars, [e.v, elem]]));
        let bodyFacts = facts;
        if (over.t.kind === "map") {
          const mk = keyOf(over);
          if (mk) bodyFacts = withFact(facts, `get(${mk},%${e.v})`, { some: true });
        }
        const body = inner.bool(e.body, bodyFacts);
        return { k: "quant", all: e.all, v: e.v, over, body, t: BOOL };
      }
      case "seqlit":
      case "setlit": {
        const kind = e.k === "seqlit" ? "seq" : "set";
        if (e.items.length === 0) {
          if (expected && (expected.kind === kind || (kind === "set" && expected.kind === "map"))) {
            return expected.kind === "map" ? { k: "emptymap", t: expected } : { k: e.k, items: [], t: expected };
          }
          this.fail(
            "type-mismatch",
            expected ? `${e.k === "seqlit" ? "[]" : "{}"} is not a ${describeType(expected)}` : `cannot tell the type of the empty ${e.k === "seqlit" ? "sequence []" : "collection {}"}`,
            e.span,
          );
        }
        const want = expected && (expected.kind === "set" || expected.kind === "seq") ? expected.of : undefined;
        const first = this.expr(e.items[0] as Expr, want, facts);
        const elem = want ?? literalElementType(first, e.items, (it) => this.expr(it, undefined, facts));
        if (!isValueType(elem)) this.fail("type-mismatch", `collection elements must be bool, int, enum, id, record or tuple values, not ${describeType(elem)}`, e.span);
        const items = e.items.map((it, i) => {
          const te = i === 0 ? first : this.expr(it, elem, facts);
          this.expectType(te, elem, it.span, "this element");
          return te;
        });
        const t: TypeDesc = kind === "set" ? { kind: "set", of: elem } : { kind: "seq", of: elem };
        return { k: e.k, items, t };
      }
      case "maplit":
        return this.mapLiteral(e, expected, facts);
      case "reclit":
        return this.recordLiteral(e, facts);
      case "recwith":
        return this.recordWith(e, facts);
      case "tuplit":
        return this.tupleLiteral(e, expected, facts);
      case "index": {
        const obj = this.expr(e.obj, undefined, facts);
        if (obj.t.kind !== "tuple") {
          this.fail("type-mismatch", `[${e.index}] reads a tuple item; this is a ${describeType(obj.t)}`, e.span, obj.t.kind === "seq" ? "read a Seq item with q.at(i)" : obj.t.kind === "map" ? "read a Map with m.get(k)" : undefined);
        }
        const t = obj.t.items[e.index];
        if (t === undefined) this.fail("unknown-field", `${describeType(obj.t)} has items [0] to [${obj.t.items.length - 1}], not [${e.index}]`, e.indexSpan);
        return this.part(obj, e.index, t, facts);
      }
      case "let": {
        if (this.isValueName(e.v)) this.fail("binding-shadows-field", `let name "${e.v}" hides another name`, e.vSpan);
        const value = this.expr(e.e, undefined, facts);
        return new Walk(this.scope, this.vars, new Map([...this.lets, [e.v, value]]), this.expanding).expr(e.body, expected, facts);
      }
    }
  }

  mapLiteral(e: Expr & { k: "maplit" }, expected: TypeDesc | undefined, facts: Facts): TExpr {
    const want = expected?.kind === "map" ? expected : undefined;
    const first = e.entries[0] as { key: Expr; value: Expr };
    const k0 = this.expr(first.key, want?.key, facts);
    const v0 = this.expr(first.value, want?.value, facts);
    const keyType = want?.key ?? literalElementType(k0, e.entries.map((x) => x.key), (it) => this.expr(it, undefined, facts));
    const valueType = want?.value ?? literalElementType(v0, e.entries.map((x) => x.value), (it) => this.expr(it, undefined, facts));
    if (!isValueType(keyType)) this.fail("type-mismatch", `map keys must be bool, int, enum, id, record or tuple values, not ${describeType(keyType)}`, first.key.span);
    if (valueType.kind === "option") this.fail("type-mismatch", "map values cannot be Option (a missing key already means none)", first.value.span);
    const items: TExpr[] = [];
    const seen = new Set<string>();
    e.entries.forEach((x, i) => {
      const k = i === 0 ? k0 : this.expr(x.key, keyType, facts);
      this.expectType(k, keyType, x.key.span, "this key");
      if (k.k === "lit") {
        const id = JSON.stringify(k.v);
        if (seen.has(id)) this.fail("duplicate-name", `the map literal gives key ${String(k.v)} twice`, x.key.span);
        seen.add(id);
      }
      const v = i === 0 ? v0 : this.expr(x.value, valueType, facts);
      this.expectType(v, valueType, x.value.span, "this value");
      if (valueType.kind === "int" && v.range && (v.range[0] < valueType.min || v.range[1] > valueType.max)) {
        this.fail("int-overflow", `this value may be ${showRange(v.range)}, outside ${valueType.name} (${valueType.min}..${valueType.max})`, x.value.span);
      }
      items.push(k, v);
    });
    return { k: "maplit", items, t: { kind: "map", key: keyType, value: valueType } };
  }

  /** Part `i` (a record field or tuple item) of `obj`, with its type's range and what is known about it. */
  part(obj: TExpr, i: number, t: TypeDesc, facts: Facts): TExpr {
    return this.withRange({ k: "fn", fn: "item", args: [obj, { k: "lit", v: i, t: INT, range: [i, i] }], t }, intRange(t), facts);
  }

  /** The record type named `name`, or a located error. */
  recordType(name: string, span: Span): TypeDesc & { kind: "record" } {
    const t = this.scope.types?.get(name);
    if (!t) this.fail("unknown-type", `unknown record type "${name}"`, span);
    if (t.kind !== "record") this.fail("type-mismatch", `${name} is ${t.kind === "tuple" ? "a tuple type: build it with (a, b)" : `a ${t.kind} type, not a record type`}`, span);
    return t;
  }

  /** `name: value` entries against a record type: each a known field, given once, of the field's type. */
  fieldValues(rt: TypeDesc & { kind: "record" }, fields: readonly FieldInit[], facts: Facts): Map<string, TExpr> {
    const out = new Map<string, TExpr>();
    for (const f of fields) {
      const decl = rt.fields.find((x) => x.name === f.name);
      if (!decl) this.fail("unknown-field", `${rt.name} has no field "${f.name}"`, f.nameSpan, `its fields: ${rt.fields.map((x) => x.name).join(", ")}`);
      if (out.has(f.name)) this.fail("duplicate-name", `field ${f.name} is given twice`, f.nameSpan);
      out.set(f.name, this.value(f.value, decl.type, facts, `field ${rt.name}.${f.name}`));
    }
    return out;
  }

  /** `Msg{from: n, bal: b}`: every field, each once, of its declared type (ranges checked). */
  recordLiteral(e: Expr & { k: "reclit" }, facts: Facts): TExpr {
    const rt = this.recordType(e.type, e.typeSpan);
    const given = this.fieldValues(rt, e.fields, facts);
    const missing = rt.fields.filter((f) => !given.has(f.name)).map((f) => f.name);
    if (missing.length > 0) this.fail("type-mismatch", `${rt.name}{...} is missing field${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`, e.span, "give every field; {m with f: v} copies a record with some fields changed");
    return { k: "fn", fn: "record", args: rt.fields.map((f) => given.get(f.name) as TExpr), t: rt };
  }

  /** `{m with bal: b}`: the fields not listed are read from `m`. */
  recordWith(e: Expr & { k: "recwith" }, facts: Facts): TExpr {
    const obj = this.expr(e.obj, undefined, facts);
    if (obj.t.kind !== "record") this.fail("type-mismatch", `{... with ...} copies a record; this is a ${describeType(obj.t)}`, e.obj.span);
    const rt = obj.t;
    const given = this.fieldValues(rt, e.fields, facts);
    return { k: "fn", fn: "record", args: rt.fields.map((f, i) => given.get(f.name) ?? this.part(obj, i, f.type, facts)), t: rt };
  }

  /**
   * `(a, b)`: typed item by item (in the expected tuple type's context, if any). An int item's type
   * is narrowed to its interval, so storing the tuple checks each item's range (tupleRangeProblem)
   * while comparing it does not; a tuple that fits the expected type simply has that type.
   */
  tupleLiteral(e: Expr & { k: "tuplit" }, expected: TypeDesc | undefined, facts: Facts): TExpr {
    const want = expected?.kind === "tuple" ? expected : undefined;
    if (want && want.items.length !== e.items.length) {
      this.fail("type-mismatch", `this tuple has ${e.items.length} items; ${describeType(want)} has ${want.items.length}`, e.span);
    }
    const items = e.items.map((it, i) => {
      const te = this.expr(it, want?.items[i], facts);
      if (want) this.expectType(te, want.items[i] as TypeDesc, it.span, `item [${i}]`);
      else if (!(isValueType(te.t) || (te.t.kind === "option" && isValueType(te.t.of)))) {
        this.fail("type-mismatch", `a tuple item must be bool, int, enum, id, a record, a tuple or an Option of one, not ${describeType(te.t)}`, it.span);
      }
      return te;
    });
    const exact: TypeDesc = {
      kind: "tuple",
      items: items.map((te) => (te.t.kind === "int" && te.range ? { kind: "int", name: te.t.name, min: te.range[0], max: te.range[1] } : te.t)),
    };
    const t = want && tupleRangeProblem(exact, want) === null ? want : exact;
    return { k: "fn", fn: "tuple", args: items, t };
  }

  /** A finite named type read as a value: the Set of all its values, in declaration order. */
  typeAsSet(t: TypeDesc, name: string, span: Span): TExpr {
    const lit = (v: boolean | number | string): TExpr => (typeof v === "number" ? { k: "lit", v, t, range: [v, v] } : { k: "lit", v, t });
    switch (t.kind) {
      case "enum":
        return { k: "setlit", items: t.values.map(lit), t: { kind: "set", of: t } };
      case "bool":
        return { k: "setlit", items: [false, true].map(lit), t: { kind: "set", of: t } };
      case "int": {
        const n = t.max - t.min + 1;
        if (n > MAX_TYPE_AS_SET) this.fail("type-mismatch", `${name} has ${n} values; a type read as a Set may have at most ${MAX_TYPE_AS_SET}`, span);
        return { k: "setlit", items: Array.from({ length: n }, (_, i) => lit(t.min + i)), t: { kind: "set", of: t } };
      }
      default:
        this.fail(
          "type-mismatch",
          `${name} is ${t.kind === "id" ? "an id type, whose values are not fixed (a profile only bounds them for checking)" : `a ${describeType(t)}`}; only enum and int types (and Phase) can be read as the Set of their values`,
          span,
          t.kind === "id" ? "keep the ids in a state field (a Set), or make the type an enum" : undefined,
        );
    }
  }

  bool(e: Expr, facts: Facts): TExpr {
    const te = this.expr(e, BOOL, facts);
    if (te.t.kind !== "bool") this.fail("type-mismatch", `expected a bool condition, got ${describeType(te.t)}`, e.span);
    return te;
  }

  int(e: Expr, facts: Facts): TExpr {
    const te = this.expr(e, undefined, facts);
    if (te.t.kind !== "int") this.fail("type-mismatch", `expected an int, got ${describeType(te.t)}`, e.span);
    return te;
  }

  ident(name: string, span: Span, expected: TypeDesc | undefined, facts: Facts): TExpr {
    const bound = this.lets.get(name);
    // A let name stands for its (pure) expression, so a fact learnt about it since (`n < 2`) narrows it.
    if (bound) return this.withRange(bound, bound.range, facts);
    const v = this.vars.get(name);
    if (v) return this.withRange({ k: "var", name, t: v }, intRange(v), facts);
    const b = this.scope.bindings.get(name);
    if (b) return this.withRange({ k: "bind", name, t: b }, intRange(b), facts);
    const f = this.scope.fields.get(name);
    if (f) return this.withRange({ k: "field", name, t: f }, intRange(f), facts);
    if (name === "phase" && this.scope.phaseType) return { k: "phase", t: this.scope.phaseType };
    const def = this.scope.definitions?.get(name);
    if (def) return this.definition(name, def, span, expected, facts);
    const idConst = this.scope.constants?.get(name);
    if (idConst) return { k: "lit", v: name, t: idConst };
    // A bare enum value, typed by context or by being the only enum with that value.
    if (expected?.kind === "enum") {
      if (expected.values.includes(name)) return { k: "lit", v: name, t: expected };
      this.fail("unknown-name", `"${name}" is not a value of ${expected.name} (${expected.values.join(", ")})`, span);
    }
    const owners = [...this.scope.enums.values()].filter((en) => en.values.includes(name));
    if (owners.length === 1) return { k: "lit", v: name, t: owners[0] as TypeDesc };
    if (owners.length > 1) {
      this.fail("ambiguous-name", `"${name}" is a value of several enums (${owners.map((o) => o.name).join(", ")})`, span, `qualify it, e.g. ${owners[0]?.name}.${name}`);
    }
    const named = this.scope.types?.get(name);
    if (named) return this.typeAsSet(named, name, span);
    if (name === "phase") this.fail("unknown-name", `the phase cannot be read here`, span);
    if (this.scope.instances.has(name)) this.fail("unknown-name", `"${name}" is a machine instance; read its state as ${name}.field or ${name}.phase`, span);
    this.fail("unknown-name", `unknown name "${name}"`, span, this.suggest(name));
  }

  /**
   * A definition read by name: its expression checked here, against the state fields and the facts
   * known at this point (no payload fields, variables or lets of the reader), and inlined. An error
   * inside it is reported at the reading name, saying which definition it comes from.
   */
  definition(name: string, def: Expr, span: Span, expected: TypeDesc | undefined, facts: Facts): TExpr {
    if (this.expanding.includes(name)) this.fail("unknown-name", `definition ${name} reads itself (${[...this.expanding, name].join(" -> ")})`, span);
    const stateOnly: Scope = { ...this.scope, bindings: new Map() };
    try {
      return new Walk(stateOnly, new Map(), new Map(), [...this.expanding, name]).expr(def, expected, facts);
    } catch (err) {
      if (!(err instanceof Fail) || this.expanding.length > 0) throw err;
      this.fail(err.error.code, `in definition ${name}: ${err.error.message}`, span, err.error.hint);
    }
  }

  suggest(name: string): string | undefined {
    const names = [...this.vars.keys(), ...this.scope.bindings.keys(), ...this.scope.fields.keys(), ...(this.scope.phaseType ? ["phase"] : [])];
    let best: string | undefined;
    let bestDistance = 3;
    for (const n of names) {
      const d = editDistance(n.toLowerCase(), name.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [n, d];
    }
    return best ? `did you mean "${best}"?` : undefined;
  }

  member(e: Expr & { k: "member" }, expected: TypeDesc | undefined, facts: Facts): TExpr {
    if (e.obj.k === "ident" && !this.isValueName(e.obj.name)) {
      const en = this.scope.enums.get(e.obj.name);
      if (en) {
        if (!en.values.includes(e.name)) this.fail("unknown-name", `${en.name} has no value "${e.name}" (values: ${en.values.join(", ")})`, e.nameSpan);
        return { k: "lit", v: e.name, t: en };
      }
      const inst = this.scope.instances.get(e.obj.name);
      if (inst) {
        if (e.name === "phase") return { k: "phase", inst: e.obj.name, t: inst.phaseType };
        const ft = inst.fields.get(e.name);
        if (!ft) this.fail("unknown-field", `instance ${e.obj.name} has no field "${e.name}"`, e.nameSpan);
        return this.withRange({ k: "field", name: e.name, inst: e.obj.name, t: ft }, intRange(ft), facts);
      }
    }
    const obj = this.expr(e.obj, undefined, facts);
    const t = obj.t;
    if (t.kind === "record") {
      const i = t.fields.findIndex((f) => f.name === e.name);
      if (i < 0) this.fail("unknown-field", `${t.name} has no field "${e.name}"`, e.nameSpan, `its fields: ${t.fields.map((f) => f.name).join(", ")}`);
      return this.part(obj, i, (t.fields[i] as { type: TypeDesc }).type, facts);
    }
    const prop = (fn: Builtin, type: TypeDesc, range?: Range): TExpr => this.withRange({ k: "fn", fn, args: [obj], t: type }, range ?? intRange(type), facts);
    switch (e.name) {
      case "isSome":
      case "isNone":
        if (t.kind === "option") return prop(e.name, BOOL);
        break;
      case "value":
        if (t.kind === "option") {
          const k = keyOf(obj);
          if (!(k !== undefined && facts.get(k)?.some)) {
            this.fail("option-unproven", `${sourceName(e.obj)} may be none here`, e.span, `check it first: \`${sourceName(e.obj)}.isSome && ...\`, or use .valueOr(default)`);
          }
          return prop("value", t.of);
        }
        break;
      case "size":
        if (t.kind === "set" || t.kind === "seq" || t.kind === "map") return prop("size", INT, [0, Infinity]);
        break;
      case "isEmpty":
        if (t.kind === "set" || t.kind === "seq" || t.kind === "map") return prop("isEmpty", BOOL);
        break;
      case "head":
      case "last":
        if (t.kind === "seq") return prop(e.name, { kind: "option", of: t.of });
        break;
      case "keys":
        if (t.kind === "map") return prop("keys", { kind: "set", of: t.key });
        break;
    }
    void expected;
    this.fail("unknown-method", `${describeType(t)} has no property "${e.name}"`, e.nameSpan, propertyHint(t));
  }

  call(e: Expr & { k: "call" }, expected: TypeDesc | undefined, facts: Facts): TExpr {
    const arity = (n: number) => {
      if (e.args.length !== n) this.fail("type-mismatch", `${e.name} takes ${n} argument${n === 1 ? "" : "s"}, got ${e.args.length}`, e.span);
    };
    if (e.obj === null) {
      if (e.name === "some") {
        arity(1);
        const inner = this.expr(e.args[0] as Expr, expected?.kind === "option" ? expected.of : undefined, facts);
        if (inner.t.kind === "option") this.fail("type-mismatch", "some(x) of an Option is not allowed", e.span);
        return { k: "fn", fn: "some", args: [inner], t: { kind: "option", of: inner.t } };
      }
      this.fail("unknown-method", `unknown function "${e.name}"`, e.nameSpan, e.name === "None" || e.name === "Some" ? "write some(x) and none in lower case" : undefined);
    }
    const obj = this.expr(e.obj, undefined, facts);
    const t = obj.t;
    const arg = (i: number, want: TypeDesc, what: string): TExpr => {
      const te = this.expr(e.args[i] as Expr, want, facts);
      this.expectType(te, want, (e.args[i] as Expr).span, what);
      return te;
    };
    switch (e.name) {
      case "contains":
        if (t.kind === "set" || t.kind === "seq") {
          arity(1);
          return { k: "fn", fn: "contains", args: [obj, arg(0, t.of, "the element")], t: BOOL };
        }
        if (t.kind === "map") this.fail("unknown-method", `use containsKey(k) on a Map`, e.nameSpan);
        break;
      case "containsKey":
        if (t.kind === "map") {
          arity(1);
          return { k: "fn", fn: "containsKey", args: [obj, arg(0, t.key, "the key")], t: BOOL };
        }
        break;
      case "get":
        if (t.kind === "map") {
          arity(1);
          return { k: "fn", fn: "get", args: [obj, arg(0, t.key, "the key")], t: { kind: "option", of: t.value } };
        }
        break;
      case "getOr":
        if (t.kind === "map") {
          arity(2);
          const k = arg(0, t.key, "the key");
          const d = arg(1, t.value, "the default");
          const node: TExpr = { k: "fn", fn: "getOr", args: [obj, k, d], t: t.value };
          const base = t.value.kind === "int" && d.range ? hull(intRange(t.value) as Range, d.range) : undefined;
          return this.withRange(node, base, facts);
        }
        break;
      case "union":
      case "minus":
      case "intersect":
      case "subsetOf":
        if (t.kind === "set") {
          arity(1);
          return { k: "fn", fn: e.name, args: [obj, arg(0, t, "the other set")], t: e.name === "subsetOf" ? BOOL : t };
        }
        break;
      case "at":
        if (t.kind === "seq") {
          arity(1);
          return { k: "fn", fn: "at", args: [obj, arg(0, INT, "the index")], t: { kind: "option", of: t.of } };
        }
        break;
      case "valueOr":
        if (t.kind === "option") {
          arity(1);
          const d = arg(0, t.of, "the default");
          const base = t.of.kind === "int" && d.range ? hull(intRange(t.of) as Range, d.range) : undefined;
          return this.withRange({ k: "fn", fn: "valueOr", args: [obj, d], t: t.of }, base, facts);
        }
        break;
    }
    this.fail("unknown-method", `${describeType(t)} has no method "${e.name}"`, e.nameSpan, propertyHint(t));
  }

  binary(e: Expr & { k: "binary" }, expected: TypeDesc | undefined, facts: Facts): TExpr {
    const { op } = e;
    if (op === "&&" || op === "||") {
      const l = this.bool(e.l, facts);
      const r = this.bool(e.r, assume(l, op === "&&", facts));
      return { k: "bin", op, l, r, t: BOOL };
    }
    if (op === "+" || op === "-") {
      const l = this.int(e.l, facts);
      const r = this.int(e.r, facts);
      const a = l.range ?? INF;
      const b = r.range ?? INF;
      const range: Range = op === "+" ? [a[0] + b[0], a[1] + b[1]] : [a[0] - b[1], a[1] - b[0]];
      return this.withRange({ k: "bin", op, l, r, t: expected?.kind === "int" ? expected : INT }, range, facts);
    }
    if (op === "*" || op === "/" || op === "%") {
      const l = this.int(e.l, facts);
      const r = this.int(e.r, facts);
      const a = l.range ?? INF;
      const b = r.range ?? INF;
      if (op !== "*" && b[0] < 1) {
        this.fail(
          "division-by-zero",
          `the divisor may be ${showRange(b)}; "${op}" needs a divisor proven to be at least 1`,
          e.r.span,
          "guard it (for example `d > 0`), or divide by a constant",
        );
      }
      return this.withRange({ k: "bin", op, l, r, t: expected?.kind === "int" ? expected : INT }, arithmeticRange(op, a, b), facts);
    }
    // Comparisons: type one side, then the other in its context.
    let l: TExpr;
    let r: TExpr;
    if (this.needsContext(e.l) && !this.needsContext(e.r)) {
      r = this.expr(e.r, undefined, facts);
      l = this.expr(e.l, r.t, facts);
    } else {
      l = this.expr(e.l, undefined, facts);
      r = this.expr(e.r, l.t, facts);
    }
    if (op === "==" || op === "!=") {
      if (!sameType(l.t, r.t)) this.fail("type-mismatch", `cannot compare ${describeType(l.t)} with ${describeType(r.t)}`, e.span);
    } else if (l.t.kind !== "int" || r.t.kind !== "int") {
      this.fail("type-mismatch", `"${op}" compares ints, not ${describeType(l.t.kind !== "int" ? l.t : r.t)}`, e.span);
    }
    return { k: "bin", op, l, r, t: BOOL };
  }

  /**
   * `m[k].add(x)`, `m[k].remove(x)`, `m[k].clear()` on a `Map<K, Set<T>>` field: the set stored at
   * `k` (empty when `k` is absent) changed in place. Typed as `m.put(k, m.getOr(k, {}).union({x}))`
   * (or `.minus({x})`, or `{}`), so every back end already knows it.
   */
  nestedOp(s: Stmt & { k: "op"; at: Expr }, facts: Facts): { typed: TStmt; facts: Facts } {
    const ft = this.scope.fields.get(s.target);
    if (!ft) this.fail("unknown-field", `unknown field "${s.target}"`, s.targetSpan, this.suggest(s.target));
    if (ft.kind !== "map" || ft.value.kind !== "set") {
      this.fail("bad-update", `${s.target}[...] updates the Set stored at a key of a Map<K, Set<T>> field; ${s.target} is a ${describeType(ft)}`, s.targetSpan);
    }
    const inner = ft.value;
    if (!["add", "remove", "clear"].includes(s.method)) this.fail("bad-update", `the Set at ${s.target}[...] has no update "${s.method}" (use add, remove, clear)`, s.methodSpan);
    const want = s.method === "clear" ? 0 : 1;
    if (s.args.length !== want) this.fail("bad-update", `${s.target}[...].${s.method} takes ${want} argument${want === 1 ? "" : "s"}, got ${s.args.length}`, s.span);
    const key = this.value(s.at, ft.key, facts, "the key");
    const arg = s.args[0] === undefined ? undefined : this.value(s.args[0], inner.of, facts, "the argument");
    const field: TExpr = { k: "field", name: s.target, t: ft };
    const stored: TExpr = { k: "fn", fn: "getOr", args: [field, key, { k: "setlit", items: [], t: inner }], t: inner };
    const value = nestedSetValue(s.method, stored, arg, inner);
    return { typed: { k: "op", field: s.target, fieldType: ft, method: "put", args: [key, value] }, facts: killField(facts, s.target) };
  }

  stmts(stmts: readonly Stmt[], facts: Facts, errors: ExprError[]): { typed: TStmt[]; facts: Facts } {
    const typed: TStmt[] = [];
    let cur = facts;
    for (const s of stmts) {
      try {
        const r = this.stmt(s, cur, errors);
        typed.push(r.typed);
        cur = r.facts;
      } catch (err) {
        if (!(err instanceof Fail)) throw err;
        errors.push(err.error);
      }
    }
    return { typed, facts: cur };
  }

  stmt(s: Stmt, facts: Facts, errors: ExprError[]): { typed: TStmt; facts: Facts } {
    switch (s.k) {
      case "assign": {
        if (s.target === "phase") this.fail("bad-update", "the phase changes only through the transition's \"to\"", s.targetSpan);
        const ft = this.scope.fields.get(s.target);
        if (!ft) this.fail("unknown-field", `unknown field "${s.target}"`, s.targetSpan, this.suggest(s.target));
        const e = this.value(s.e, ft, facts, `the new value of ${s.target}`);
        let next = killField(facts, s.target);
        const k = `@${s.target}`;
        if (e.range) next = withFact(next, k, { range: e.range });
        if (e.k === "fn" && e.fn === "some") next = withFact(next, k, { some: true });
        return { typed: { k: "assign", field: s.target, e }, facts: next };
      }
      case "op": {
        if (s.at !== undefined) return this.nestedOp(s as Stmt & { k: "op"; at: Expr }, facts);
        const ft = this.scope.fields.get(s.target);
        if (!ft) this.fail("unknown-field", `unknown field "${s.target}"`, s.targetSpan, this.suggest(s.target));
        const method = s.method as CollectionMethod;
        const allowed: Record<string, readonly string[]> = {
          set: ["add", "remove", "clear"],
          map: ["put", "remove", "clear"],
          seq: ["push", "pushFront", "popFront", "remove", "removeAt", "clear"],
        };
        const ok = allowed[ft.kind];
        if (!ok || !ok.includes(s.method)) {
          this.fail(
            "bad-update",
            ok ? `${describeType(ft)} field ${s.target} has no update "${s.method}" (use ${ok.join(", ")})` : `${s.target} is a ${describeType(ft)}; only Set, Map and Seq fields have update methods (assign it with =)`,
            s.methodSpan,
          );
        }
        const want: TypeDesc[] =
          method === "clear" || method === "popFront"
            ? []
            : method === "removeAt"
              ? [INT]
              : ft.kind === "map"
              ? method === "put"
                ? [ft.key, ft.value]
                : [ft.key]
              : [(ft as { of: TypeDesc }).of];
        if (s.args.length !== want.length) this.fail("bad-update", `${s.target}.${s.method} takes ${want.length} argument${want.length === 1 ? "" : "s"}, got ${s.args.length}`, s.span);
        const args = s.args.map((a, i) => this.value(a, want[i] as TypeDesc, facts, i === 0 && method !== "put" ? "the argument" : i === 0 ? "the key" : "the value"));
        return { typed: { k: "op", field: s.target, fieldType: ft, method, args }, facts: killField(facts, s.target) };
      }
      case "if": {
        const c = this.bool(s.c, facts);
        const th = this.stmts(s.then, assume(c, true, facts), errors);
        const el = this.stmts(s.else, assume(c, false, facts), errors);
        let next = facts;
        for (const f of assignedFields([...th.typed, ...el.typed])) next = killField(next, f);
        return { typed: { k: "if", c, then: th.typed, else: el.typed }, facts: next };
      }
      case "for": {
        if (this.isValueName(s.v)) this.fail("binding-shadows-field", `loop variable "${s.v}" hides another name`, s.vSpan);
        const over = this.expr(s.over, undefined, facts);
        const elem = over.t.kind === "set" || over.t.kind === "seq" ? over.t.of : over.t.kind === "map" ? over.t.key : undefined;
        if (!elem) this.fail("type-mismatch", `can only loop over a Set, Seq or Map (its keys), not ${describeType(over.t)}`, s.over.span);
        const inner = this.withVars(new Map([...this.vars, [s.v, elem]]));
        const body = inner.stmts(s.body, facts, errors);
        let next = facts;
        for (const f of assignedFields(body.typed)) next = killField(next, f);
        return { typed: { k: "for", v: s.v, over, body: body.typed }, facts: next };
      }
    }
  }
}

/** The set a nested update computes: `{}` for clear, the stored set with `x` added or removed otherwise. */
function nestedSetValue(method: string, stored: TExpr, arg: TExpr | undefined, t: TypeDesc & { kind: "set" }): TExpr {
  if (method === "clear") return { k: "setlit", items: [], t };
  const one: TExpr = { k: "setlit", items: [arg as TExpr], t };
  return { k: "fn", fn: method === "add" ? "union" : "minus", args: [stored, one], t };
}

export function assignedFields(stmts: readonly TStmt[]): Set<string> {
  const out = new Set<string>();
  const walk = (ss: readonly TStmt[]) => {
    for (const s of ss) {
      if (s.k === "assign" || s.k === "op") out.add(s.field);
      else if (s.k === "if") {
        walk(s.then);
        walk(s.else);
      } else walk(s.body);
    }
  };
  walk(stmts);
  return out;
}

/**
 * The interval of `a * b`, `a / b` or `a % b` (b >= 1 for the last two). Division rounds down and
 * the remainder is never negative (TLA+'s `\\div` and `%`), so `-7 / 2 == -4` and `-7 % 2 == 1`.
 */
export function arithmeticRange(op: "*" | "/" | "%", a: Range, b: Range): Range {
  if (op === "%") {
    // 0 <= a % b < b, and a % b == a when 0 <= a < b.
    if (a[0] >= 0 && a[1] < b[0]) return a;
    return [0, Math.min(b[1] - 1, a[0] >= 0 ? a[1] : Infinity)];
  }
  const f = op === "*" ? (x: number, y: number) => (x === 0 || y === 0 ? 0 : x * y) : (x: number, y: number) => Math.floor(x / y);
  const corners = [f(a[0], b[0]), f(a[0], b[1]), f(a[1], b[0]), f(a[1], b[1])].map((v) => (Number.isNaN(v) ? 0 : v));
  return [Math.min(...corners), Math.max(...corners)];
}

/**
 * The element type of a collection literal with no expected type: the first item's, except that
 * int items give an int type spanning exactly their values, so `for f in {1, 2, 3}` binds `f` to
 * 1..3 rather than to an unbounded int.
 */
function literalElementType(first: TExpr, items: readonly Expr[], typeOf: (e: Expr) => TExpr): TypeDesc {
  // Tuple literals carry their items' intervals (see tupleLiteral): the element type spans them all.
  if (first.t.kind === "tuple") return items.slice(1).reduce<TypeDesc>((t, it) => tupleHull(t, typeOf(it).t), first.t);
  if (first.t.kind !== "int") return first.t;
  let range: Range = first.range ?? INF;
  for (const it of items.slice(1)) {
    const te = typeOf(it);
    if (te.t.kind !== "int") return first.t;
    range = hull(range, te.range ?? INF);
  }
  return first.t.name === "int" ? { kind: "int", name: "int", min: range[0], max: range[1] } : first.t;
}

/** The tuple type whose int items span both `a`'s and `b`'s (item by item; `a` when they differ in shape). */
function tupleHull(a: TypeDesc, b: TypeDesc): TypeDesc {
  if (a.kind === "int" && b.kind === "int") return { ...a, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
  if (a.kind === "tuple" && b.kind === "tuple" && a.items.length === b.items.length) return { kind: "tuple", items: a.items.map((x, i) => tupleHull(x, b.items[i] as TypeDesc)) };
  return a;
}

function intRange(t: TypeDesc): Range | undefined {
  return t.kind === "int" ? [t.min, t.max] : undefined;
}

function sourceName(e: Expr): string {
  switch (e.k) {
    case "ident":
      return e.name;
    case "member":
      return `${sourceName(e.obj)}.${e.name}`;
    case "call":
      return `${e.obj ? `${sourceName(e.obj)}.` : ""}${e.name}(${e.args.map(sourceName).join(", ")})`;
    case "int":
      return String(e.value);
    default:
      return "this value";
  }
}

function propertyHint(t: TypeDesc): string | undefined {
  switch (t.kind) {
    case "option":
      return "Option has isSome, isNone, value, valueOr(d)";
    case "set":
      return "Set has contains(x), size, isEmpty";
    case "seq":
      return "Seq has contains(x), size, isEmpty, head, last, at(i)";
    case "map":
      return "Map has containsKey(k), get(k), getOr(k, d), keys, size, isEmpty";
    default:
      return undefined;
  }
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] as number;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] as number;
      dp[j] = Math.min((dp[j] as number) + 1, (dp[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] as number;
}

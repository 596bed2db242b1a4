// Lowers typed expressions and update statements to TypeScript source text. Values use plain
// JavaScript: Option<T> is `T | null`, Set/Map are ReadonlySet/ReadonlyMap, Seq is a readonly array.

import type { TypeDesc } from "../../kernel/types.js";
import { hasIdentityEquality, type TExpr, type TStmt } from "../expr/typed.js";
import { chain, prefixed, render, WIDTH, type Doc } from "./layout.js";

/** How names read in the current position: pre-state, working copies during updates, post-state. */
export interface CodeContext {
  field(name: string, inst?: string): string;
  phase(inst?: string): string;
  /** A trigger payload field; default: the local `b_<name>` a transition function binds. */
  bind?(name: string): string;
}

/** Kernel helpers a module uses, collected while emitting so imports list exactly those. */
export class HelperUse {
  readonly used = new Set<string>();
  /**
   * Module-level functions lifted out of expressions, in first-use order (see `liftQuantifier`).
   * Only when the module can name every type a lifted parameter needs (machine modules).
   */
  readonly lifted: LiftedFunction[] = [];
  readonly #byBody = new Map<string, string>();

  constructor(readonly liftQuantifiers = false) {}

  use(name: string): string {
    this.used.add(name);
    return name;
  }

  /** Declares a module-level boolean function (deduplicated by its text); returns its name. */
  lift(prefix: string, parameters: readonly { readonly name: string; readonly type: string }[], statements: string): string {
    const key = `${prefix}(${parameters.map((p) => `${p.name}: ${p.type}`).join(", ")}) {${statements}}`;
    const known = this.#byBody.get(key);
    if (known !== undefined) return known;
    const name = `${prefix}${this.lifted.length + 1}`;
    this.#byBody.set(key, name);
    this.lifted.push({ name, parameters, statements });
    return name;
  }
}

export interface LiftedFunction {
  readonly name: string;
  readonly parameters: readonly { readonly name: string; readonly type: string }[];
  readonly statements: string;
}

export function typeCode(t: TypeDesc): string {
  switch (t.kind) {
    case "bool":
      return "boolean";
    case "int":
      return t.name === "int" ? "number" : t.name;
    case "enum":
    case "id":
      return t.name;
    case "option":
      return `${typeCode(t.of)} | null`;
    case "set":
      return `ReadonlySet<${typeCode(t.of)}>`;
    case "seq":
      return `readonly ${wrapUnion(typeCode(t.of))}[]`;
    case "map":
      return `ReadonlyMap<${typeCode(t.key)}, ${typeCode(t.value)}>`;
    case "record":
      return t.name;
    case "tuple":
      return t.name ?? tupleTypeCode(t.items);
  }
}

/** `readonly [A, B]`: a tuple's TypeScript type (a named tuple type is its alias). */
export function tupleTypeCode(items: readonly TypeDesc[]): string {
  return `readonly [${items.map(typeCode).join(", ")}]`;
}

/**
 * A record or tuple built from its parts' code: interned (kernel/intern.ts) so that equal values
 * are one object, which is what Sets, Map keys and `===` compare. The record's type argument keeps
 * enum fields their literal types.
 */
function compoundCode(t: TypeDesc, parts: readonly string[], h: HelperUse): string {
  if (t.kind === "record") return `${h.use("intern")}<${t.name}>({ ${t.fields.map((f, i) => `${f.name}: ${parts[i]}`).join(", ")} })`;
  // `as const` types the tuple without naming its item types (a composition module does not declare them).
  return `${h.use("intern")}([${parts.join(", ")}] as const)`;
}

/** Part `i` of a record or tuple: `.field` or `[i]`. */
function partCode(t: TypeDesc, obj: string, i: number): string {
  return t.kind === "record" ? `${atomic(obj)}.${(t.fields[i] as { name: string }).name}` : `${atomic(obj)}[${i}]`;
}

/** The mutable working type of a collection during one transition. */
export function mutableTypeCode(t: TypeDesc): string {
  switch (t.kind) {
    case "set":
      return `Set<${typeCode(t.of)}>`;
    case "seq":
      return `${wrapUnion(typeCode(t.of))}[]`;
    case "map":
      return `Map<${typeCode(t.key)}, ${typeCode(t.value)}>`;
    default:
      return typeCode(t);
  }
}

function wrapUnion(s: string): string {
  return s.includes("|") ? `(${s})` : s;
}

export function bindName(name: string): string {
  return `b_${name}`;
}

export function varName(name: string): string {
  return `v_${name}`;
}

/**
 * An expression as a layout doc: `&&` / `||` chains (and the bodies of unlifted quantifiers) are
 * structure the printer may break one operand per line; everything else is one piece of text.
 * Flat, it reads as `exprCode` does, with a chain of one operator written without inner parentheses.
 */
export function exprDoc(e: TExpr, ctx: CodeContext, h: HelperUse): Doc {
  if (e.k === "bin" && (e.op === "&&" || e.op === "||")) {
    const operands: TExpr[] = [];
    const collect = (x: TExpr): void => {
      if (x.k === "bin" && x.op === e.op) {
        collect(x.l);
        collect(x.r);
      } else operands.push(x);
    };
    collect(e);
    return chain("(", operands.map((x) => exprDoc(x, ctx, h)), e.op, ")");
  }
  if (e.k === "bin" && (e.op === "==" || e.op === "!=") && hasIdentityEquality(e.l.t)) {
    const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op;
    return { open: "(", close: ")", items: [exprDoc(e.l, ctx, h), prefixed(`${op} `, exprDoc(e.r, ctx, h))], sep: " " };
  }
  if (e.k === "if") {
    const branches = [exprDoc(e.c, ctx, h), prefixed("? ", exprDoc(e.a, ctx, h)), prefixed(": ", exprDoc(e.b, ctx, h))];
    return { open: "(", close: ")", items: branches, sep: " " };
  }
  if (e.k === "quant" && !h.liftQuantifiers) {
    const over = e.over.t.kind === "map" ? `${exprCode(e.over, ctx, h)}.keys()` : exprCode(e.over, ctx, h);
    return chain(`${h.use(e.all ? "allOf" : "anyOf")}(${over}, (${varName(e.v)}) => `, [exprDoc(e.body, ctx, h)], ",", ")");
  }
  return exprCode(e, ctx, h);
}

/** `open` + the expression + `close` (e.g. `if (` ... `) {`), the expression's own parentheses reused. */
export function wrapped(open: string, doc: Doc, close: string): Doc {
  if (typeof doc !== "string" && doc.open === "(" && doc.close === ")") return { ...doc, open, close };
  return chain(open, [doc], ",", close);
}

/** A condition statement head `if (cond) {` laid out from column `indent`. */
export function ifHead(e: TExpr, ctx: CodeContext, h: HelperUse, indent: number): string {
  return render(wrapped("if (", exprDoc(e, ctx, h), ") {"), indent);
}

export function exprCode(e: TExpr, ctx: CodeContext, h: HelperUse): string {
  const c = (x: TExpr) => exprCode(x, ctx, h);
  switch (e.k) {
    case "lit":
      return e.v === null ? "null" : typeof e.v === "string" ? JSON.stringify(e.v) : String(e.v);
    case "field":
      return ctx.field(e.name, e.inst);
    case "phase":
      return ctx.phase(e.inst);
    case "bind":
      return ctx.bind?.(e.name) ?? bindName(e.name);
    case "var":
      return varName(e.name);
    case "not":
      return `!${c(e.e)}`;
    case "neg":
      return `(-${c(e.e)})`;
    case "bin": {
      if ((e.op === "==" || e.op === "!=") && !hasIdentityEquality(e.l.t)) {
        const eq = `${h.use("valueEquals")}(${c(e.l)}, ${c(e.r)})`;
        return e.op === "==" ? eq : `!${eq}`;
      }
      // Division rounds down and the remainder is never negative (the checker proved the divisor >= 1).
      if (e.op === "/") return `Math.floor(${c(e.l)} / ${c(e.r)})`;
      if (e.op === "%" && (e.l.range?.[0] ?? -Infinity) < 0) return `${h.use("floorMod")}(${c(e.l)}, ${c(e.r)})`;
      const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op;
      return `(${c(e.l)} ${op} ${c(e.r)})`;
    }
    case "if":
      return `(${c(e.c)} ? ${c(e.a)} : ${c(e.b)})`;
    case "quant": {
      const lifted = h.liftQuantifiers ? liftQuantifier(e, ctx, h) : null;
      if (lifted !== null) return lifted;
      const over = e.over.t.kind === "map" ? `${c(e.over)}.keys()` : c(e.over);
      return `${h.use(e.all ? "allOf" : "anyOf")}(${over}, (${varName(e.v)}) => ${c(e.body)})`;
    }
    case "fn": {
      const [a, b, d] = e.args as [TExpr, TExpr | undefined, TExpr | undefined];
      switch (e.fn) {
        case "some":
          return c(a);
        case "isSome":
          return `(${c(a)} !== null)`;
        case "isNone":
          return `(${c(a)} === null)`;
        case "value":
          return `(${c(a)})!`;
        case "valueOr":
          return `(${c(a)} ?? ${c(b as TExpr)})`;
        case "contains":
          return a.t.kind === "seq" ? `${c(a)}.includes(${c(b as TExpr)})` : `${c(a)}.has(${c(b as TExpr)})`;
        case "containsKey":
          return `${c(a)}.has(${c(b as TExpr)})`;
        case "get":
          return `${h.use("lookup")}(${c(a)}, ${c(b as TExpr)})`;
        case "getOr":
          return `(${c(a)}.get(${c(b as TExpr)}) ?? ${c(d as TExpr)})`;
        case "keys":
          return `${h.use("keysOf")}(${c(a)})`;
        case "size":
          return a.t.kind === "seq" ? `${c(a)}.length` : `${c(a)}.size`;
        case "isEmpty":
          return a.t.kind === "seq" ? `(${c(a)}.length === 0)` : `(${c(a)}.size === 0)`;
        case "head":
          return `${h.use("headOf")}(${c(a)})`;
        case "last":
          return `${h.use("lastOf")}(${c(a)})`;
        case "at":
          return `${h.use("atIndex")}(${c(a)}, ${c(b as TExpr)})`;
        case "union":
          return `${h.use("setUnion")}(${c(a)}, ${c(b as TExpr)})`;
        case "minus":
          return `${h.use("setMinus")}(${c(a)}, ${c(b as TExpr)})`;
        case "intersect":
          return `${h.use("setIntersect")}(${c(a)}, ${c(b as TExpr)})`;
        case "subsetOf":
          return `${h.use("subsetOf")}(${c(a)}, ${c(b as TExpr)})`;
        case "record":
        case "tuple":
          return compoundCode(e.t, e.args.map(c), h);
        case "item":
          return partCode(a.t, c(a), (b as TExpr & { k: "lit" }).v as number);
      }
      break;
    }
    case "setlit":
      return `new Set<${typeCode((e.t as { of: TypeDesc }).of)}>([${e.items.map(c).join(", ")}])`;
    case "seqlit":
      return e.items.length === 0 ? `([] as ${mutableTypeCode(e.t)})` : `[${e.items.map(c).join(", ")}]`;
    case "emptymap":
      return `new Map<${typeCode((e.t as { key: TypeDesc }).key)}, ${typeCode((e.t as { value: TypeDesc }).value)}>()`;
    case "maplit": {
      const pairs: string[] = [];
      for (let i = 0; i < e.items.length; i += 2) pairs.push(`[${c(e.items[i] as TExpr)}, ${c(e.items[i + 1] as TExpr)}]`);
      return `new Map<${typeCode((e.t as { key: TypeDesc }).key)}, ${typeCode((e.t as { value: TypeDesc }).value)}>([${pairs.join(", ")}])`;
    }
  }
  throw new Error(`unreachable expression kind`);
}

/**
 * A quantifier as a call of a module-level function holding a plain loop, so evaluating it
 * allocates no closure. Everything the body reads from the enclosing scope (fields, the phase,
 * trigger bindings, outer loop variables) becomes a typed parameter. Returns null when the body
 * reads something the module cannot name a type for (instance fields of a composition).
 */
function liftQuantifier(e: TExpr & { k: "quant" }, ctx: CodeContext, h: HelperUse): string | null {
  const v = varName(e.v);
  // Reads of a map at the loop variable: of the map being walked, from the entry itself (a second
  // iterator over its values, in step); of another map read more than once, once per element.
  const walked = e.over.k === "field" && e.over.inst === undefined && e.over.t.kind === "map" ? e.over.name : null;
  const reads = new Map<string, { count: number; t: TypeDesc }>();
  countLookups(e.body, e.v, reads);
  let body = e.body;
  const extra: FreeRef[] = [];
  const head: string[] = [];
  let entry: { readonly local: string; readonly valueType: TypeDesc } | null = null;
  for (const [field, r] of reads) {
    if (field !== walked && r.count < 2) continue;
    const local = `${e.v}$${field}`;
    body = substituteLookups(body, field, e.v, local, field === walked);
    const valueType = (r.t as { value: TypeDesc }).value;
    if (field === walked) entry = { local: varName(local), valueType };
    else {
      extra.push({ param: `p_${field}`, t: r.t, field, arg: (c) => c.field(field) });
      head.push(`const ${varName(local)} = ${h.use("lookup")}(p_${field}, ${v});`);
    }
  }
  // Enum literals become arguments, so quantifiers that differ only in the value they look for
  // (`all x in staged: inputs.get(x).value == Staged`, `== Applied`) share one function.
  const literals: { name: string; value: string; t: TypeDesc }[] = [];
  body = mapExpr(body, (x) => {
    if (x.k !== "lit" || x.t.kind !== "enum" || typeof x.v !== "string") return null;
    const base = `${x.t.name.charAt(0).toLowerCase()}${x.t.name.slice(1)}`;
    const count = literals.filter((l) => l.name.replace(/\d+$/, "") === base).length;
    const name = count === 0 ? base : `${base}${count + 1}`;
    literals.push({ name, value: JSON.stringify(x.v), t: x.t });
    return { k: "var", name, t: x.t };
  });
  const refs = new Map<string, FreeRef>();
  const bound = new Set([e.v, ...[...reads.keys()].map((f) => `${e.v}$${f}`), ...literals.map((l) => l.name)]);
  if (!freeRefs(body, bound, refs)) return null;
  for (const r of extra) if (!refs.has(`f:${r.field}`)) refs.set(`f:${r.field}`, r);
  for (const l of literals) refs.set(`l:${l.name}`, { param: varName(l.name), t: l.t, arg: () => l.value });
  // A map walked by its keys alone takes any value type, so one function serves every such map.
  const over = e.over.t;
  const keysOnly = over.kind === "map" && entry === null;
  const params = [{ name: "c", type: keysOnly ? `ReadonlyMap<${typeCode((over as { key: TypeDesc }).key)}, unknown>` : typeCode(over) }];
  const args: string[] = [exprCode(e.over, ctx, h)];
  const inner = new Map<string, string>();
  for (const r of refs.values()) {
    params.push({ name: r.param, type: typeCode(r.t) });
    args.push(r.arg(ctx));
    if (r.field !== undefined) inner.set(r.field, r.param);
  }
  const innerCtx: CodeContext = { field: (f) => inner.get(f) ?? "undefined", phase: () => "ph" };
  const bodyDoc = exprDoc(body, innerCtx, h);
  const test =
    typeof bodyDoc !== "string"
      ? render(wrapped(e.all ? "if (!(" : "if (", bodyDoc, e.all ? ")) return false;" : ") return true;"), 2)
      : e.all
        ? `if (${negated(bodyDoc)}) return false;`
        : `if (${bodyDoc}) return true;`;
  // The loop variable itself, not a local named after it (`v_x$inputs`).
  const readsKey = [test, ...head].some((l) => new RegExp(`${v.replace(/\$/g, "\\$")}(?![\\w$])`).test(l));
  const loop = (() => {
    switch (e.over.t.kind) {
      case "map":
        // Only the values: walk them alone.
        if (entry !== null && !readsKey) return loopOver(`for (const ${entry.local} of c.values())`, head, test);
        if (entry !== null) {
          return [
            `const values = c.values();`,
            `for (const ${v} of c.keys()) {`,
            `  const ${entry.local} = values.next().value as ${typeCode(entry.valueType)};`,
            ...head.map((l) => `  ${l}`),
            `  ${test}`,
            `}`,
          ];
        }
        return loopOver(`for (const ${v} of c.keys())`, head, test);
      default:
        return loopOver(`for (const ${v} of c)`, head, test);
    }
  })();
  const name = h.lift(e.all ? "all_" : "any_", params, [...loop, `return ${e.all ? "true" : "false"};`].join("\n"));
  return `${name}(${args.join(", ")})`;
}

/** A loop whose body is one short test reads as one line, as in the kernel's own loops. */
function loopOver(head: string, lets: readonly string[], test: string): string[] {
  if (lets.length === 0 && !test.includes("\n") && head.length + test.length + 3 <= WIDTH) return [`${head} ${test}`];
  return [`${head} {`, ...lets.map((l) => `  ${l}`), `  ${test}`, `}`];
}

/** `x` with every node `f` maps (to a non-null replacement) replaced, bottom-up from the top. */
function mapExpr(x: TExpr, f: (y: TExpr) => TExpr | null): TExpr {
  const replaced = f(x);
  if (replaced !== null) return replaced;
  const sub = (y: TExpr) => mapExpr(y, f);
  switch (x.k) {
    case "not":
    case "neg":
      return { ...x, e: sub(x.e) };
    case "bin":
      return { ...x, l: sub(x.l), r: sub(x.r) };
    case "if":
      return { ...x, c: sub(x.c), a: sub(x.a), b: sub(x.b) };
    case "quant":
      return { ...x, over: sub(x.over), body: sub(x.body) };
    case "fn":
      return { ...x, args: x.args.map(sub) };
    case "setlit":
    case "seqlit":
    case "maplit":
      return { ...x, items: x.items.map(sub) };
    default:
      return x;
  }
}

/** Whether `x` is `field` (of this machine) read at the loop variable `v`: `field.get(v)`-like. */
function isLookupAt(x: TExpr, v: string): x is TExpr & { k: "fn" } {
  if (x.k !== "fn" || (x.fn !== "get" && x.fn !== "getOr" && x.fn !== "containsKey")) return false;
  const [m, k] = x.args as [TExpr, TExpr];
  return m.k === "field" && m.inst === undefined && m.t.kind === "map" && k.k === "var" && k.name === v;
}

/** Counts `get` / `getOr` of a map field at the loop variable `v` (not under a quantifier rebinding `v`). */
function countLookups(x: TExpr, v: string, out: Map<string, { count: number; t: TypeDesc }>): void {
  if (isLookupAt(x, v) && x.fn !== "containsKey") {
    const m = x.args[0] as TExpr & { k: "field" };
    const known = out.get(m.name);
    out.set(m.name, { count: (known?.count ?? 0) + 1, t: m.t });
  }
  for (const child of children(x)) if (!(x.k === "quant" && x.v === v && child === x.body)) countLookups(child, v, out);
}

/**
 * `x` with `field.get(v)` read from the local `local` (`getOr(v, d)`: `local ?? d`, as `get(v) ?? d`);
 * when `present` (the loop walks that map, so `v` is a key), `containsKey(v)` is true.
 */
function substituteLookups(x: TExpr, field: string, v: string, local: string, present: boolean): TExpr {
  const sub = (y: TExpr) => substituteLookups(y, field, v, local, present);
  return mapExpr(x, (y) => {
    if (isLookupAt(y, v) && (y.args[0] as TExpr & { k: "field" }).name === field) {
      const value: TExpr = { k: "var", name: local, t: { kind: "option", of: (y.args[0]?.t as { value: TypeDesc }).value } };
      if (y.fn === "get") return { ...value, t: y.t };
      if (y.fn === "getOr") return { k: "fn", fn: "valueOr", args: [value, sub(y.args[2] as TExpr)], t: y.t };
      if (present) return { k: "lit", v: true, t: y.t };
      return y;
    }
    // A quantifier that rebinds `v` hides the loop variable in its body.
    if (y.k === "quant" && y.v === v) return { ...y, over: sub(y.over) };
    return null;
  });
}

function children(x: TExpr): readonly TExpr[] {
  switch (x.k) {
    case "not":
    case "neg":
      return [x.e];
    case "bin":
      return [x.l, x.r];
    case "if":
      return [x.c, x.a, x.b];
    case "quant":
      return [x.over, x.body];
    case "fn":
      return x.args;
    case "setlit":
    case "seqlit":
    case "maplit":
      return x.items;
    default:
      return [];
  }
}

/** `!code`, parenthesized unless `code` is a name, a call or already parenthesized as a whole. */
export function negated(code: string): string {
  if (code.startsWith("!") && atomic(code.slice(1)) === code.slice(1)) return code.slice(1);
  return `!${atomic(code)}`;
}

/** `code`, parenthesized unless it is a name, a call or already parenthesized as a whole. */
export function atomic(code: string): string {
  if (/^[\w.]+$/.test(code)) return code;
  const open = /^[\w.]*\(/.exec(code);
  if (open !== null && code.endsWith(")") && closingParen(code, open[0].length - 1) === code.length - 1) return code;
  return `(${code})`;
}

/** Index of the parenthesis closing the one at `open` (string literals contain no parentheses here). */
function closingParen(code: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"' && code[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return -1;
}

interface FreeRef {
  readonly param: string;
  readonly t: TypeDesc;
  /** The state field this parameter carries, if it is one. */
  readonly field?: string;
  arg(ctx: CodeContext): string;
}

/** Collects what `e` reads from outside (in first-read order); false if it reads instance fields. */
function freeRefs(e: TExpr, bound: ReadonlySet<string>, out: Map<string, FreeRef>): boolean {
  const all = (xs: readonly TExpr[]) => xs.every((x) => freeRefs(x, bound, out));
  switch (e.k) {
    case "lit":
    case "emptymap":
      return true;
    case "field": {
      if (e.inst !== undefined) return false;
      const name = e.name;
      if (!out.has(`f:${name}`)) out.set(`f:${name}`, { param: `p_${name}`, t: e.t, field: name, arg: (ctx) => ctx.field(name) });
      return true;
    }
    case "phase":
      if (e.inst !== undefined) return false;
      if (!out.has("phase")) out.set("phase", { param: "ph", t: e.t, arg: (ctx) => ctx.phase() });
      return true;
    case "bind": {
      const name = bindName(e.name);
      const field = e.name;
      if (!out.has(`b:${name}`)) out.set(`b:${name}`, { param: name, t: e.t, arg: (ctx) => ctx.bind?.(field) ?? name });
      return true;
    }
    case "var": {
      if (bound.has(e.name)) return true;
      const name = varName(e.name);
      if (!out.has(`v:${name}`)) out.set(`v:${name}`, { param: name, t: e.t, arg: () => name });
      return true;
    }
    case "not":
    case "neg":
      return freeRefs(e.e, bound, out);
    case "bin":
      return all([e.l, e.r]);
    case "if":
      return all([e.c, e.a, e.b]);
    case "quant":
      return freeRefs(e.over, bound, out) && freeRefs(e.body, new Set([...bound, e.v]), out);
    case "fn":
      return all(e.args);
    case "setlit":
    case "seqlit":
    case "maplit":
      return all(e.items);
  }
}

/**
 * The state fields an expression reads (machine fields only, not instance fields), in first-read
 * order; with `collections`, only the fields holding a Set, Seq or Map.
 */
export function fieldsRead(e: TExpr, out: string[] = [], collections = false): string[] {
  const walk = (x: TExpr): void => {
    switch (x.k) {
      case "field":
        if (x.inst === undefined && !out.includes(x.name) && (!collections || isCollection(x.t))) out.push(x.name);
        return;
      case "phase":
        if (x.inst === undefined && !collections && !out.includes("phase")) out.push("phase");
        return;
      case "not":
      case "neg":
        return walk(x.e);
      case "bin":
        walk(x.l);
        return walk(x.r);
      case "if":
        walk(x.c);
        walk(x.a);
        return walk(x.b);
      case "quant":
        walk(x.over);
        return walk(x.body);
      case "fn":
        return x.args.forEach(walk);
      case "setlit":
      case "seqlit":
      case "maplit":
        return x.items.forEach(walk);
      default:
        return;
    }
  };
  walk(e);
  return out;
}

/** Working-copy names for a field written during a transition. */
export function fieldLocal(name: string): string {
  return `f_${name}`;
}

function writable(name: string): string {
  return `w_${name}`;
}

/** Whether values of this type may hold a collection (which a working copy could alias). */
function holdsCollection(t: TypeDesc): boolean {
  return isCollection(t) || (t.kind === "option" && holdsCollection(t.of));
}

/**
 * Emits update statements, copy-on-write: a collection field is copied on the first write that
 * changes it within the transition (`w_x` then holds the private copy, edited in place by later
 * writes), so the previous state is never mutated, a field no statement changes keeps sharing the
 * previous state's object, and a write that changes nothing (adding a present element, putting the
 * value already stored, removing an absent key, popping or clearing an empty collection) copies
 * nothing. `written` names the fields with working copies (`f_x`/`w_x`) in this transition.
 */
export function stmtsCode(
  stmts: readonly TStmt[],
  ctx: CodeContext,
  h: HelperUse,
  written: ReadonlySet<string>,
  indent = "",
  declare: ReadonlyMap<string, string> = new Map(),
  owned: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  // A stored value that may be a working copy of another field must not be edited in place by a
  // later write to that field: forget the private copy so the next write copies again.
  const release = (stored: readonly TExpr[], except?: string): string[] =>
    stored
      .filter((x) => holdsCollection(x.t))
      .flatMap((x) => fieldsRead(x, [], true))
      .filter((f, i, all) => f !== except && written.has(f) && all.indexOf(f) === i)
      .map((f) => `${writable(f)} = null;`);
  for (const s of stmts) {
    switch (s.k) {
      case "assign": {
        const type = declare.get(s.field);
        if (type === "") break; // written straight into the next state (see single-writes.ts)
        if (type !== undefined) {
          // Set once (see single-writes.ts): no working copy, so nothing to forget for this field.
          out.push(constDecl(indent, fieldLocal(s.field), type, updateValueDoc(s, ctx, h)));
          if (isCollection(s.e.t)) out.push(...release([s.e], s.field).map((l) => indent + l));
          break;
        }
        out.push(`${indent}${fieldLocal(s.field)} = ${exprCode(s.e, ctx, h)};`);
        if (isCollection(s.e.t)) out.push(`${indent}${writable(s.field)} = null;`, ...release([s.e], s.field).map((l) => indent + l));
        break;
      }
      case "op": {
        const type = declare.get(s.field);
        if (type === "") break; // written straight into the next state (see single-writes.ts)
        if (type !== undefined) {
          out.push(constDecl(indent, fieldLocal(s.field), type, updateValueDoc(s, ctx, h)));
          break;
        }
        if (owned.has(s.field)) {
          // One call per update (kernel/updates.ts `...Own`): the local is its own working copy.
          const local = fieldLocal(s.field);
          out.push(`${indent}${local} = ${render(ownUpdateDoc(s, ctx, h), indent.length, indent.length + local.length + 3)};`);
          // A stored value may be another field's working copy: forget it (see `release`).
          const storedArgs = s.method === "put" ? s.args.slice(1) : s.method === "add" || s.method === "push" || s.method === "pushFront" ? s.args : [];
          out.push(...release(storedArgs).map((l) => indent + l));
          break;
        }
        const f = fieldLocal(s.field);
        const w = writable(s.field);
        const kind = s.fieldType.kind;
        if (s.method === "clear") {
          const fresh = kind === "seq" ? `[]` : kind === "set" ? `new Set()` : `new Map()`;
          out.push(`${indent}if (${f}.${kind === "seq" ? "length" : "size"} !== 0) ${f} = ${w} = ${fresh};`);
          break;
        }
        // Arguments are pure; one that is not a plain name is evaluated once, into a local.
        const pre: string[] = [];
        const args = s.args.map((a, i) => {
          const code = exprCode(a, ctx, h);
          if (/^[\w.]+$/.test(code) || /^"[^"\\]*"$/.test(code)) return code;
          pre.push(`const a${i} = ${render(exprDoc(a, ctx, h), indent.length + 4, indent.length + 14)};`);
          return `a${i}`;
        });
        const copy = kind === "seq" ? `${f}.slice()` : `${h.use(kind === "set" ? "copySet" : "copyMap")}(${f})`;
        const [a0, a1] = args as [string, string | undefined];
        const elem = kind === "seq" || kind === "set" ? (s.fieldType as { of: TypeDesc }).of : null;
        const change = (() => {
          switch (s.method) {
            case "add":
              return { when: `!${f}.has(${a0})`, call: `${w}.add(${a0})` };
            case "put":
              return { when: `${f}.get(${a0}) !== ${a1}`, call: `${w}.set(${a0}, ${a1})` };
            case "remove":
              if (kind !== "seq") return { when: `${f}.has(${a0})`, call: `${w}.delete(${a0})` };
              return {
                when: elem !== null && hasIdentityEquality(elem) ? `${f}.includes(${a0})` : `${h.use("includesValue")}(${f}, ${a0})`,
                call: `${h.use("removeAll")}(${w}, ${a0})`,
              };
            case "push":
              return { when: null, call: `${w}.push(${a0})` };
            case "pushFront":
              return { when: null, call: `${w}.unshift(${a0})` };
            case "popFront":
              return { when: `${f}.length !== 0`, call: `${w}.shift()` };
            case "removeAt":
              return { when: `${a0} >= 0 && ${a0} < ${f}.length`, call: `${w}.splice(${a0}, 1)` };
          }
        })();
        const released = s.method === "remove" || s.method === "popFront" || s.method === "removeAt" ? [] : release(s.args.slice(s.method === "put" ? 1 : 0)).map((l) => `  ${l}`);
        // A push (or pushFront) that makes the copy builds it with the element, at its exact size.
        const grow = s.method === "push" ? `[...${f}, ${a0}]` : s.method === "pushFront" ? `[${a0}, ...${f}]` : null;
        const edit =
          grow !== null
            ? [`  if (${w} === null) ${f} = ${w} = ${grow};`, `  else ${change.call};`, ...released]
            : [`  if (${w} === null) ${f} = ${w} = ${copy};`, `  ${change.call};`, ...released];
        const inner = pre.length > 0 ? indent + "  " : indent;
        const body = change.when === null ? edit.map((l) => inner + l.slice(2)) : [`${inner}if (${change.when}) {`, ...edit.map((l) => inner + l), `${inner}}`];
        if (pre.length > 0) out.push(`${indent}{`, ...pre.map((l) => `${inner}${l}`), ...body, `${indent}}`);
        else out.push(...body);
        break;
      }
      case "if": {
        out.push(`${indent}${ifHead(s.c, ctx, h, indent.length + 2)}`, ...stmtsCode(s.then, ctx, h, written, indent + "  ", new Map(), owned));
        if (s.else.length > 0) out.push(`${indent}} else {`, ...stmtsCode(s.else, ctx, h, written, indent + "  ", new Map(), owned));
        out.push(`${indent}}`);
        break;
      }
      case "for": {
        // Seqs loop in their own order; Sets and Maps in canonical order (see kernel inOrder), so
        // the result depends only on the value, as the explorer checked it. The loop walks the
        // collection as it was when the loop started: a Seq the body may write is snapshotted
        // first; a Seq the body does not write cannot change under the loop (copy-on-write).
        const t = s.over.t;
        let items: string;
        if (t.kind === "seq") {
          const bodyWrites = writtenFields(s.body);
          const over = exprCode(s.over, ctx, h);
          items = fieldsRead(s.over, [], true).some((f) => bodyWrites.includes(f)) ? `Array.from(${over})` : over;
        } else {
          const elem = t.kind === "map" ? t.key : (t as { of: TypeDesc }).of;
          const source = t.kind === "map" ? `${exprCode(s.over, ctx, h)}.keys()` : exprCode(s.over, ctx, h);
          const order = elem.kind === "enum" ? `, ${JSON.stringify(elem.values)} as const` : "";
          items = `${h.use("inOrder")}(${source}${order})`;
        }
        out.push(`${indent}for (const ${varName(s.v)} of ${items}) {`, ...stmtsCode(s.body, ctx, h, written, indent + "  ", new Map(), owned), `${indent}}`);
        break;
      }
    }
  }
  return out;
}

/**
 * The value a written-once field gets (see single-writes.ts): the assigned expression, or the pure
 * kernel update of the pre-state collection (kernel/updates.ts). Reads of the field itself are of
 * the pre-state: nothing wrote it before.
 */
export function updateValueDoc(s: TStmt & { k: "assign" | "op" }, ctx: CodeContext, h: HelperUse): Doc {
  const own: CodeContext = { ...ctx, field: (f, inst) => (f === s.field && inst === undefined ? `s.${f}` : ctx.field(f, inst)) };
  if (s.k === "assign") return exprDoc(s.e, own, h);
  const args = [`s.${s.field}`, ...s.args.map((a) => exprDoc(a, own, h))];
  return { open: `${h.use(updateHelper(s))}(`, close: ")", items: args, sep: ", " };
}

/** The kernel call applying one update to a field's working value (see stmtsCode, `owned`). */
function ownUpdateDoc(s: TStmt & { k: "op" }, ctx: CodeContext, h: HelperUse): Doc {
  const local = fieldLocal(s.field);
  if (s.method === "clear") return `${h.use(`${s.fieldType.kind}ClearOwn`)}(${local})`;
  const args = [local, `s.${s.field}`, ...s.args.map((a) => exprDoc(a, ctx, h))];
  return { open: `${h.use(`${updateHelper(s)}Own`)}(`, close: ")", items: args, sep: ", " };
}

/** `setAdd`, `mapPut`, `seqRemoveValue`, ...: the kernel/updates.ts function for an update. */
function updateHelper(s: TStmt & { k: "op" }): string {
  const kind = s.fieldType.kind;
  const elem = kind === "seq" || kind === "set" ? (s.fieldType as { of: TypeDesc }).of : null;
  const method =
    s.method === "remove" && kind === "seq" && elem !== null && !hasIdentityEquality(elem) ? "RemoveValue" : s.method.charAt(0).toUpperCase() + s.method.slice(1);
  return `${kind}${method}`;
}

/**
 * Collection fields a transition writes only through updates (never assigns) and never stores
 * into another field or collection: their local can be its own working copy (`owned`).
 */
export function ownedFields(stmts: readonly TStmt[]): Set<string> {
  const ops = new Set<string>();
  const excluded = new Set<string>();
  const stored = (e: TExpr) => {
    if (holdsCollection(e.t)) for (const f of fieldsRead(e, [], true)) excluded.add(f);
  };
  const walk = (xs: readonly TStmt[]): void => {
    for (const x of xs) {
      if (x.k === "assign") {
        excluded.add(x.field);
        stored(x.e);
      } else if (x.k === "op") {
        ops.add(x.field);
        if (x.method === "put") stored(x.args[1] as TExpr);
        else if (x.method === "add" || x.method === "push" || x.method === "pushFront") stored(x.args[0] as TExpr);
      } else if (x.k === "if") {
        walk(x.then);
        walk(x.else);
      } else walk(x.body);
    }
  };
  walk(stmts);
  return new Set([...ops].filter((f) => !excluded.has(f)));
}

function constDecl(indent: string, name: string, type: string, value: Doc): string {
  const head = `${indent}const ${name}: ${type} = `;
  return `${head}${render(value, indent.length, head.length)};`;
}

export function isCollection(t: TypeDesc): boolean {
  return t.kind === "set" || t.kind === "seq" || t.kind === "map";
}

/** Fields a statement list writes, in first-write order. */
export function writtenFields(stmts: readonly TStmt[], out: string[] = []): string[] {
  for (const s of stmts) {
    if (s.k === "assign" || s.k === "op") {
      if (!out.includes(s.field)) out.push(s.field);
    } else if (s.k === "if") {
      writtenFields(s.then, out);
      writtenFields(s.else, out);
    } else writtenFields(s.body, out);
  }
  return out;
}

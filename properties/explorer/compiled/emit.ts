// Lowers the spec's typed expressions and update statements (generator/expr/typed.ts) to JavaScript
// over packed slots (slots.ts), mirroring generator/emit/ts-code.ts construct by construct:
// sequential updates on a working copy, `for` over a snapshot taken when the loop starts, Sets and
// Maps walked in element index order (which is the generated code's canonical order: enum values
// in declared order, ids zero-padded so string order is index order). Values in expressions:
// bools are JS booleans, ints numbers, enum and id values their index, an Option -1 or its value's
// code, a Set its bitmask. Map and Seq values exist only as fields. Anything else throws
// NotCompilable, and the spec is explored by the generic path.

import type { TypeDesc } from "../../../kernel/types.js";
import type { TExpr, TStmt } from "../../../generator/expr/typed.js";
import { NotCompilable, type SlotField, type SlotLayout } from "./slots.js";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EmitContext {
  readonly layout: SlotLayout;
  /** The slot array fields are read from: "S" (pre-state) or "O" (the working copy). */
  readonly arr: string;
  /** A fresh local name. */
  fresh(prefix: string): string;
  /** Adds a function declaration to the top level of the compiled source. */
  hoist(declaration: string): void;
}

function safe(name: string): string {
  if (!IDENT.test(name)) throw new NotCompilable(`name ${JSON.stringify(name)}`);
  return name;
}

export function bindName(name: string): string {
  return `b_${safe(name)}`;
}

function varName(name: string): string {
  return `v_${safe(name)}`;
}

function fieldOf(ctx: EmitContext, e: TExpr): SlotField {
  if (e.k !== "field" || e.inst !== undefined) throw new NotCompilable(`a ${e.t.kind} value that is not a field`);
  const f = ctx.layout.byName.get(e.name);
  if (!f) throw new NotCompilable(`unknown field ${e.name}`);
  return f;
}

/** The code of a literal of type t. */
function literal(v: boolean | number | string | null, t: TypeDesc): string {
  if (v === null) return "-1";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(v);
  const target = t.kind === "option" ? t.of : t;
  if (target.kind === "enum") {
    const i = target.values.indexOf(v);
    if (i < 0) throw new NotCompilable(`enum literal ${v}`);
    return String(i);
  }
  throw new NotCompilable(`a ${t.kind} literal`);
}

/** Element code of a scalar expression used inside a collection (bools are refused by the layout). */
function elem(ctx: EmitContext, e: TExpr): string {
  if (e.t.kind === "bool") throw new NotCompilable("a bool element");
  return expr(ctx, e);
}

export function expr(ctx: EmitContext, e: TExpr): string {
  const c = (x: TExpr) => expr(ctx, x);
  const X = ctx.arr;
  switch (e.k) {
    case "lit":
      return literal(e.v, e.t);
    case "field": {
      const f = fieldOf(ctx, e);
      if (f.kind === "scalar") return f.t.kind === "bool" ? `(${X}[${f.at}] === 1)` : `${X}[${f.at}]`;
      if (f.kind === "option" || f.kind === "set") return `${X}[${f.at}]`;
      throw new NotCompilable(`a ${f.kind} field read as a value`);
    }
    case "phase":
      if (e.inst !== undefined) throw new NotCompilable("instance phases");
      return `${X}[0]`;
    case "bind":
      return bindName(e.name);
    case "var":
      return varName(e.name);
    case "not":
      return `!${c(e.e)}`;
    case "neg":
      return `(-${c(e.e)})`;
    case "bin": {
      const lt = e.l.t.kind;
      if ((e.op === "==" || e.op === "!=") && (lt === "map" || lt === "seq" || (lt === "option" && (e.l.t as { of: TypeDesc }).of.kind !== "enum" && (e.l.t as { of: TypeDesc }).of.kind !== "id" && (e.l.t as { of: TypeDesc }).of.kind !== "int"))) {
        throw new NotCompilable(`== on ${lt}`);
      }
      if (e.op === "/") return `Math.floor(${c(e.l)} / ${c(e.r)})`;
      if (e.op === "%" && (e.l.range?.[0] ?? -Infinity) < 0) return `fmod(${c(e.l)}, ${c(e.r)})`;
      const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op;
      return `(${c(e.l)} ${op} ${c(e.r)})`;
    }
    case "if":
      return `(${c(e.c)} ? ${c(e.a)} : ${c(e.b)})`;
    case "quant":
      return quant(ctx, e);
    case "fn":
      return fn(ctx, e);
    case "setlit": {
      if (e.items.length === 0) return "0";
      return `(${e.items.map((x) => `(1 << ${elem(ctx, x)})`).join(" | ")})`;
    }
    default:
      throw new NotCompilable(`a ${e.k} expression`);
  }
}

function fn(ctx: EmitContext, e: TExpr & { k: "fn" }): string {
  const c = (x: TExpr) => expr(ctx, x);
  const X = ctx.arr;
  const [a, b, d] = e.args as [TExpr, TExpr | undefined, TExpr | undefined];
  const kindOf = a.t.kind;
  switch (e.fn) {
    case "some":
      if (a.t.kind === "bool") throw new NotCompilable("some(bool)");
      return c(a);
    case "isSome":
      return `(${c(a)} !== -1)`;
    case "isNone":
      return `(${c(a)} === -1)`;
    case "value":
      return c(a);
    case "valueOr":
      return `vo(${c(a)}, ${c(b as TExpr)})`;
    case "contains": {
      if (kindOf === "seq") {
        const f = fieldOf(ctx, a) as SlotField & { kind: "seq" };
        return `seqHas(${X}, ${f.at}, ${elem(ctx, b as TExpr)})`;
      }
      if (kindOf !== "set") throw new NotCompilable(`contains on ${kindOf}`);
      return `(((${c(a)} >>> ${elem(ctx, b as TExpr)}) & 1) === 1)`;
    }
    case "containsKey": {
      const f = fieldOf(ctx, a);
      if (f.kind !== "map") throw new NotCompilable("containsKey");
      return `(${X}[${f.at} + ${elem(ctx, b as TExpr)}] !== -1)`;
    }
    case "get": {
      const f = fieldOf(ctx, a);
      if (f.kind !== "map") throw new NotCompilable("get");
      return `${X}[${f.at} + ${elem(ctx, b as TExpr)}]`;
    }
    case "getOr": {
      const f = fieldOf(ctx, a);
      if (f.kind !== "map") throw new NotCompilable("getOr");
      return `vo(${X}[${f.at} + ${elem(ctx, b as TExpr)}], ${c(d as TExpr)})`;
    }
    case "keys": {
      const f = fieldOf(ctx, a);
      if (f.kind !== "map") throw new NotCompilable("keys");
      return `mapKeys(${X}, ${f.at}, ${f.key.n})`;
    }
    case "size":
    case "isEmpty": {
      let size: string;
      if (kindOf === "set") size = `pc(${c(a)})`;
      else {
        const f = fieldOf(ctx, a);
        if (f.kind === "seq") size = `${X}[${f.at}]`;
        else if (f.kind === "map") size = `pc(mapKeys(${X}, ${f.at}, ${f.key.n}))`;
        else throw new NotCompilable(`size of ${f.kind}`);
      }
      if (e.fn === "size") return size;
      return kindOf === "set" ? `(${c(a)} === 0)` : `(${size} === 0)`;
    }
    case "head":
    case "last":
    case "at": {
      const f = fieldOf(ctx, a);
      if (f.kind !== "seq") throw new NotCompilable(e.fn);
      if (e.fn === "head") return `(${X}[${f.at}] > 0 ? ${X}[${f.at + 1}] : -1)`;
      if (e.fn === "last") return `(${X}[${f.at}] > 0 ? ${X}[${f.at} + ${X}[${f.at}]] : -1)`;
      return `seqAt(${X}, ${f.at}, ${c(b as TExpr)})`;
    }
    case "union":
      return `(${c(a)} | ${c(b as TExpr)})`;
    case "minus":
      return `(${c(a)} & ~${c(b as TExpr)})`;
    case "intersect":
      return `(${c(a)} & ${c(b as TExpr)})`;
    case "subsetOf":
      return `((${c(a)} & ~${c(b as TExpr)}) === 0)`;
  }
  throw new NotCompilable(`builtin ${String(e.fn)}`);
}

/**
 * A quantifier as a call of a top-level function with a plain loop, passed the slot array and the
 * payload and loop variables its body reads. Not an arrow function called in place: V8 did not
 * always inline those, and then allocated a closure and its context per evaluation (in guards, per
 * step), which kept the young generation collecting; a call of a declared function allocates nothing.
 */
function quant(ctx: EmitContext, e: TExpr & { k: "quant" }): string {
  const v = varName(e.v);
  const body = expr(ctx, e.body);
  const test = e.all ? `if (!${body}) return false;` : `if (${body}) return true;`;
  const done = `return ${e.all ? "true" : "false"};`;
  // The body is an expression, which changes no slot: the loop reads the sequence in place.
  const inner = `${loopOver(ctx, e.over, v, test, false)} ${done}`;
  const params = [ctx.arr, ...freeBindings(inner)];
  const name = ctx.fresh("quant");
  ctx.hoist(`function ${name}(${params.join(", ")}) { ${inner} }`);
  return `${name}(${params.join(", ")})`;
}

/** The payload (b_) and loop (v_) variables code reads and does not declare itself, in order of first use. */
function freeBindings(code: string): string[] {
  const declared = new Set([...code.matchAll(/\b(?:const|let) ([bv]_[A-Za-z0-9_]+)\b/g)].map((m) => m[1] as string));
  const used = [...code.matchAll(/\b[bv]_[A-Za-z0-9_]+\b/g)].map((m) => m[0]);
  return [...new Set(used)].filter((name) => !declared.has(name));
}

/**
 * A loop binding v to every element of `over` (as it is when the loop starts), in index order. A
 * sequence is copied first if the body may change it (`snapshot`), else read in place.
 */
function loopOver(ctx: EmitContext, over: TExpr, v: string, body: string, snapshot = true): string {
  const X = ctx.arr;
  const t = over.t;
  if (t.kind === "set") {
    const m = ctx.fresh("m");
    return `for (let ${m} = ${expr(ctx, over)}; ${m} !== 0; ${m} &= ${m} - 1) { const ${v} = 31 - Math.clz32(${m} & -${m}); ${body} }`;
  }
  const f = fieldOf(ctx, over);
  if (f.kind === "map") {
    const m = ctx.fresh("m");
    return `for (let ${m} = mapKeys(${X}, ${f.at}, ${f.key.n}); ${m} !== 0; ${m} &= ${m} - 1) { const ${v} = 31 - Math.clz32(${m} & -${m}); ${body} }`;
  }
  if (f.kind === "seq") {
    const j = ctx.fresh("j");
    if (!snapshot) return `for (let ${j} = 0; ${j} < ${X}[${f.at}]; ${j}++) { const ${v} = ${X}[${f.at + 1} + ${j}]; ${body} }`;
    const q = ctx.fresh("q");
    return `const ${q} = seqSnap(${X}, ${f.at}); for (let ${j} = 0; ${j} < ${q}.length; ${j}++) { const ${v} = ${q}[${j}]; ${body} }`;
  }
  throw new NotCompilable(`a loop over ${f.kind}`);
}

/** Update statements on the working copy O (ctx.arr must be "O"). */
export function stmts(ctx: EmitContext, list: readonly TStmt[]): string {
  return list.map((s) => stmt(ctx, s)).join("\n");
}

function stmt(ctx: EmitContext, s: TStmt): string {
  switch (s.k) {
    case "assign":
      return assign(ctx, s.field, s.e);
    case "op":
      return op(ctx, s);
    case "if":
      return `if (${expr(ctx, s.c)}) {\n${stmts(ctx, s.then)}\n}${s.else.length > 0 ? ` else {\n${stmts(ctx, s.else)}\n}` : ""}`;
    case "for":
      return loopOver(ctx, s.over, varName(s.v), `\n${stmts(ctx, s.body)}\n`);
    default:
      throw new NotCompilable(`a ${(s as { k: string }).k} statement`);
  }
}

function assign(ctx: EmitContext, field: string, e: TExpr): string {
  const f = ctx.layout.byName.get(field);
  if (!f) throw new NotCompilable(`unknown field ${field}`);
  switch (f.kind) {
    case "scalar":
      return f.t.kind === "bool" ? `O[${f.at}] = ${expr(ctx, e)} ? 1 : 0;` : `O[${f.at}] = ${expr(ctx, e)};`;
    case "option":
    case "set":
      return `O[${f.at}] = ${expr(ctx, e)};`;
    case "map": {
      if (e.k === "emptymap" || (e.k === "setlit" && e.items.length === 0)) return `for (let k = 0; k < ${f.key.n}; k++) O[${f.at} + k] = -1;`;
      if (e.k === "maplit") {
        // Every entry is evaluated before the map is cleared: an entry may read the map itself.
        const locals: string[] = [];
        const sets: string[] = [];
        for (let i = 0; i < e.items.length; i += 2) {
          locals.push(`const k${i} = ${elem(ctx, e.items[i] as TExpr)}; const x${i} = ${elem(ctx, e.items[i + 1] as TExpr)};`);
          sets.push(`O[${f.at} + k${i}] = x${i};`);
        }
        return `{ ${locals.join(" ")} for (let k = 0; k < ${f.key.n}; k++) O[${f.at} + k] = -1; ${sets.join(" ")} }`;
      }
      const g = fieldOf(ctx, e);
      if (g.kind !== "map" || g.key.n !== f.key.n) throw new NotCompilable("a map assignment");
      return `O.copyWithin(${f.at}, ${g.at}, ${g.at + g.key.n});`;
    }
    case "seq": {
      if (e.k === "seqlit") {
        if (e.items.length > f.cap) return "return BAIL;";
        const items = e.items.map((x, j) => `const i${j} = ${elem(ctx, x)};`).join(" ");
        const writes = e.items.map((_, j) => `O[${f.at + 1 + j}] = i${j};`).join(" ");
        return `{ ${items} for (let j = 0; j < ${f.cap}; j++) O[${f.at + 1} + j] = 0; O[${f.at}] = ${e.items.length}; ${writes} }`;
      }
      const g = fieldOf(ctx, e);
      if (g.kind !== "seq" || g.cap !== f.cap) throw new NotCompilable("a seq assignment");
      return `O.copyWithin(${f.at}, ${g.at}, ${g.at + 1 + g.cap});`;
    }
  }
}

function op(ctx: EmitContext, s: TStmt & { k: "op" }): string {
  const f = ctx.layout.byName.get(s.field);
  if (!f) throw new NotCompilable(`unknown field ${s.field}`);
  const [a, b] = s.args as [TExpr | undefined, TExpr | undefined];
  const arg = (x: TExpr | undefined) => elem(ctx, x as TExpr);
  if ((s as { at?: unknown }).at !== undefined) throw new NotCompilable("an update of a collection inside a Map");
  switch (f.kind) {
    case "set":
      if (s.method === "add") return `O[${f.at}] = O[${f.at}] | (1 << ${arg(a)});`;
      if (s.method === "remove") return `O[${f.at}] = O[${f.at}] & ~(1 << ${arg(a)});`;
      if (s.method === "clear") return `O[${f.at}] = 0;`;
      break;
    case "map":
      if (s.method === "put") return `{ const k = ${arg(a)}; O[${f.at} + k] = ${arg(b)}; }`;
      if (s.method === "remove") return `O[${f.at} + ${arg(a)}] = -1;`;
      if (s.method === "clear") return `for (let k = 0; k < ${f.key.n}; k++) O[${f.at} + k] = -1;`;
      break;
    case "seq":
      switch (s.method) {
        case "push":
          return `if (!seqPush(O, ${f.at}, ${f.cap}, ${arg(a)})) return BAIL;`;
        case "pushFront":
          return `if (!seqPushFront(O, ${f.at}, ${f.cap}, ${arg(a)})) return BAIL;`;
        case "popFront":
          return `seqRemoveAt(O, ${f.at}, 0);`;
        case "removeAt":
          return `seqRemoveAt(O, ${f.at}, ${expr(ctx, a as TExpr)});`;
        case "remove":
          return `seqRemoveAll(O, ${f.at}, ${arg(a)});`;
        case "clear":
          return `seqClear(O, ${f.at}, ${f.cap});`;
        default:
          break;
      }
      break;
    default:
      break;
  }
  throw new NotCompilable(`${s.method} on a ${f.kind} field`);
}

/** Helpers the emitted code calls (defined once at the top of the compiled module). */
export const HELPERS = `
const BAIL = -2;
function pc(m) { m = m - ((m >>> 1) & 0x55555555); m = (m & 0x33333333) + ((m >>> 2) & 0x33333333); return (((m + (m >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24; }
function vo(a, b) { return a !== -1 ? a : b; }
function fmod(a, b) { return ((a % b) + b) % b; }
function mapKeys(X, at, n) { let m = 0; for (let k = 0; k < n; k++) if (X[at + k] !== -1) m |= 1 << k; return m; }
function seqHas(X, at, v) { const n = X[at]; for (let j = 1; j <= n; j++) if (X[at + j] === v) return true; return false; }
function seqAt(X, at, i) { return i >= 0 && i < X[at] ? X[at + 1 + i] : -1; }
function seqSnap(X, at) { const n = X[at]; const q = new Array(n); for (let j = 0; j < n; j++) q[j] = X[at + 1 + j]; return q; }
function seqPush(O, at, cap, v) { const n = O[at]; if (n >= cap) return false; O[at + 1 + n] = v; O[at] = n + 1; return true; }
function seqPushFront(O, at, cap, v) { const n = O[at]; if (n >= cap) return false; O.copyWithin(at + 2, at + 1, at + 1 + n); O[at + 1] = v; O[at] = n + 1; return true; }
function seqRemoveAt(O, at, i) { const n = O[at]; if (!(i >= 0 && i < n)) return; O.copyWithin(at + 1 + i, at + 2 + i, at + 1 + n); O[at + n] = 0; O[at] = n - 1; }
function seqRemoveAll(O, at, v) { const n = O[at]; let w = 0; for (let r = 0; r < n; r++) { const x = O[at + 1 + r]; if (x !== v) O[at + 1 + w++] = x; } for (let j = w; j < n; j++) O[at + 1 + j] = 0; O[at] = w; }
function seqClear(O, at, cap) { for (let j = 0; j <= cap; j++) O[at + j] = 0; }
`;

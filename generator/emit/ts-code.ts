// Lowers typed expressions and update statements to TypeScript source text. Values use plain
// JavaScript: Option<T> is `T | null`, Set/Map are ReadonlySet/ReadonlyMap, Seq is a readonly array.

import type { TypeDesc } from "../../kernel/types.js";
import { hasIdentityEquality, type TExpr, type TStmt } from "../expr/typed.js";

/** How names read in the current position: pre-state, working copies during updates, post-state. */
export interface CodeContext {
  field(name: string, inst?: string): string;
  phase(inst?: string): string;
}

/** Kernel helpers a module uses, collected while emitting so imports list exactly those. */
export class HelperUse {
  readonly used = new Set<string>();
  use(name: string): string {
    this.used.add(name);
    return name;
  }
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
  }
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
      return bindName(e.name);
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
      const op = e.op === "==" ? "===" : e.op === "!=" ? "!==" : e.op;
      return `(${c(e.l)} ${op} ${c(e.r)})`;
    }
    case "if":
      return `(${c(e.c)} ? ${c(e.a)} : ${c(e.b)})`;
    case "quant": {
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
      }
      break;
    }
    case "setlit":
      return `new Set<${typeCode((e.t as { of: TypeDesc }).of)}>([${e.items.map(c).join(", ")}])`;
    case "seqlit":
      return e.items.length === 0 ? `([] as ${mutableTypeCode(e.t)})` : `[${e.items.map(c).join(", ")}]`;
    case "emptymap":
      return `new Map<${typeCode((e.t as { key: TypeDesc }).key)}, ${typeCode((e.t as { value: TypeDesc }).value)}>()`;
  }
  throw new Error(`unreachable expression kind`);
}

/** Working-copy names for a field written during a transition. */
export function fieldLocal(name: string): string {
  return `f_${name}`;
}

function writable(name: string): string {
  return `w_${name}`;
}

/**
 * Emits update statements. Collections are copied on their first write within the transition
 * (`w_x` holds the private copy) so the previous state is never mutated.
 */
export function stmtsCode(stmts: readonly TStmt[], ctx: CodeContext, h: HelperUse, indent = ""): string[] {
  const out: string[] = [];
  for (const s of stmts) {
    switch (s.k) {
      case "assign": {
        out.push(`${indent}${fieldLocal(s.field)} = ${exprCode(s.e, ctx, h)};`);
        if (isCollection(s.e.t)) out.push(`${indent}${writable(s.field)} = null;`);
        break;
      }
      case "op": {
        const f = fieldLocal(s.field);
        const w = writable(s.field);
        const args = s.args.map((a) => exprCode(a, ctx, h));
        if (s.method === "clear") {
          const fresh = s.fieldType.kind === "seq" ? `[]` : s.fieldType.kind === "set" ? `new Set()` : `new Map()`;
          out.push(`${indent}${w} = ${fresh};`, `${indent}${f} = ${w};`);
          break;
        }
        const copy = s.fieldType.kind === "seq" ? `[...${f}]` : s.fieldType.kind === "set" ? `new Set(${f})` : `new Map(${f})`;
        out.push(`${indent}if (${w} === null) ${f} = ${w} = ${copy};`);
        const call = (() => {
          switch (s.method) {
            case "add":
              return `${w}.add(${args[0]})`;
            case "put":
              return `${w}.set(${args[0]}, ${args[1]})`;
            case "remove":
              return s.fieldType.kind === "seq" ? `${h.use("removeAll")}(${w}, ${args[0]})` : `${w}.delete(${args[0]})`;
            case "push":
              return `${w}.push(${args[0]})`;
            case "pushFront":
              return `${w}.unshift(${args[0]})`;
            case "popFront":
              return `${w}.shift()`;
          }
        })();
        out.push(`${indent}${call};`);
        break;
      }
      case "if": {
        out.push(`${indent}if (${exprCode(s.c, ctx, h)}) {`, ...stmtsCode(s.then, ctx, h, indent + "  "));
        if (s.else.length > 0) out.push(`${indent}} else {`, ...stmtsCode(s.else, ctx, h, indent + "  "));
        out.push(`${indent}}`);
        break;
      }
      case "for": {
        // Seqs loop in their own order; Sets and Maps in canonical order (see kernel inOrder), so
        // the result depends only on the value, as the explorer checked it. The snapshot also
        // keeps the loop safe when its body writes the collection it walks.
        const t = s.over.t;
        let items: string;
        if (t.kind === "seq") items = `Array.from(${exprCode(s.over, ctx, h)})`;
        else {
          const elem = t.kind === "map" ? t.key : (t as { of: TypeDesc }).of;
          const source = t.kind === "map" ? `${exprCode(s.over, ctx, h)}.keys()` : exprCode(s.over, ctx, h);
          const order = elem.kind === "enum" ? `, ${JSON.stringify(elem.values)} as const` : "";
          items = `${h.use("inOrder")}(${source}${order})`;
        }
        out.push(`${indent}for (const ${varName(s.v)} of ${items}) {`, ...stmtsCode(s.body, ctx, h, indent + "  "), `${indent}}`);
        break;
      }
    }
  }
  return out;
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

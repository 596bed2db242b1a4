// Type-checked expressions and statements: what the emitters consume. Every node carries its type;
// int nodes also carry the interval of values they can take, which proves updates stay in range.

import type { TypeDesc } from "../../kernel/types.js";
import type { BinaryOp } from "./ast.js";

export type Range = readonly [lo: number, hi: number];

export type Builtin =
  | "some"
  | "isSome"
  | "isNone"
  | "value"
  | "valueOr"
  | "contains"
  | "containsKey"
  | "get"
  | "getOr"
  | "keys"
  | "size"
  | "isEmpty"
  | "head"
  | "last"
  | "union"
  | "minus"
  | "intersect"
  | "subsetOf"
  | "at"
  /** A record value: args are its fields in declared order (the record type is the node's type). */
  | "record"
  /** A tuple value: args are its items. */
  | "tuple"
  /** A record field or tuple item: args are the record or tuple and the int literal index of the part. */
  | "item";

interface Node {
  readonly t: TypeDesc;
  /** For int-typed nodes: every value the node can evaluate to lies in this interval. */
  readonly range?: Range;
}

export type TExpr = Node &
  (
    | { readonly k: "lit"; readonly v: boolean | number | string | null }
    | { readonly k: "field"; readonly name: string; readonly inst?: string }
    | { readonly k: "phase"; readonly inst?: string }
    | { readonly k: "bind"; readonly name: string }
    | { readonly k: "var"; readonly name: string }
    | { readonly k: "not"; readonly e: TExpr }
    | { readonly k: "neg"; readonly e: TExpr }
    | { readonly k: "bin"; readonly op: BinaryOp; readonly l: TExpr; readonly r: TExpr }
    | { readonly k: "if"; readonly c: TExpr; readonly a: TExpr; readonly b: TExpr }
    | { readonly k: "quant"; readonly all: boolean; readonly v: string; readonly over: TExpr; readonly body: TExpr }
    | { readonly k: "fn"; readonly fn: Builtin; readonly args: readonly TExpr[] }
    | { readonly k: "setlit"; readonly items: readonly TExpr[] }
    | { readonly k: "seqlit"; readonly items: readonly TExpr[] }
    /** A map literal; keys and values alternate in `items` (k0, v0, k1, v1, ...), so walkers treat it as a list. */
    | { readonly k: "maplit"; readonly items: readonly TExpr[] }
    | { readonly k: "emptymap" }
  );

export type CollectionMethod = "add" | "remove" | "clear" | "put" | "push" | "pushFront" | "popFront" | "removeAt";

export type TStmt =
  | { readonly k: "assign"; readonly field: string; readonly e: TExpr }
  | { readonly k: "op"; readonly field: string; readonly fieldType: TypeDesc; readonly method: CollectionMethod; readonly args: readonly TExpr[] }
  | { readonly k: "if"; readonly c: TExpr; readonly then: readonly TStmt[]; readonly else: readonly TStmt[] }
  | { readonly k: "for"; readonly v: string; readonly over: TExpr; readonly body: readonly TStmt[] };

export function isScalar(t: TypeDesc): boolean {
  return t.kind === "bool" || t.kind === "int" || t.kind === "enum" || t.kind === "id";
}

/** A value type: a scalar, a record or a tuple (what Sets and Seqs hold and Maps are keyed by). */
export function isValueType(t: TypeDesc): boolean {
  return isScalar(t) || t.kind === "record" || t.kind === "tuple";
}

/**
 * Whether JavaScript `===` decides equality for values of this type. Records and tuples do: they
 * are interned (kernel/intern.ts), so equal ones are the same object.
 */
export function hasIdentityEquality(t: TypeDesc): boolean {
  return isValueType(t) || (t.kind === "option" && isValueType(t.of));
}

// Untyped syntax trees for spec expressions and update statements, with spans into the source
// string (character offsets, end exclusive) so every error can point at its column.

export type Span = readonly [start: number, end: number];

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";

export type Expr =
  | { readonly k: "int"; readonly span: Span; readonly value: number }
  | { readonly k: "bool"; readonly span: Span; readonly value: boolean }
  | { readonly k: "none"; readonly span: Span }
  | { readonly k: "ident"; readonly span: Span; readonly name: string }
  /** `obj.name`: a property (`x.isSome`, `s.size`), a qualified enum value (`Color.Red`) or an instance field. */
  | { readonly k: "member"; readonly span: Span; readonly obj: Expr; readonly name: string; readonly nameSpan: Span }
  /** `name(args)` when `obj` is null, else the method call `obj.name(args)`. */
  | { readonly k: "call"; readonly span: Span; readonly obj: Expr | null; readonly name: string; readonly nameSpan: Span; readonly args: readonly Expr[] }
  | { readonly k: "unary"; readonly span: Span; readonly op: "!" | "-"; readonly e: Expr }
  | { readonly k: "binary"; readonly span: Span; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: "if"; readonly span: Span; readonly c: Expr; readonly t: Expr; readonly e: Expr }
  /** `let v = e in body`: `v` names the value of `e` inside `body`. */
  | { readonly k: "let"; readonly span: Span; readonly v: string; readonly vSpan: Span; readonly e: Expr; readonly body: Expr }
  | { readonly k: "quant"; readonly span: Span; readonly all: boolean; readonly v: string; readonly vSpan: Span; readonly over: Expr; readonly body: Expr }
  | { readonly k: "seqlit"; readonly span: Span; readonly items: readonly Expr[] }
  | { readonly k: "setlit"; readonly span: Span; readonly items: readonly Expr[] }
  /** `{k1: v1, k2: v2}`: a map literal (`{}` alone is a setlit, typed as a Map by context). */
  | { readonly k: "maplit"; readonly span: Span; readonly entries: readonly { readonly key: Expr; readonly value: Expr }[] }
  /** `Msg{from: n, bal: b}`: a record of the named record type, every field given once. */
  | { readonly k: "reclit"; readonly span: Span; readonly type: string; readonly typeSpan: Span; readonly fields: readonly FieldInit[] }
  /** `{m with bal: b}`: the record `m` with the listed fields replaced. */
  | { readonly k: "recwith"; readonly span: Span; readonly obj: Expr; readonly fields: readonly FieldInit[] }
  /** `(a, b)`: a tuple (two items or more; `(a)` is just `a`). */
  | { readonly k: "tuplit"; readonly span: Span; readonly items: readonly Expr[] }
  /** `t[0]`: a tuple item, by a constant index from 0. */
  | { readonly k: "index"; readonly span: Span; readonly obj: Expr; readonly index: number; readonly indexSpan: Span };

/** `name: value` inside a record literal or update. */
export interface FieldInit {
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Expr;
}

export type Stmt =
  | { readonly k: "assign"; readonly span: Span; readonly target: string; readonly targetSpan: Span; readonly e: Expr }
  /** `target.method(args)`, or with `at`, `target[at].method(args)`: the collection stored in a Map at a key. */
  | { readonly k: "op"; readonly span: Span; readonly target: string; readonly targetSpan: Span; readonly at?: Expr; readonly method: string; readonly methodSpan: Span; readonly args: readonly Expr[] }
  | { readonly k: "if"; readonly span: Span; readonly c: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  | { readonly k: "for"; readonly span: Span; readonly v: string; readonly vSpan: Span; readonly over: Expr; readonly body: readonly Stmt[] };

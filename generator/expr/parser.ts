// Recursive-descent parser for expressions and update statements. Grammar (lowest precedence first):
//   expr  := "if" expr "then" expr "else" expr | ("all" | "any") NAME "in" expr ":" expr
//          | "let" NAME "=" expr "in" expr | or
//   or    := and ("||" and)*          and := cmp ("&&" cmp)*
//   cmp   := add (("==" | "!=" | "<" | "<=" | ">" | ">=") add)?
//   add   := mul (("+" | "-") mul)*      mul := unary (("*" | "/" | "%") unary)*
//   unary := ("!" | "-") unary | post
//   post  := prim ("." NAME ("(" args ")")? | "[" INT "]")*
//   prim  := INT | "true" | "false" | "none" | NAME ("(" args ")")? | NAME "{" fields "}" | "(" args ")"
//          | "[" args "]" | "{" args "}" | "{" map entries "}" | "{" expr "with" fields "}"
//   fields := NAME ":" expr ("," NAME ":" expr)*
//   stmts := stmt (";" stmt)* ";"?
//   stmt  := NAME "=" expr | NAME ("[" expr "]")? "." NAME "(" args ")"
//          | "if" expr "then"? "{" stmts "}" ("else" ("{" stmts "}" | stmt))?
//          | "for" NAME "in" expr "{" stmts "}"

import type { BinaryOp, Expr, FieldInit, Span, Stmt } from "./ast.js";
import { ExprSyntaxError, tokenize, type Token } from "./lexer.js";

export const KEYWORDS = new Set(["if", "then", "else", "all", "any", "in", "true", "false", "none", "for", "let"]);

const CMP_OPS = new Set(["==", "!=", "<", "<=", ">", ">="]);

export function parseExpr(src: string): Expr {
  const p = new Parser(src);
  const e = p.expr();
  p.expectEnd();
  return e;
}

export function parseStmts(src: string): Stmt[] {
  const p = new Parser(src);
  const out = p.stmts(true);
  p.expectEnd();
  return out;
}

class Parser {
  readonly #toks: Token[];
  #i = 0;

  constructor(src: string) {
    this.#toks = tokenize(src);
  }

  get #t(): Token {
    return this.#toks[this.#i] as Token;
  }

  #is(text: string): boolean {
    const t = this.#t;
    return (t.kind === "punct" || t.kind === "ident") && t.text === text;
  }

  #take(text: string, what: string): Token {
    if (!this.#is(text)) this.#fail(`expected "${text}" ${what}`);
    return this.#toks[this.#i++] as Token;
  }

  #name(what: string): Token {
    const t = this.#t;
    if (t.kind !== "ident" || KEYWORDS.has(t.text)) this.#fail(`expected ${what}`);
    this.#i++;
    return t;
  }

  #fail(message: string): never {
    const t = this.#t;
    const found = t.kind === "eof" ? "end of expression" : `"${t.text}"`;
    throw new ExprSyntaxError(`${message}, found ${found}`, t.kind === "eof" ? [t.span[0], t.span[0] + 1] : t.span);
  }

  expectEnd(): void {
    const t = this.#t;
    if (t.kind === "ident" && (t.text === "and" || t.text === "or")) {
      throw new ExprSyntaxError(`"${t.text}" is not an operator; use "${t.text === "and" ? "&&" : "||"}"`, t.span);
    }
    if (t.kind !== "eof") this.#fail("expected end of expression");
  }

  expr(): Expr {
    const t = this.#t;
    if (t.kind === "ident" && t.text === "if") {
      this.#i++;
      const c = this.expr();
      this.#take("then", "after the condition of if");
      const th = this.expr();
      this.#take("else", "(an if expression needs both branches)");
      const el = this.expr();
      return { k: "if", span: [t.span[0], el.span[1]], c, t: th, e: el };
    }
    if (t.kind === "ident" && t.text === "let") {
      this.#i++;
      const v = this.#name("a name after let");
      this.#take("=", `after "let ${v.text}"`);
      const e = this.expr();
      this.#take("in", `after the value of "let ${v.text}"`);
      const body = this.expr();
      return { k: "let", span: [t.span[0], body.span[1]], v: v.text, vSpan: v.span, e, body };
    }
    if (t.kind === "ident" && (t.text === "all" || t.text === "any")) {
      this.#i++;
      const v = this.#name("a variable name after " + t.text);
      this.#take("in", `after "${t.text} ${v.text}"`);
      const over = this.expr();
      this.#take(":", "before the body of the quantifier");
      const body = this.expr();
      return { k: "quant", span: [t.span[0], body.span[1]], all: t.text === "all", v: v.text, vSpan: v.span, over, body };
    }
    return this.#or();
  }

  #or(): Expr {
    let l = this.#and();
    while (this.#is("||")) {
      this.#i++;
      const r = this.#and();
      l = { k: "binary", span: [l.span[0], r.span[1]], op: "||", l, r };
    }
    return l;
  }

  #and(): Expr {
    let l = this.#cmp();
    while (this.#is("&&")) {
      this.#i++;
      const r = this.#cmp();
      l = { k: "binary", span: [l.span[0], r.span[1]], op: "&&", l, r };
    }
    return l;
  }

  #cmp(): Expr {
    const l = this.#add();
    const t = this.#t;
    if (t.kind === "punct" && t.text === "=") throw new ExprSyntaxError(`"=" assigns; to compare, use "=="`, t.span);
    if (t.kind === "punct" && CMP_OPS.has(t.text)) {
      this.#i++;
      const r = this.#add();
      const next = this.#t;
      if (next.kind === "punct" && CMP_OPS.has(next.text)) {
        throw new ExprSyntaxError(`comparisons do not chain; use "&&" between them`, next.span);
      }
      return { k: "binary", span: [l.span[0], r.span[1]], op: t.text as BinaryOp, l, r };
    }
    return l;
  }

  #add(): Expr {
    let l = this.#mul();
    while (this.#is("+") || this.#is("-")) {
      const op = this.#t.text as BinaryOp;
      this.#i++;
      const r = this.#mul();
      l = { k: "binary", span: [l.span[0], r.span[1]], op, l, r };
    }
    return l;
  }

  #mul(): Expr {
    let l = this.#unary();
    while (this.#is("*") || this.#is("/") || this.#is("%")) {
      const op = this.#t.text as BinaryOp;
      this.#i++;
      const r = this.#unary();
      l = { k: "binary", span: [l.span[0], r.span[1]], op, l, r };
    }
    return l;
  }

  #unary(): Expr {
    const t = this.#t;
    if (t.kind === "punct" && (t.text === "!" || t.text === "-")) {
      this.#i++;
      const e = this.#unary();
      return { k: "unary", span: [t.span[0], e.span[1]], op: t.text, e };
    }
    if (t.kind === "ident" && (t.text === "if" || t.text === "all" || t.text === "any" || t.text === "let")) return this.expr();
    return this.#post();
  }

  #post(): Expr {
    let e = this.#prim();
    while (this.#is(".") || this.#is("[")) {
      if (this.#is("[")) {
        this.#i++;
        const t = this.#t;
        if (t.kind !== "int") this.#fail("expected a constant item index (0, 1, ...) inside [...]");
        this.#i++;
        const close = this.#take("]", "after the item index");
        e = { k: "index", span: [e.span[0], close.span[1]], obj: e, index: Number(t.text), indexSpan: t.span };
        continue;
      }
      this.#i++;
      const n = this.#name("a property or method name after \".\"");
      if (this.#is("(")) {
        const args = this.#args("(", ")");
        e = { k: "call", span: [e.span[0], args.end], obj: e, name: n.text, nameSpan: n.span, args: args.items };
      } else {
        e = { k: "member", span: [e.span[0], n.span[1]], obj: e, name: n.text, nameSpan: n.span };
      }
    }
    return e;
  }

  #prim(): Expr {
    const t = this.#t;
    if (t.kind === "int") {
      this.#i++;
      const value = Number(t.text);
      if (!Number.isSafeInteger(value)) throw new ExprSyntaxError(`integer ${t.text} is too large`, t.span);
      return { k: "int", span: t.span, value };
    }
    if (t.kind === "ident") {
      if (t.text === "true" || t.text === "false") {
        this.#i++;
        return { k: "bool", span: t.span, value: t.text === "true" };
      }
      if (t.text === "none") {
        this.#i++;
        return { k: "none", span: t.span };
      }
      const n = this.#name("a value");
      // `Name{field: ...}`: a record literal (a block after a name, as in `if ready { x = 1 }`, never has `name:`).
      if (this.#is("{") && this.#peekIsFieldInit(1)) {
        this.#i++;
        const fields = this.#fieldInits();
        const close = this.#take("}", `to close the ${n.text} record`);
        return { k: "reclit", span: [n.span[0], close.span[1]], type: n.text, typeSpan: n.span, fields };
      }
      if (this.#is("(")) {
        const args = this.#args("(", ")");
        return { k: "call", span: [n.span[0], args.end], obj: null, name: n.text, nameSpan: n.span, args: args.items };
      }
      return { k: "ident", span: n.span, name: n.text };
    }
    if (this.#is("(")) {
      const a = this.#args("(", ")");
      if (a.items.length === 0) throw new ExprSyntaxError("expected a value inside ()", [t.span[0], a.end]);
      return a.items.length === 1 ? (a.items[0] as Expr) : { k: "tuplit", span: [t.span[0], a.end], items: a.items };
    }
    if (this.#is("[")) {
      const a = this.#args("[", "]");
      return { k: "seqlit", span: [t.span[0], a.end], items: a.items };
    }
    if (this.#is("{")) return this.#braces();
    this.#fail("expected a value");
  }

  /** `{}`, `{a, b}` (a set) or `{k: v, ...}` (a map): the first item decides. */
  #braces(): Expr {
    const open = this.#take("{", "");
    if (this.#is("}")) return { k: "setlit", span: [open.span[0], this.#take("}", "").span[1]], items: [] };
    const first = this.expr();
    if (this.#t.kind === "ident" && this.#t.text === "with") {
      this.#i++;
      const fields = this.#fieldInits();
      return { k: "recwith", span: [open.span[0], this.#take("}", 'to close "{"').span[1]], obj: first, fields };
    }
    if (!this.#is(":")) {
      const items = [first];
      while (this.#is(",")) {
        this.#i++;
        items.push(this.expr());
      }
      return { k: "setlit", span: [open.span[0], this.#take("}", 'to close "{"').span[1]], items };
    }
    const entries: { key: Expr; value: Expr }[] = [];
    let key = first;
    for (;;) {
      this.#take(":", "between a map key and its value");
      entries.push({ key, value: this.expr() });
      if (!this.#is(",")) break;
      this.#i++;
      key = this.expr();
    }
    return { k: "maplit", span: [open.span[0], this.#take("}", 'to close "{"').span[1]], entries };
  }

  /** Whether the tokens from `at` on start `name :`. */
  #peekIsFieldInit(at: number): boolean {
    const a = this.#toks[this.#i + at];
    const b = this.#toks[this.#i + at + 1];
    return a !== undefined && b !== undefined && a.kind === "ident" && !KEYWORDS.has(a.text) && b.kind === "punct" && b.text === ":";
  }

  /** `name: expr, ...` (at least one). */
  #fieldInits(): FieldInit[] {
    const out: FieldInit[] = [];
    for (;;) {
      const n = this.#name("a field name");
      this.#take(":", `after the field name ${n.text}`);
      out.push({ name: n.text, nameSpan: n.span, value: this.expr() });
      if (!this.#is(",")) return out;
      this.#i++;
    }
  }

  #args(open: string, close: string): { items: Expr[]; end: number } {
    this.#take(open, "");
    const items: Expr[] = [];
    if (!this.#is(close)) {
      items.push(this.expr());
      while (this.#is(",")) {
        this.#i++;
        items.push(this.expr());
      }
    }
    const end = this.#take(close, `to close "${open}"`);
    return { items, end: end.span[1] };
  }

  stmts(top: boolean): Stmt[] {
    const out: Stmt[] = [];
    const done = (): boolean => (top ? this.#t.kind === "eof" : this.#is("}"));
    while (!done()) {
      out.push(this.#stmt());
      if (this.#is(";")) this.#i++;
      else if (!done()) this.#fail(`expected ";" between statements`);
    }
    if (top && out.length === 0) this.#fail("expected a statement");
    return out;
  }

  #block(): { stmts: Stmt[]; end: number } {
    this.#take("{", "to open a block");
    const stmts = this.stmts(false);
    const end = this.#take("}", "to close the block");
    return { stmts, end: end.span[1] };
  }

  #stmt(): Stmt {
    const t = this.#t;
    if (t.kind === "ident" && t.text === "if") {
      this.#i++;
      const c = this.expr();
      if (this.#is("then")) this.#i++;
      const th = this.#block();
      let els: Stmt[] = [];
      let end = th.end;
      if (this.#is("else")) {
        this.#i++;
        if (this.#is("{")) {
          const b = this.#block();
          els = b.stmts;
          end = b.end;
        } else {
          const s = this.#stmt();
          els = [s];
          end = s.span[1];
        }
      }
      return { k: "if", span: [t.span[0], end], c, then: th.stmts, else: els };
    }
    if (t.kind === "ident" && t.text === "for") {
      this.#i++;
      const v = this.#name("a variable name after for");
      this.#take("in", `after "for ${v.text}"`);
      const over = this.expr();
      const b = this.#block();
      return { k: "for", span: [t.span[0], b.end], v: v.text, vSpan: v.span, over, body: b.stmts };
    }
    const target = this.#name("a field name to update");
    if (this.#is("[")) {
      this.#i++;
      const at = this.expr();
      this.#take("]", "after the key");
      this.#take(".", `after ${target.text}[...]: an update of the collection stored at that key`);
      const m = this.#name("an update method (add, remove, clear)");
      if (!this.#is("(")) this.#fail(`expected "(" after ${target.text}[...].${m.text}`);
      const args = this.#args("(", ")");
      return { k: "op", span: [target.span[0], args.end], target: target.text, targetSpan: target.span, at, method: m.text, methodSpan: m.span, args: args.items };
    }
    if (this.#is("=")) {
      this.#i++;
      const e = this.expr();
      return { k: "assign", span: [target.span[0], e.span[1]], target: target.text, targetSpan: target.span, e };
    }
    if (this.#is(".")) {
      this.#i++;
      const m = this.#name("an update method (add, remove, put, push, ...)");
      if (!this.#is("(")) this.#fail(`expected "(" after ${target.text}.${m.text}`);
      const args = this.#args("(", ")");
      return { k: "op", span: [target.span[0], args.end], target: target.text, targetSpan: target.span, method: m.text, methodSpan: m.span, args: args.items };
    }
    if (this.#is("==")) throw new ExprSyntaxError(`an update assigns with "=", not "=="`, this.#t.span);
    this.#fail(`expected "=" or "." after the field name ${target.text}`);
  }
}

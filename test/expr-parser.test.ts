import { describe, expect, it } from "vitest";
import type { Expr } from "../generator/expr/ast.js";
import { ExprSyntaxError } from "../generator/expr/lexer.js";
import { parseExpr, parseStmts } from "../generator/expr/parser.js";

/** Renders a tree with explicit parentheses, to assert precedence. */
function show(e: Expr): string {
  switch (e.k) {
    case "int":
      return String(e.value);
    case "bool":
      return String(e.value);
    case "none":
      return "none";
    case "ident":
      return e.name;
    case "member":
      return `${show(e.obj)}.${e.name}`;
    case "call":
      return `${e.obj ? `${show(e.obj)}.` : ""}${e.name}(${e.args.map(show).join(", ")})`;
    case "unary":
      return `(${e.op}${show(e.e)})`;
    case "binary":
      return `(${show(e.l)} ${e.op} ${show(e.r)})`;
    case "if":
      return `(if ${show(e.c)} then ${show(e.t)} else ${show(e.e)})`;
    case "let":
      return `(let ${e.v} = ${show(e.e)} in ${show(e.body)})`;
    case "quant":
      return `(${e.all ? "all" : "any"} ${e.v} in ${show(e.over)}: ${show(e.body)})`;
    case "seqlit":
      return `[${e.items.map(show).join(", ")}]`;
    case "setlit":
      return `{${e.items.map(show).join(", ")}}`;
    case "maplit":
      return `{${e.entries.map((x) => `${show(x.key)}: ${show(x.value)}`).join(", ")}}`;
    case "reclit":
      return `${e.type}{${e.fields.map((f) => `${f.name}: ${show(f.value)}`).join(", ")}}`;
    case "recwith":
      return `{${show(e.obj)} with ${e.fields.map((f) => `${f.name}: ${show(f.value)}`).join(", ")}}`;
    case "tuplit":
      return `(${e.items.map(show).join(", ")})`;
    case "index":
      return `${show(e.obj)}[${e.index}]`;
  }
}

function syntaxError(src: string, parse: (s: string) => unknown = parseExpr): ExprSyntaxError {
  try {
    parse(src);
  } catch (e) {
    if (e instanceof ExprSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for ${src}`);
}

describe("expression parser", () => {
  it.each([
    ["a || b && c", "(a || (b && c))"],
    ["!a && b", "((!a) && b)"],
    ["a + 1 < b - 2", "((a + 1) < (b - 2))"],
    ["a - b - c", "((a - b) - c)"],
    ["a + b * c % d", "(a + ((b * c) % d))"],
    ["-a * b / 2 < 3", "((((-a) * b) / 2) < 3)"],
    ["phase != Unlocked || lastCoin != none", "((phase != Unlocked) || (lastCoin != none))"],
    ["m.get(k).value + 1 <= 3", "((m.get(k).value + 1) <= 3)"],
    ["if x.isSome then x.value else 0", "(if x.isSome then x.value else 0)"],
    ["all i in s: q.contains(i) && ready", "(all i in s: (q.contains(i) && ready))"],
    ["any i in m: -i < 0", "(any i in m: ((-i) < 0))"],
    ["{a, b} == s", "({a, b} == s)"],
    ["let t = a + b in t <= 5 && t > 0", "(let t = (a + b) in ((t <= 5) && (t > 0)))"],
    ["{a: 1, b: x + 1} == m", "({a: 1, b: (x + 1)} == m)"],
    ["{all x in s: x: 1}", "{(all x in s: x): 1}"],
    ["[] == q", "([] == q)"],
    ["some(x) == Color.Red", "(some(x) == Color.Red)"],
  ])("parses %s", (src, expected) => {
    expect(show(parseExpr(src))).toBe(expected);
  });

  it("keeps source spans", () => {
    const e = parseExpr("coins <  limit");
    expect(e.span).toEqual([0, 14]);
    if (e.k !== "binary") throw new Error("expected binary");
    expect(e.r.span).toEqual([9, 14]);
  });

  it.each([
    ["a < b < c", "comparisons do not chain", [6, 7]],
    ["a & b", 'did you mean "&&"', [2, 3]],
    ["(a || b", 'expected ")"', [7, 8]],
    ["coins <", "expected a value", [7, 8]],
    ["if a then b", "needs both branches", [11, 12]],
    ["1abc", "cannot start with a digit", [0, 2]],
    ["a # b", 'unexpected character "#"', [2, 3]],
    ["x.", "property or method name", [2, 3]],
    ["if == 1", "expected a value", [3, 5]],
  ])("reports %s at its column", (src, message, span) => {
    const err = syntaxError(src);
    expect(err.message).toContain(message);
    expect(err.span).toEqual(span);
  });

  it("parses update statements", () => {
    const stmts = parseStmts("if x < 3 { a = a + 1; s.add(x) } else b = none; for y in s { q.push(y) }");
    expect(stmts.map((s) => s.k)).toEqual(["if", "for"]);
    const first = stmts[0];
    if (first?.k !== "if") throw new Error("expected if");
    expect(first.then.map((s) => s.k)).toEqual(["assign", "op"]);
    expect(first.else.map((s) => s.k)).toEqual(["assign"]);
    expect(parseStmts("if c then { a = 1 }")[0]?.k).toBe("if");
  });

  it("rejects malformed statements with a location", () => {
    expect(syntaxError("coins == 1", parseStmts).message).toContain('assigns with "="');
    expect(syntaxError("a = 1 b = 2", parseStmts).message).toContain('";"');
    expect(syntaxError("s.add x", parseStmts).span).toEqual([6, 7]);
    expect(syntaxError("", parseStmts).message).toContain("expected a statement");
  });

  it("parses records, record updates, tuples and tuple items", () => {
    expect(show(parseExpr("Msg{from: n, bal: b + 1}.bal"))).toBe("Msg{from: n, bal: (b + 1)}.bal");
    expect(show(parseExpr("{m with bal: 2, acc: a}"))).toBe("{m with bal: 2, acc: a}");
    expect(show(parseExpr("(a, b)[1] == (1)"))).toBe("((a, b)[1] == 1)");
    expect(show(parseExpr("msgs.contains((n, 2))"))).toBe("msgs.contains((n, 2))");
    // A block after a name is not a record: `if ready { x = 1 }` still parses as a statement.
    expect(parseStmts("if ready { x = 1 }")[0]?.k).toBe("if");
    expect(syntaxError("t[i]").message).toContain("constant item index");
    expect(syntaxError("Msg{from: 1,}").message).toContain("field name");
  });
});

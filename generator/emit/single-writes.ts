// Which fields a transition's updates set exactly once, by a top-level assignment that nothing
// before it (nor its own value) reads: such a field needs no working copy, only
// `const f_x: T = <value>;` where the assignment stands. Sequential semantics stay exact: before
// the assignment nothing reads the field, after it every read sees the assigned value.

import type { TExpr, TStmt } from "../expr/typed.js";
import { fieldsRead } from "./ts-code.js";

export function singleAssigned(stmts: readonly TStmt[]): ReadonlySet<string> {
  const writes = new Map<string, number>();
  countWrites(stmts, writes);
  const out = new Set<string>();
  const readSoFar = new Set<string>();
  for (const s of stmts) {
    const reads = stmtReads(s);
    if (s.k === "assign" && writes.get(s.field) === 1 && !readSoFar.has(s.field) && !reads.includes(s.field)) out.add(s.field);
    for (const f of reads) readSoFar.add(f);
  }
  return out;
}

function countWrites(stmts: readonly TStmt[], out: Map<string, number>): void {
  for (const s of stmts) {
    if (s.k === "assign" || s.k === "op") out.set(s.field, (out.get(s.field) ?? 0) + 1);
    else if (s.k === "if") {
      countWrites(s.then, out);
      countWrites(s.else, out);
    } else countWrites(s.body, out);
  }
}

/** Fields a statement reads, an `op` counting its own field (it reads the working copy). */
function stmtReads(s: TStmt): string[] {
  const out: string[] = [];
  const expr = (e: TExpr) => fieldsRead(e, out);
  switch (s.k) {
    case "assign":
      expr(s.e);
      break;
    case "op":
      out.push(s.field);
      s.args.forEach(expr);
      break;
    case "if":
      expr(s.c);
      for (const x of [...s.then, ...s.else]) out.push(...stmtReads(x));
      break;
    case "for":
      expr(s.over);
      for (const x of s.body) out.push(...stmtReads(x));
      break;
  }
  return out;
}

/**
 * Of the set-once fields, those whose value reads no field the transition writes and that no
 * statement reads at all: the value means the same at the end, so it goes straight into the
 * next-state literal, with no local.
 */
export function inlineable(stmts: readonly TStmt[], once: ReadonlySet<string>, written: readonly string[]): Map<string, TExpr> {
  const readAnywhere = new Set(stmts.flatMap(stmtReads));
  const out = new Map<string, TExpr>();
  for (const s of stmts) {
    if (s.k !== "assign" || !once.has(s.field) || readAnywhere.has(s.field)) continue;
    if (fieldsRead(s.e).some((f) => written.includes(f))) continue;
    out.set(s.field, s.e);
  }
  return out;
}

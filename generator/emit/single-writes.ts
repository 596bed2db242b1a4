// Which fields a transition's updates write exactly once, by a top-level assignment or collection
// update (`op`) that nothing before it reads: such a field needs no working copy, only
// `const f_x: T = <value>;` where the statement stands (an update is the pure kernel call
// `setAdd(s.x, o)`, see kernel/updates.ts). The statement's own value may read the field: that
// is the pre-state value `s.x`, since nothing wrote it before. Sequential semantics stay exact:
// before the statement nothing reads the field, after it every read sees the written value.

import type { TExpr, TStmt } from "../expr/typed.js";
import { fieldsRead, isCollection } from "./ts-code.js";

export function singleAssigned(stmts: readonly TStmt[]): ReadonlySet<string> {
  const writes = new Map<string, number>();
  countWrites(stmts, writes);
  const out = new Set<string>();
  const readSoFar = new Set<string>();
  for (const s of stmts) {
    const reads = stmtReads(s);
    if ((s.k === "assign" || s.k === "op") && writes.get(s.field) === 1 && !readSoFar.has(s.field) && !storesCollection(s)) out.add(s.field);
    for (const f of reads) readSoFar.add(f);
  }
  return out;
}

/**
 * An update that stores a collection read from a field (`m.put(k, otherSet)`): kept on the
 * working-copy path, which forgets a stored working copy so a later write copies it again.
 */
function storesCollection(s: TStmt & { k: "assign" | "op" }): boolean {
  if (s.k === "assign") return false;
  return s.args.some((a) => isCollection(a.t) || (a.t.kind === "option" && isCollection(a.t.of)));
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
export function stmtReads(s: TStmt): string[] {
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
 * Of the written-once fields, those whose value reads no other field the transition writes and
 * that no other statement reads: the value means the same at the end, so it goes straight into
 * the next-state literal, with no local.
 */
export function inlineable(stmts: readonly TStmt[], once: ReadonlySet<string>, written: readonly string[]): Map<string, TStmt & { k: "assign" | "op" }> {
  const out = new Map<string, TStmt & { k: "assign" | "op" }>();
  for (const s of stmts) {
    if ((s.k !== "assign" && s.k !== "op") || !once.has(s.field)) continue;
    const field = s.field;
    const readElsewhere = stmts.some((x) => x !== s && stmtReads(x).includes(field));
    if (readElsewhere) continue;
    const own = s.k === "assign" ? fieldsRead(s.e) : s.args.flatMap((a) => fieldsRead(a));
    if (own.some((f) => f !== field && written.includes(f))) continue;
    out.set(field, s);
  }
  return out;
}

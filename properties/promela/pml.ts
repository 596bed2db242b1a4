// A small Promela statement tree and its printer, plus expression helpers that keep the emitted
// text short (constant folding of offsets, trivial conjunctions).

export type PStmt =
  | { readonly k: "raw"; readonly text: string }
  | { readonly k: "if" | "do"; readonly branches: readonly PBranch[] }
  | { readonly k: "comment"; readonly text: string };

export interface PBranch {
  /** A Promela condition, or "else". */
  readonly guard: string;
  readonly body: readonly PStmt[];
}

export function raw(text: string): PStmt {
  return { k: "raw", text };
}

export function assign(lhs: string, rhs: string): PStmt {
  return raw(`${lhs} = ${rhs}`);
}

export function comment(text: string): PStmt {
  return { k: "comment", text };
}

/** `if :: c -> then :: else -> otherwise fi`. */
export function ifElse(c: string, then: readonly PStmt[], otherwise: readonly PStmt[] = []): PStmt[] {
  if (c === "1") return [...then];
  if (c === "0") return [...otherwise];
  if (then.length === 0 && otherwise.length === 0) return [];
  return [{ k: "if", branches: [{ guard: c, body: then }, { guard: "else", body: otherwise }] }];
}

/** `i = from; do :: i < to -> body; i++ :: else -> break od`. */
export function countedLoop(i: string, from: string, to: string, body: readonly PStmt[]): PStmt[] {
  return [
    assign(i, from),
    {
      k: "do",
      branches: [
        { guard: `${i} < ${to}`, body: [...body, raw(`${i}++`)] },
        { guard: "else", body: [raw("break")] },
      ],
    },
  ];
}

/** Prints statements separated by `;`, one per line. Comments attach to the next statement. */
export function render(stmts: readonly PStmt[], indent: string): string[] {
  const out: string[] = [];
  const real = stmts.filter((s) => s.k !== "comment");
  let seen = 0;
  for (const s of stmts) {
    if (s.k === "comment") {
      out.push(`${indent}/* ${s.text.replace(/\*\//g, "* /")} */`);
      continue;
    }
    seen++;
    const sep = seen < real.length ? ";" : "";
    if (s.k === "raw") {
      out.push(`${indent}${s.text}${sep}`);
      continue;
    }
    out.push(`${indent}${s.k}`);
    for (const b of s.branches) {
      const body = b.body.filter((x) => x.k !== "comment").length === 0 ? [...b.body, raw("skip")] : b.body;
      out.push(`${indent}:: ${b.guard} ->`);
      out.push(...render(body, `${indent}   `));
    }
    out.push(`${indent}${s.k === "if" ? "fi" : "od"}${sep}`);
  }
  if (real.length === 0) out.push(`${indent}skip`);
  return out;
}

/** Conjunction; drops literal truths and collapses on a literal falsehood. */
export function and(parts: readonly string[]): string {
  const kept = parts.filter((p) => p !== "1");
  if (kept.includes("0")) return "0";
  if (kept.length === 0) return "1";
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(" && ")})`;
}

export function or(parts: readonly string[]): string {
  const kept = parts.filter((p) => p !== "0");
  if (kept.includes("1")) return "1";
  if (kept.length === 0) return "0";
  return kept.length === 1 ? (kept[0] as string) : `(${kept.join(" || ")})`;
}

export function not(e: string): string {
  if (e === "1") return "0";
  if (e === "0") return "1";
  return `!${e}`;
}

/** Conditional expression `(c -> a : b)`, folded when c is a literal or both sides agree. */
export function cond(c: string, a: string, b: string): string {
  if (c === "1" || a === b) return a;
  if (c === "0") return b;
  return `(${c} -> ${a} : ${b})`;
}

/** 0/1 as an int, for sums of conditions. */
export function asCount(c: string): string {
  return c === "1" || c === "0" ? c : `(${c} -> 1 : 0)`;
}

export function sum(parts: readonly string[]): string {
  const consts = parts.filter((p) => /^\d+$/.test(p)).reduce((a, p) => a + Number(p), 0);
  const rest = parts.filter((p) => !/^\d+$/.test(p));
  if (rest.length === 0) return String(consts);
  const all = consts === 0 ? rest : [...rest, String(consts)];
  return all.length === 1 ? (all[0] as string) : `(${all.join(" + ")})`;
}

/** `base * k + i` for array offsets, folded when the parts are constants. */
export function offset(base: string | number, k: number, i: string | number): string | number {
  if (typeof base === "number" && typeof i === "number") return base * k + i;
  const b = base === 0 ? "" : k === 1 ? `${base}` : `${base} * ${k}`;
  if (b === "") return i;
  if (i === 0) return `(${b})`;
  return `(${b} + ${i})`;
}

/** A Promela comparison of two expressions, folded when both are the same integer literal. */
export function eqExpr(a: string, b: string): string {
  if (a === b) return "1";
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return a === b ? "1" : "0";
  return `(${a} == ${b})`;
}

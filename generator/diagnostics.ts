// Spec errors as data: a stable code, a message, and where (file, JSON pointer, line and column,
// and for expressions the span inside the expression). Formatting is separate from finding.

export type DiagnosticCode =
  | "io"
  | "json-syntax"
  | "duplicate-key"
  | "schema"
  | "expr-syntax"
  | "reserved-name"
  | "duplicate-name"
  | "unknown-type"
  | "bad-type"
  | "unknown-name"
  | "unknown-phase"
  | "unknown-trigger"
  | "unknown-transition"
  | "unknown-effect"
  | "unknown-field"
  | "unknown-method"
  | "unknown-enum-value"
  | "unknown-guard"
  | "unused-guard"
  | "persistence-not-total"
  | "unknown-refusal-code"
  | "type-mismatch"
  | "ambiguous-name"
  | "binding-shadows-field"
  | "option-unproven"
  | "int-overflow"
  | "division-by-zero"
  | "bad-range"
  | "missing-init"
  | "effect-missing-field"
  | "effect-extra-field"
  | "terminal-exit"
  | "unhandled-trigger"
  | "query-only-handled"
  | "unused-type"
  | "bad-update"
  | "unknown-machine"
  | "unknown-instance"
  | "route-missing-binding"
  | "route-extra-binding"
  | "bad-profile"
  | "symmetry-order-dependent"
  | "policy-unknown-kind"
  | "policy-unknown-value"
  | "policy-unused-decision"
  | "policy-not-total"
  | "policy-duplicate-row"
  | "policy-overlapping-rows"
  | "policy-shadowed-row"
  | "policy-machine-mismatch";

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file: string;
  /** JSON pointer (RFC 6901) of the offending value; "" for the whole document. */
  readonly pointer: string;
  /** 1-based line and column in the file, when known. */
  readonly line?: number;
  readonly column?: number;
  /** For expression errors: the expression text and the span inside it. */
  readonly expr?: { readonly source: string; readonly start: number; readonly end: number };
  readonly hint?: string;
}

export class SpecErrors extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(`${diagnostics.length} spec error${diagnostics.length === 1 ? "" : "s"}`);
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file;
  const lines = [`${where} error[${d.code}]: ${d.message}`, `  at ${d.pointer === "" ? "/" : d.pointer}`];
  if (d.expr) {
    const width = Math.max(1, d.expr.end - d.expr.start);
    lines.push(`    ${d.expr.source}`);
    lines.push(`    ${" ".repeat(d.expr.start)}${"^".repeat(width)}`);
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join("\n");
}

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  const n = ds.length;
  return `${ds.map(formatDiagnostic).join("\n\n")}\n\n${n} error${n === 1 ? "" : "s"}`;
}

export function pointerOf(...parts: readonly (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

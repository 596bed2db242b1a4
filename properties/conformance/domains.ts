// The spec's type domains as a check on live machine states: every field of a runtime's machine
// state must hold a value of its declared type (ints are integers within their range, ids are
// non-empty-or-not strings, enums are declared values). The runtime must never let a caller's value
// outside a domain into the machine (fences, generations, runtime ids, op kinds).

import type { TypeDesc } from "../../kernel/index.js";

export interface Described {
  readonly phase: string;
}

export function domainProblems(fields: readonly { readonly name: string; readonly type: TypeDesc }[], phases: readonly string[], state: Described): string[] {
  const out: string[] = [];
  if (!phases.includes(state.phase)) out.push(`phase ${JSON.stringify(state.phase)} is not a phase of the spec`);
  const record = state as unknown as Readonly<Record<string, unknown>>;
  for (const f of fields) check(f.type, record[f.name], f.name, out);
  return out;
}

function check(t: TypeDesc, v: unknown, path: string, out: string[]): void {
  if (out.length >= 8) return;
  const bad = (): void => void out.push(`${path} = ${describe(v)} is outside its type ${show(t)}`);
  switch (t.kind) {
    case "bool":
      if (typeof v !== "boolean") bad();
      return;
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v) || v < t.min || v > t.max) bad();
      return;
    case "enum":
      if (typeof v !== "string" || !t.values.includes(v)) bad();
      return;
    case "id":
      if (typeof v !== "string") bad();
      return;
    case "option":
      if (v !== null) check(t.of, v, path, out);
      return;
    case "set":
      if (!(v instanceof Set)) return bad();
      for (const x of v) check(t.of, x, `${path}[]`, out);
      return;
    case "seq":
      if (!Array.isArray(v)) return bad();
      for (const [i, x] of v.entries()) check(t.of, x, `${path}[${i}]`, out);
      return;
    case "map":
      if (!(v instanceof Map)) return bad();
      for (const [k, x] of v) {
        check(t.key, k, `${path}.key`, out);
        check(t.value, x, `${path}[${describe(k)}]`, out);
      }
      return;
  }
}

function show(t: TypeDesc): string {
  switch (t.kind) {
    case "int":
      return `${t.name} ${t.min}..${t.max}`;
    case "enum":
    case "id":
      return t.name;
    case "option":
    case "set":
    case "seq":
      return `${t.kind}<${show(t.of)}>`;
    case "map":
      return `map<${show(t.key)}, ${show(t.value)}>`;
    default:
      return t.kind;
  }
}

function describe(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return typeof v;
  }
}

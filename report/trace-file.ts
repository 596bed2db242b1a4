// Reads a trace file written by `meerkat check` for the stepper, refusing anything else by name.

import { readFileSync } from "node:fs";
import type { Trace } from "../properties/explorer/index.js";
import { ReportInputError } from "./errors.js";

function problem(x: unknown): string | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "expected a JSON object";
  const t = x as Record<string, unknown>;
  for (const k of ["machine", "profile", "kind", "name", "message"]) if (typeof t[k] !== "string") return `/${k} must be a string`;
  if (t["subject"] !== "machine" && t["subject"] !== "composition") return '/subject must be "machine" or "composition"';
  if (typeof t["initial"] !== "object" || t["initial"] === null) return "/initial must be an object";
  if (!Array.isArray(t["steps"])) return "/steps must be an array";
  for (const [i, s] of (t["steps"] as unknown[]).entries()) {
    if (typeof s !== "object" || s === null) return `/steps/${i} must be an object`;
    const st = s as Record<string, unknown>;
    if (typeof st["trigger"] !== "string") return `/steps/${i}/trigger must be a string`;
    if (st["transition"] !== null && typeof st["transition"] !== "string") return `/steps/${i}/transition must be a string or null`;
  }
  return null;
}

/** The trace in `file` (shown as `shown`), checked to be one for `machine`. */
export function readTraceFile(file: string, shown: string, machine: string): Trace {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ReportInputError("bad-trace", shown, `cannot read a trace: ${(e as Error).message}`);
  }
  const p = problem(json);
  if (p !== null) throw new ReportInputError("bad-trace", shown, `not a trace written by meerkat check: ${p}`);
  const t = json as Trace;
  if (t.machine !== machine) throw new ReportInputError("trace-mismatch", shown, `the trace is of ${t.machine}, the report is of ${machine}`);
  return t;
}

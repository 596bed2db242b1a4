// JSON Schema validation of spec files (ajv, draft 2020-12), reported as located diagnostics.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { Diagnostic } from "./diagnostics.js";
import { locate, type SourceFile } from "./source.js";
import { SCHEMA_DIR } from "./toolchain.js";

export type SpecKind = "machine" | "composition" | "policy";

let validators: Record<SpecKind, ValidateFunction> | undefined;

function getValidators(): Record<SpecKind, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const machine = JSON.parse(readFileSync(join(SCHEMA_DIR, "machine.schema.json"), "utf8")) as object;
  const composition = JSON.parse(readFileSync(join(SCHEMA_DIR, "composition.schema.json"), "utf8")) as object;
  const policy = JSON.parse(readFileSync(join(SCHEMA_DIR, "policy.schema.json"), "utf8")) as object;
  ajv.addSchema(machine);
  validators = { machine: ajv.compile(machine), composition: ajv.compile(composition), policy: ajv.compile(policy) };
  return validators;
}

export function schemaDiagnostics(kind: SpecKind, source: SourceFile): Diagnostic[] {
  const validate = getValidators()[kind];
  if (validate(source.json)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "allOf");
  const dropped = new Set<ErrorObject>();
  for (const a of errors.filter((e) => e.keyword === "anyOf")) {
    for (const e of anyOfDetail(a, errors)) dropped.add(e);
  }
  const kept = errors.filter((e) => !dropped.has(e));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of kept) {
    const { pointer, message } = describe(e);
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(locate(source, "schema", message, pointer));
  }
  return out;
}

/**
 * An anyOf failure repeats every branch's complaint. When the value has the shape of one branch
 * (there are complaints about its contents, or exactly one branch objects to something other than
 * its type), keep those complaints, which say what is wrong; otherwise keep only the one-line
 * summary. Returns the errors to drop.
 */
function anyOfDetail(a: ErrorObject, errors: readonly ErrorObject[]): ErrorObject[] {
  const same = errors.filter((e) => e !== a && e.instancePath === a.instancePath);
  if (errors.some((e) => e.instancePath.startsWith(`${a.instancePath}/`))) return [a, ...same];
  const branches = new Map<string, ErrorObject[]>();
  for (const e of same) {
    if (!e.schemaPath.startsWith(`${a.schemaPath}/`)) continue;
    const branch = e.schemaPath.slice(a.schemaPath.length + 1).split("/")[0] ?? "";
    branches.set(branch, [...(branches.get(branch) ?? []), e]);
  }
  const fitting = [...branches.values()].filter((es) => !es.some((e) => e.keyword === "type" || e.keyword === "const" || e.keyword === "enum"));
  const keep = fitting.length === 1 ? (fitting[0] ?? []) : [];
  return [...(keep.length > 0 ? [a] : []), ...same.filter((e) => !keep.includes(e))];
}

function anyOfMessage(at: string): string {
  if (at.endsWith("/from")) return `must be an array of phase names or "any"`;
  if (/^\/rows\/\d+\/kinds$/.test(at)) return `must be "*" or an array of input kinds`;
  if (/^\/rows\/\d+\/modes$/.test(at)) return `must be "*" or an array of "none", "Queue" and "Steer"`;
  if (/^\/rows\/\d+\/(idle|running|any)$/.test(at)) return `must be a decision name or { "reject": "reason" }`;
  if (/^\/entry\/\d+$/.test(at)) return `must be "instance.Input" or { "input": "instance.Input", "when": "expression" }`;
  return "does not match any allowed form";
}

function describe(e: ErrorObject): { pointer: string; message: string } {
  const p = e.params as Record<string, unknown>;
  const at = e.instancePath;
  const child = (name: unknown): string => `${at}/${String(name).replace(/~/g, "~0").replace(/\//g, "~1")}`;
  switch (e.keyword) {
    case "required":
      return { pointer: at, message: `missing required property "${String(p["missingProperty"])}"` };
    case "additionalProperties":
      return { pointer: child(p["additionalProperty"]), message: `unknown property "${String(p["additionalProperty"])}"` };
    case "propertyNames":
      return { pointer: child(p["propertyName"]), message: `"${String(p["propertyName"])}" is not a valid name here` };
    case "pattern": {
      const upper = String(p["pattern"]).startsWith("^[A-Z]");
      const dotted = String(p["pattern"]).includes("\\.");
      const lower = String(p["pattern"]).startsWith("^[a-z]");
      const what = dotted ? "instance.Name" : upper ? "an UpperCamelCase name" : lower ? "a lower snake_case name (a-z, 0-9, _)" : "a name (letters, digits, _; not starting with __)";
      return { pointer: at, message: `must be ${what}` };
    }
    case "anyOf":
      return { pointer: at, message: anyOfMessage(at) };
    case "enum":
      return { pointer: at, message: `must be one of ${(p["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { pointer: at, message: `must be ${JSON.stringify(p["allowedValue"])}` };
    case "type":
      return { pointer: at, message: `must be ${String(p["type"])}` };
    case "minItems":
      return { pointer: at, message: p["limit"] === 1 ? "must not be empty" : `must have at least ${String(p["limit"])} items` };
    default:
      return { pointer: at, message: e.message ?? e.keyword };
  }
}

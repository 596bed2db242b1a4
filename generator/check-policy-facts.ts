// Semantic validation of the admission facts a policy spec declares beyond its table (drives-the-
// loop, boundary, execution kind, apply intent, default handling mode, rejections, overrides) and
// of its `inputs` block (the input shapes): every name they use is declared, every map is total,
// every `$ref` resolves, and the assembled input schema compiles.

import { Ajv2020 } from "ajv/dist/2020.js";
import { pointerOf } from "./diagnostics.js";
import type { Reporter } from "./check-common.js";
import { BUILT_IN_INPUT_TYPES, inputSchemaOf } from "./input-schema.js";
import type { NamedValue, OverrideSet, PolicyEnumColumn, PolicyFactsModel, PolicyInputsModel, PolicyRejectionModel, SchemaJson } from "./model.js";

type PerKindJson = { description?: string; values: Record<string, string>; default: string; byKind?: Record<string, string> };

/** The spec's admission facts once they passed the JSON Schema. */
export interface PolicyFactsJson {
  drivesLoop: { description?: string; wakeModes: string[]; drainPolicies: string[]; judgedAs: "idle" | "own" };
  boundary: { description?: string; values: Record<string, string>; byApply: Record<string, string> };
  executionKind: PerKindJson;
  applyIntent: PerKindJson;
  defaultHandlingMode: { description?: string; byKind: Record<string, "Queue" | "Steer"> };
  rejections: PolicyRejectionModel[];
  policyRejection: { description?: string; code: string; byKind?: Record<string, string> };
  overrides: {
    silentIntent: { description?: string; kinds: string[]; field: string; set: OverrideSet };
    withoutWake: { description?: string; set: OverrideSet };
  };
}

export interface PolicyInputsJson {
  description?: string;
  schemaId: string;
  header: string;
  types: Record<string, SchemaJson>;
  kinds: Record<string, { required?: string[]; properties: Record<string, SchemaJson> }>;
}

/** What the fact checks look values up in. */
export interface FactContext {
  readonly kinds: readonly string[];
  readonly valuesOf: (c: PolicyEnumColumn) => string[];
  /** The machine's admission class values (undefined when the machine could not be checked). */
  readonly classValues: readonly string[] | undefined;
  readonly inputs: PolicyInputsJson;
}

const named = (values: Record<string, string>): NamedValue[] => Object.entries(values).map(([name, description]) => ({ name, description }));

/** Checks the admission facts; returns their model, or undefined after reporting errors. */
export function checkPolicyFacts(r: Reporter, facts: PolicyFactsJson, ctx: FactContext): PolicyFactsModel | undefined {
  const before = r.diagnostics.length;
  const at = (...p: (string | number)[]) => pointerOf("admission", ...p);
  const kind = (k: string, pointer: string) => {
    if (!ctx.kinds.includes(k)) r.error("policy-unknown-kind", `unknown input kind "${k}"`, pointer, `declared kinds: ${ctx.kinds.join(", ")}`);
  };
  const value = (what: string, declared: readonly string[], v: string, pointer: string) => {
    if (!declared.includes(v)) r.error("policy-unknown-value", `"${v}" is not a value of ${what}`, pointer, `declared values: ${declared.join(", ")}`);
  };
  /** A field every listed kind must declare in `inputs`. */
  const field = (kinds: readonly string[], name: string, pointer: string) => {
    for (const k of kinds) {
      const props = ctx.inputs.kinds[k]?.properties;
      if (props !== undefined && props[name] === undefined) r.error("unknown-field", `input kind "${k}" has no field "${name}"`, pointer, `its fields: ${Object.keys(props).join(", ") || "none"}`);
    }
  };

  facts.drivesLoop.wakeModes.forEach((v, i) => value("column wakeMode", ctx.valuesOf("wakeMode"), v, at("drivesLoop", "wakeModes", i)));
  facts.drivesLoop.drainPolicies.forEach((v, i) => value("column drainPolicy", ctx.valuesOf("drainPolicy"), v, at("drivesLoop", "drainPolicies", i)));

  const boundaries = Object.keys(facts.boundary.values);
  const applyModes = ctx.valuesOf("applyMode");
  for (const [apply, b] of Object.entries(facts.boundary.byApply)) {
    value("column applyMode", applyModes, apply, at("boundary", "byApply", apply));
    value("boundary.values", boundaries, b, at("boundary", "byApply", apply));
  }
  const absent = applyModes.filter((v) => facts.boundary.byApply[v] === undefined);
  if (absent.length > 0) r.error("policy-not-total", `${absent.map((v) => `applyMode ${v}`).join(", ")} ${absent.length === 1 ? "has" : "have"} no boundary`, at("boundary", "byApply"));

  for (const name of ["executionKind", "applyIntent"] as const) {
    const f = facts[name];
    const values = Object.keys(f.values);
    value(`${name}.values`, values, f.default, at(name, "default"));
    for (const [k, v] of Object.entries(f.byKind ?? {})) {
      kind(k, at(name, "byKind", k));
      value(`${name}.values`, values, v, at(name, "byKind", k));
    }
  }
  for (const k of Object.keys(facts.defaultHandlingMode.byKind)) kind(k, at("defaultHandlingMode", "byKind", k));

  const rejectionNames = new Map<string, number>();
  facts.rejections.forEach((rej, i) => {
    const prev = rejectionNames.get(rej.name);
    if (prev !== undefined) r.error("duplicate-name", `rejection name "${rej.name}" is also used by rejection ${prev}`, at("rejections", i, "name"));
    else rejectionNames.set(rej.name, i);
    rej.kinds?.forEach((k, j) => kind(k, at("rejections", i, "kinds", j)));
    if (rej.blank !== undefined) {
      if (rej.kinds === undefined) r.error("schema", `a "blank" condition needs the "kinds" whose field it tests`, at("rejections", i, "blank"));
      else field(rej.kinds.filter((k) => ctx.kinds.includes(k)), rej.blank, at("rejections", i, "blank"));
    }
  });
  for (const k of Object.keys(facts.policyRejection.byKind ?? {})) kind(k, at("policyRejection", "byKind", k));

  const silent = facts.overrides.silentIntent;
  silent.kinds.forEach((k, i) => kind(k, at("overrides", "silentIntent", "kinds", i)));
  field(silent.kinds.filter((k) => ctx.kinds.includes(k)), silent.field, at("overrides", "silentIntent", "field"));
  for (const [name, o] of [["silentIntent", silent.set], ["withoutWake", facts.overrides.withoutWake.set]] as const) {
    if (o.applyMode !== undefined) value("column applyMode", applyModes, o.applyMode, at("overrides", name, "set", "applyMode"));
    if (o.wakeMode !== undefined) value("column wakeMode", ctx.valuesOf("wakeMode"), o.wakeMode, at("overrides", name, "set", "wakeMode"));
    if (o.admission !== undefined && ctx.classValues !== undefined && !ctx.classValues.includes(o.admission)) {
      r.error("policy-machine-mismatch", `"${o.admission}" is not an admission class of the machine (${ctx.classValues.join(", ")})`, at("overrides", name, "set", "admission"));
    }
  }
  if (r.diagnostics.length > before) return undefined;

  const perKind = (f: PerKindJson) => ({ ...(f.description !== undefined ? { description: f.description } : {}), values: named(f.values), default: f.default, byKind: f.byKind ?? {} });
  return {
    drivesLoop: facts.drivesLoop,
    boundary: { ...(facts.boundary.description !== undefined ? { description: facts.boundary.description } : {}), values: named(facts.boundary.values), byApply: facts.boundary.byApply },
    executionKind: perKind(facts.executionKind),
    applyIntent: perKind(facts.applyIntent),
    defaultHandlingMode: facts.defaultHandlingMode,
    rejections: facts.rejections,
    policyRejection: { ...facts.policyRejection, byKind: facts.policyRejection.byKind ?? {} },
    overrides: facts.overrides,
  };
}

/** JSON Schema keywords an `inputs` fragment may use: the ones the TypeScript emitter understands. */
const KEYWORDS = new Set(["description", "type", "enum", "const", "$ref", "oneOf", "properties", "required", "additionalProperties", "minLength", "maxLength", "minimum", "maximum", "discriminator", "items"]);
const TYPES = new Set(["null", "boolean", "number", "integer", "string", "array", "object"]);
const RESERVED_FIELDS = new Set(["kind", "header"]);

const isObject = (v: unknown): v is SchemaJson => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the `inputs` block against the declared kinds; returns its model, or undefined after errors. */
export function checkPolicyInputs(r: Reporter, inputs: PolicyInputsJson, kinds: readonly { readonly name: string; readonly description: string }[]): PolicyInputsModel | undefined {
  const before = r.diagnostics.length;
  const names = kinds.map((k) => k.name);
  const typeNames = new Set([...Object.keys(BUILT_IN_INPUT_TYPES), ...Object.keys(inputs.types)]);
  for (const t of Object.keys(inputs.types)) {
    if (BUILT_IN_INPUT_TYPES[t] !== undefined) r.error("reserved-name", `"${t}" is supplied by the generator; do not declare it`, pointerOf("inputs", "types", t));
  }
  if (inputs.types[inputs.header] === undefined) r.error("unknown-type", `the header type "${inputs.header}" is not declared in inputs.types`, pointerOf("inputs", "header"), `types: ${Object.keys(inputs.types).join(", ")}`);

  const walk = (s: SchemaJson, pointer: string): void => {
    for (const [key, v] of Object.entries(s)) {
      const here = `${pointer}${pointerOf(key)}`;
      if (!KEYWORDS.has(key)) {
        r.error("schema", `JSON Schema keyword "${key}" is not supported in inputs`, here, `supported: ${[...KEYWORDS].join(", ")}`);
        continue;
      }
      if (key === "$ref") {
        const m = typeof v === "string" ? /^#\/\$defs\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(v) : null;
        if (m === null || !typeNames.has(m[1] as string)) r.error("unknown-type", `$ref ${JSON.stringify(v)} names no type`, here, `write "#/$defs/<type>" with one of: ${[...typeNames].join(", ")}`);
      } else if (key === "type") {
        for (const t of Array.isArray(v) ? v : [v]) if (typeof t !== "string" || !TYPES.has(t)) r.error("schema", `unknown JSON Schema type ${JSON.stringify(t)}`, here);
      } else if (key === "properties" && isObject(v)) {
        for (const [p, sub] of Object.entries(v)) if (isObject(sub)) walk(sub, `${here}${pointerOf(p)}`);
      } else if ((key === "oneOf" && Array.isArray(v)) || key === "items") {
        (Array.isArray(v) ? v : [v]).forEach((sub, i) => isObject(sub) && walk(sub, Array.isArray(v) ? `${here}/${i}` : here));
      } else if (key === "required" && Array.isArray(v)) {
        const props = isObject(s["properties"]) ? s["properties"] : {};
        v.forEach((f, i) => {
          if (typeof f === "string" && props[f] === undefined) r.error("unknown-field", `required field "${f}" is not among the properties`, `${here}/${i}`);
        });
      }
    }
  };
  for (const [t, s] of Object.entries(inputs.types)) walk(s, pointerOf("inputs", "types", t));

  for (const [k, own] of Object.entries(inputs.kinds)) {
    const at = (...p: (string | number)[]) => pointerOf("inputs", "kinds", k, ...p);
    if (!names.includes(k)) {
      r.error("policy-unknown-kind", `inputs describe an undeclared kind "${k}"`, at(), `declared kinds: ${names.join(", ")}`);
      continue;
    }
    for (const [f, s] of Object.entries(own.properties)) {
      if (RESERVED_FIELDS.has(f)) r.error("reserved-name", `"${f}" is set by the generator on every input kind`, at("properties", f));
      else walk(s, at("properties", f));
    }
    (own.required ?? []).forEach((f, i) => {
      if (own.properties[f] === undefined) r.error("unknown-field", `required field "${f}" is not among the properties of "${k}"`, at("required", i));
    });
  }
  const missing = names.filter((k) => inputs.kinds[k] === undefined);
  if (missing.length > 0) r.error("policy-not-total", `no shape for input kind${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`, pointerOf("inputs", "kinds"), "describe every kind of `kinds`");
  if (r.diagnostics.length > before) return undefined;

  try {
    new Ajv2020({ strict: true, discriminator: true, allowUnionTypes: true }).compile(inputSchemaOf(inputs, kinds));
  } catch (e) {
    r.error("schema", `the assembled input schema does not compile: ${e instanceof Error ? e.message : String(e)}`, pointerOf("inputs"));
    return undefined;
  }
  const kindModels: PolicyInputsModel["kinds"] = Object.fromEntries(Object.entries(inputs.kinds).map(([k, own]) => [k, { required: own.required ?? [], properties: own.properties }]));
  return {
    ...(inputs.description !== undefined ? { description: inputs.description } : {}),
    schemaId: inputs.schemaId,
    header: inputs.header,
    types: inputs.types,
    kinds: kindModels,
  };
}

// Emits the input types and the input JSON Schema from a policy's `inputs` block: one type per
// named fragment, one `<Kind>Input` per input kind, the `Input` union, and INPUT_SCHEMA (the schema
// the runtime validates with and the HTTP server publishes). Both come from the same spec block,
// so the type and the schema cannot drift apart.

import { dataDoc, render, stringDoc } from "./layout.js";
import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { inputSchemaOf } from "../input-schema.js";
import type { PolicyModel, SchemaJson } from "../model.js";
import { wrap } from "./policy-facts.js";

const isObject = (v: unknown): v is SchemaJson => typeof v === "object" && v !== null && !Array.isArray(v);
const literal = (v: unknown) => JSON.stringify(v);

/** `peer_response_progress` → `PeerResponseProgressInput`. */
export function inputTypeName(kind: string): string {
  return `${kind
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}Input`;
}

/** A doc comment line, when the fragment has a description. */
function doc(s: SchemaJson): string {
  if (typeof s["description"] !== "string") return "";
  const text = wrap(s["description"], 100);
  return text.includes("\n") ? `/**\n${text.split("\n").map((l) => ` * ${l}`).join("\n")}\n */\n` : `/** ${text} */\n`;
}

/** The TypeScript type of a checked schema fragment (the subset check-policy-facts.ts accepts). */
function typeOf(s: SchemaJson): string {
  const ref = s["$ref"];
  if (typeof ref === "string") return ref.slice("#/$defs/".length);
  if ("const" in s) return literal(s["const"]);
  const oneOf = s["oneOf"];
  if (Array.isArray(oneOf)) return oneOf.filter(isObject).map(typeOf).join(" | ");
  const en = s["enum"];
  if (Array.isArray(en)) return en.map(literal).join(" | ");
  const type = s["type"];
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => primitive(String(t), s)).join(" | ");
}

function primitive(t: string, s: SchemaJson): string {
  switch (t) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return isObject(s["items"]) ? `readonly (${typeOf(s["items"])})[]` : "readonly JsonValue[]";
    default:
      return isObject(s["properties"]) ? objectType(s["properties"], Array.isArray(s["required"]) ? (s["required"] as string[]) : []) : "{ readonly [key: string]: JsonValue }";
  }
}

function objectType(props: SchemaJson, required: readonly string[], lead: readonly string[] = []): string {
  const lines = Object.entries(props)
    .filter((e): e is [string, SchemaJson] => isObject(e[1]))
    .map(([name, sub]) => `${doc(sub)}readonly ${name}${required.includes(name) ? "" : "?"}: ${typeOf(sub)};`);
  return `{\n${[...lead, ...lines].join("\n")}\n}`;
}

/** JSON on as few lines as reads well: a value goes on one line when that line stays short. */
export function compactJson(v: unknown, indent = 0, width = 100): string {
  const flat = JSON.stringify(v);
  // A long string (a description) breaks into `"..." +` pieces: this is TypeScript, not a JSON file.
  if (typeof v === "string") return render(stringDoc(v), 2 * indent + 2, 2 * indent + 40);
  if (flat.length + indent <= width || (typeof v !== "object" || v === null)) return flat;
  const pad = "  ".repeat(indent + 1);
  const close = "  ".repeat(indent);
  if (Array.isArray(v)) return `[\n${v.map((x) => pad + compactJson(x, indent + 1, width)).join(",\n")}\n${close}]`;
  const entries = Object.entries(v as SchemaJson).map(([k, x]) => `${pad}${JSON.stringify(k)}: ${compactJson(x, indent + 1, width)}`);
  return `{\n${entries.join(",\n")}\n${close}}`;
}

export function inputStatements(p: PolicyModel): StatementStructures[] {
  const inputs = p.inputs;
  const body: StatementStructures[] = [];
  const alias = (name: string, type: string, docs: string) => body.push({ kind: StructureKind.TypeAlias, isExported: true, name, type, docs: [wrap(docs)] });
  alias("JsonValue", "null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }", "Any JSON value.");
  for (const [name, s] of Object.entries(inputs.types)) alias(name, typeOf(s), typeof s["description"] === "string" ? s["description"] : `Input type ${name}.`);
  for (const k of p.kinds) {
    const own = inputs.kinds[k.name];
    if (own === undefined) continue;
    const lead = [`readonly kind: ${literal(k.name)};`, `readonly header: ${inputs.header};`];
    alias(inputTypeName(k.name), objectType(own.properties, own.required, lead), `An input of kind \`${k.name}\`: ${k.description}`);
  }
  alias("Input", `\n${p.kinds.map((k) => `| ${inputTypeName(k.name)}`).join("\n")}`, "Every input a session admits: a union on `kind`, the policy key.");
  const schema = inputSchemaOf(inputs, p.kinds);
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [`The input JSON Schema (draft 2020-12, \`${inputs.schemaId}\`): what admission validates, and the HTTP input body.`],
    declarations: [{ name: "INPUT_SCHEMA", type: "{ readonly [key: string]: unknown }", initializer: render(dataDoc(schema), 0, 70) }],
  });
  return body;
}

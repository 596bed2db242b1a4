// The input JSON Schema (draft 2020-12) assembled from a policy spec's `inputs` block: one object
// schema per kind (its own properties plus `kind` and `header`), discriminated on `kind`. The
// checker compiles it and the emitter writes it into the generated module as INPUT_SCHEMA, so the
// runtime, the HTTP server and the docs share one schema and the Input type comes from the same block.

import type { SchemaJson } from "./model.js";

/** Types every `inputs` block may refer to without declaring them; the generator supplies them. */
export const BUILT_IN_INPUT_TYPES: Readonly<Record<string, SchemaJson>> = {
  HandlingMode: { description: "Queue or Steer: an explicit handling mode.", enum: ["Queue", "Steer"] },
  JsonValue: { description: "Any JSON value.", type: ["null", "boolean", "number", "string", "array", "object"] },
};

/** What the assembly needs from the spec (the checked model, or the raw block before it). */
export interface InputSchemaSource {
  readonly schemaId: string;
  readonly description?: string;
  readonly header: string;
  readonly types: Readonly<Record<string, SchemaJson>>;
  readonly kinds: Readonly<Record<string, { readonly required?: readonly string[]; readonly properties: Readonly<Record<string, SchemaJson>> }>>;
}

/** The whole input schema; `kinds` (name, description) gives the kind order and descriptions. */
export function inputSchemaOf(inputs: InputSchemaSource, kinds: readonly { readonly name: string; readonly description: string }[]): SchemaJson {
  const defs: Record<string, SchemaJson> = { ...BUILT_IN_INPUT_TYPES, ...inputs.types };
  for (const k of kinds) {
    const own = inputs.kinds[k.name];
    if (own === undefined) continue;
    defs[k.name] = {
      description: k.description,
      type: "object",
      required: ["kind", "header", ...(own.required ?? [])],
      additionalProperties: false,
      properties: { kind: { const: k.name }, header: { $ref: `#/$defs/${inputs.header}` }, ...own.properties },
    };
  }
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: inputs.schemaId,
    title: "Runtime input",
    ...(inputs.description !== undefined ? { description: inputs.description } : {}),
    type: "object",
    required: ["kind", "header"],
    properties: { kind: { enum: kinds.map((k) => k.name) }, header: { type: "object" } },
    discriminator: { propertyName: "kind" },
    oneOf: kinds.map((k) => ({ $ref: `#/$defs/${k.name}` })),
    $defs: defs,
  };
}

// /openapi.json, generated from the route table and its JSON Schemas (OpenAPI 3.1 uses JSON Schema
// 2020-12, so the runtime's input schema is embedded as it is).

import type { RouteSpec } from "./routes.js";
import * as S from "./schemas.js";

const COMPONENTS: ReadonlyMap<S.JsonSchema, string> = new Map([
  [S.INPUT_SCHEMA, "Input"],
  [S.PROBLEM, "Problem"],
  [S.SNAPSHOT, "SessionSnapshot"],
  [S.COMPLETION, "Completion"],
  [S.BINDINGS, "Bindings"],
  [S.ACCEPTED, "AcceptResult"],
]);

function ref(schema: S.JsonSchema): S.JsonSchema {
  const name = COMPONENTS.get(schema);
  return name === undefined ? schema : { $ref: `#/components/schemas/${name}` };
}

function parameters(where: "path" | "query" | "header", schema: S.JsonSchema | undefined): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const required = new Set((schema["required"] as string[] | undefined) ?? []);
  const props = (schema["properties"] as Record<string, S.JsonSchema> | undefined) ?? {};
  return Object.entries(props).map(([name, s]) => ({ name: where === "header" ? name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()) : name, in: where, required: where === "path" || required.has(name), schema: s }));
}

export function openApiDocument(routes: readonly RouteSpec[], info: { readonly version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z]+)/g, "{$1}");
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = { description: spec.description, ...(spec.schema === undefined ? {} : { content: { [spec.contentType ?? "application/json"]: { schema: ref(spec.schema) } } }) };
    }
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters("path", r.params), ...parameters("query", r.query), ...parameters("header", r.headers)],
      responses,
    };
    if (r.body !== undefined) operation["requestBody"] = { required: r.bodyOptional !== true, content: { "application/json": { schema: ref(r.body) } } };
    if (r.public === true) operation["security"] = [];
    (paths[path] ??= {})[r.method.toLowerCase()] = operation;
  }
  const schemas: Record<string, S.JsonSchema> = {};
  for (const [schema, name] of COMPONENTS) schemas[name] = schema;
  return {
    openapi: "3.1.0",
    info: { title: "meerkat control plane", version: info.version, description: "Sessions, inputs, control operations, snapshots and a live event stream over the model-checked runtime. Errors are RFC 9457 problem documents with the runtime's error `code`." },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }],
    paths,
    components: { schemas, securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "The token in the server's MEERKAT_TOKEN environment variable (unless started with --no-auth)" } } },
  };
}

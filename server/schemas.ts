// The JSON Schemas of the HTTP surface: request parts the server validates, and the responses the
// OpenAPI document describes. Input bodies use the runtime's own schema, unchanged.

import { INPUT_SCHEMA as GENERATED_INPUT_SCHEMA } from "../runtime/input.js";

export type JsonSchema = Readonly<Record<string, unknown>>;

/** The generated input schema (spec/default.policy.json `inputs`): what `acceptInput` validates, the same object. */
export const INPUT_SCHEMA: JsonSchema = GENERATED_INPUT_SCHEMA;
export const INPUT_SCHEMA_ID = INPUT_SCHEMA["$id"] as string;

const id: JsonSchema = { type: "string", minLength: 1, maxLength: 512 };
const fence: JsonSchema = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

export const SESSION_PARAMS: JsonSchema = { type: "object", required: ["sessionId"], additionalProperties: false, properties: { sessionId: id } };
export const INPUT_PARAMS: JsonSchema = { type: "object", required: ["sessionId", "inputId"], additionalProperties: false, properties: { sessionId: id, inputId: id } };

export const CREATE_SESSION_BODY: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: { sessionId: id, bind: { type: "boolean", default: true, description: "Bind a local loop at once (default true): the session runs its inputs." } },
};
export const BINDING_BODY: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "Empty: a local binding (runtime id rt:session:<id>). Otherwise a fenced binding.",
  properties: { runtimeId: id, fence, generation: fence },
  dependentRequired: { runtimeId: ["fence", "generation"], fence: ["runtimeId", "generation"], generation: ["runtimeId", "fence"] },
};
export const RUN_BODY: JsonSchema = { type: "object", additionalProperties: false, properties: { runId: id } };
export const FENCE_BODY: JsonSchema = { type: "object", additionalProperties: false, properties: { fence } };
export const INTENTS_BODY: JsonSchema = { type: "object", required: ["intents"], additionalProperties: false, properties: { intents: { type: "array", items: id, maxItems: 256 } } };
export const INGEST_BODY: JsonSchema = { type: "object", required: ["runtimeId", "workId"], additionalProperties: false, properties: { runtimeId: id, workId: id } };
export const EMPTY_BODY: JsonSchema = { type: "object", additionalProperties: false, properties: {} };

export const COMPLETION_QUERY: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: { waitMs: { type: "integer", minimum: 0, maximum: 120_000, default: 30_000, description: "How long to hold the request open for the outcome." } },
};
export const OPS_QUERY: JsonSchema = { type: "object", additionalProperties: false, properties: { after: { type: "integer", minimum: 0, default: 0 } } };
export const IDEMPOTENCY_HEADERS: JsonSchema = { type: "object", properties: { "idempotency-key": id } };

// ── responses (documented in /openapi.json) ──────────────────────────────────────────────────

const nullableString: JsonSchema = { type: ["string", "null"] };
export const SNAPSHOT: JsonSchema = {
  type: "object",
  description: "runtime SessionSnapshot: read from the session machine",
  required: ["sessionId", "phase", "visiblePhase", "registered", "binding", "currentRun", "inputs", "lanes", "waiters"],
  properties: {
    sessionId: { type: "string" },
    phase: { type: "string" },
    visiblePhase: { type: "string" },
    registered: { type: "boolean" },
    binding: { type: "object", properties: { runtimeId: nullableString, fence: { type: ["integer", "null"] }, highestFence: { type: ["integer", "null"] }, generation: { type: "integer" } } },
    currentRun: nullableString,
    stopRequested: { type: "boolean" },
    inputs: { type: "array", items: { type: "object", properties: { id: { type: "string" }, phase: { type: "string" }, lane: nullableString, attempts: { type: "integer" }, abandonReason: nullableString, replacedBy: nullableString } } },
    lanes: { type: "object", properties: { queue: { type: "array", items: { type: "string" } }, steer: { type: "array", items: { type: "string" } }, staged: { type: "array", items: { type: "string" } } } },
    waiters: { type: "integer" },
  },
};
export const BINDINGS: JsonSchema = { type: "object", required: ["sessionId", "epochId", "runtimeId", "fence", "generation"], properties: { sessionId: { type: "string" }, epochId: { type: "string" }, runtimeId: { type: "string" }, fence: { type: "integer" }, generation: { type: "integer" } } };
export const ACCEPTED: JsonSchema = {
  type: "object",
  required: ["outcome", "inputId"],
  properties: {
    outcome: { enum: ["Accepted", "Deduplicated"] },
    inputId: { type: "string" },
    existingId: { type: "string", description: "Deduplicated: the input that owns the idempotency key" },
    decision: { type: "object", description: "Accepted: the policy decision (lane, wake mode, ...)" },
    completion: { type: "string", description: "The long-poll URL of the outcome" },
  },
};
export const COMPLETION_OUTCOME: JsonSchema = {
  type: "object",
  required: ["kind"],
  properties: { kind: { enum: ["Completed", "CompletedWithoutResult", "CallbackPending", "Cancelled", "Superseded", "Coalesced", "Abandoned", "RuntimeTerminated"] }, result: {}, reason: { type: "string" }, by: { type: "string" }, into: { type: "string" } },
};
export const COMPLETION: JsonSchema = {
  type: "object",
  required: ["inputId", "done"],
  properties: {
    inputId: { type: "string" },
    done: { type: "boolean" },
    phase: nullableString,
    outcome: { oneOf: [COMPLETION_OUTCOME, { type: "null", description: "Terminal, but the outcome was produced before this server process started (results are not stored)." }] },
  },
};
export const INPUT_STATUS: JsonSchema = {
  type: "object",
  required: ["inputId", "phase", "live"],
  properties: { inputId: { type: "string" }, phase: { type: "string" }, live: { type: "boolean" }, lane: nullableString, attempts: { type: "integer" }, terminal: { type: ["object", "null"] } },
};
export const RUN_RESULT: JsonSchema = { type: "object", required: ["runId"], properties: { runId: { type: "string" } } };
export const OK_SNAPSHOT: JsonSchema = { type: "object", required: ["snapshot"], properties: { snapshot: SNAPSHOT } };
export const SESSION_LIST: JsonSchema = { type: "object", required: ["sessions"], properties: { sessions: { type: "array", items: { type: "string" } } } };
export const OPS_FEED: JsonSchema = { type: "object", required: ["completions"], properties: { completions: { type: "array", items: { type: "object" } } } };
export const PROBLEM: JsonSchema = {
  type: "object",
  description: "RFC 9457 problem document; `code` is the runtime's (or the HTTP layer's) stable error code",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    code: { type: "string" },
    sessionId: { type: "string" },
    inputId: { type: "string" },
    problems: { type: "array", items: { type: "object", properties: { in: { type: "string" }, pointer: { type: "string" }, message: { type: "string" } } } },
  },
};

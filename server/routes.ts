// The routes of the HTTP surface as data: Fastify registers them and /openapi.json is generated
// from the same table (paths, parameters, request schemas, responses).

import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AcceptResult, ControlPlane, Input, RuntimeStore, SessionBindings } from "../runtime/index.js";
import { outcomeOfTerminal, type CompletionTracker } from "./completions.js";
import type { EventHub } from "./event-hub.js";
import { HttpProblem } from "./problems.js";
import * as S from "./schemas.js";
import { streamEvents, type SseOptions } from "./sse.js";
import { waitForInput } from "./wait.js";

export interface RouteContext {
  readonly runtime: ControlPlane;
  readonly store: RuntimeStore | null;
  readonly tracker: CompletionTracker;
  readonly hub: EventHub;
  readonly sse: SseOptions;
  readonly openStreams: Set<() => void>;
  readonly longPollMaxMs: number;
}

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: S.JsonSchema;
  readonly contentType?: string;
}

export interface RouteSpec {
  readonly method: "GET" | "POST";
  /** Fastify syntax (`:param`). */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly params?: S.JsonSchema;
  readonly body?: S.JsonSchema;
  /** An absent body is read as `{}` (control operations without arguments). */
  readonly bodyOptional?: boolean;
  readonly query?: S.JsonSchema;
  readonly headers?: S.JsonSchema;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Served without the bearer token (health, the OpenAPI document). */
  readonly public?: boolean;
  readonly handler: (request: FastifyRequest, reply: FastifyReply, ctx: RouteContext) => Promise<unknown>;
}

type Params = { readonly sessionId: string; readonly inputId?: string };
const params = (r: FastifyRequest): Params => r.params as Params;
const body = <T>(r: FastifyRequest): T => r.body as T;
const ok = (description: string, schema?: S.JsonSchema): ResponseSpec => (schema === undefined ? { description } : { description, schema });
const problem = (description: string): ResponseSpec => ({ description, schema: S.PROBLEM, contentType: "application/problem+json" });
const ERRORS = { 400: problem("Invalid argument or malformed body"), 401: problem("Missing or wrong bearer token"), 404: problem("No such session"), 409: problem("Refused in the session's phase") };

function bindingsView(b: SessionBindings): Record<string, unknown> {
  return { sessionId: b.sessionId, epochId: b.epochId, runtimeId: b.runtimeId, fence: b.fence, generation: b.generation };
}

/** A control operation: POST /sessions/:sessionId/<name>; answers with the fields `run` returns and the snapshot. */
function control(name: string, summary: string, bodySchema: S.JsonSchema, run: (rt: ControlPlane, sessionId: string, body: Record<string, unknown>) => Promise<Record<string, unknown> | void>, extra: S.JsonSchema = {}): RouteSpec {
  return {
    method: "POST",
    url: `/sessions/:sessionId/${name}`,
    operationId: name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
    summary,
    tag: "control",
    params: S.SESSION_PARAMS,
    body: bodySchema,
    bodyOptional: true,
    responses: { 200: ok("Done; the session's snapshot after the operation", { ...S.OK_SNAPSHOT, properties: { ...(S.OK_SNAPSHOT["properties"] as object), ...extra } }), ...ERRORS },
    handler: async (request, _reply, ctx) => {
      const { sessionId } = params(request);
      const fields = (await run(ctx.runtime, sessionId, body<Record<string, unknown>>(request))) ?? {};
      return { ...fields, snapshot: ctx.runtime.snapshot(sessionId) };
    },
  };
}

const fenceOf = (b: Record<string, unknown>): { fence?: number } => (typeof b["fence"] === "number" ? { fence: b["fence"] } : {});
const runOf = (b: Record<string, unknown>): string | undefined => (typeof b["runId"] === "string" ? b["runId"] : undefined);

async function acceptInput(request: FastifyRequest, reply: FastifyReply, ctx: RouteContext): Promise<unknown> {
  const { sessionId } = params(request);
  let input = body<Input>(request);
  const key = request.headers["idempotency-key"];
  if (typeof key === "string") {
    const inBody = input.header.idempotencyKey;
    if (inBody !== undefined && inBody !== key) throw new HttpProblem("IdempotencyKeyConflict", 422, "the Idempotency-Key header and header.idempotencyKey of the body differ", { sessionId, inputId: input.header.id });
    input = { ...input, header: { ...input.header, idempotencyKey: key } } as Input;
  }
  const r: AcceptResult = await ctx.runtime.acceptInputWithCompletion(sessionId, input);
  const completionUrl = (id: string): string => `/sessions/${encodeURIComponent(sessionId)}/inputs/${encodeURIComponent(id)}/completion`;
  switch (r.outcome) {
    case "Accepted":
      if (r.completion !== undefined) ctx.tracker.track(sessionId, r.inputId, r.completion);
      reply.code(202).header("location", completionUrl(r.inputId));
      return { outcome: r.outcome, inputId: r.inputId, decision: r.decision, completion: completionUrl(r.inputId) };
    case "Deduplicated":
      if (r.completion !== undefined) ctx.tracker.track(sessionId, r.existingId, r.completion);
      reply.code(200).header("location", completionUrl(r.existingId));
      return { outcome: r.outcome, inputId: r.inputId, existingId: r.existingId, completion: completionUrl(r.existingId) };
    case "Rejected":
      return reply
        .code(422)
        .type("application/problem+json")
        .send({ type: "https://meerkat.local/problems/InputRejected", title: "Input rejected", status: 422, detail: `${r.reason.code}: ${r.reason.detail}`, code: "InputRejected", reason: r.reason, sessionId, inputId: r.inputId, instance: request.url });
  }
}

async function inputStatus(request: FastifyRequest, _reply: FastifyReply, ctx: RouteContext): Promise<unknown> {
  const { sessionId, inputId } = params(request) as Required<Params>;
  const live = ctx.runtime.snapshot(sessionId).inputs.find((i) => i.id === inputId);
  if (live !== undefined) return { inputId, phase: live.phase, live: true, lane: live.lane, attempts: live.attempts, terminal: null };
  const row = ctx.store === null ? undefined : (await ctx.store.loadInputStates(sessionId)).find((r) => r.inputId === inputId);
  if (row === undefined) throw new HttpProblem("InputNotFound", 404, "the session holds no input with this id (ephemeral inputs and inputs of a server without a store are forgotten once terminal)", { sessionId, inputId });
  return { inputId, phase: row.phase, live: false, lane: row.lane, attempts: row.attempts, terminal: row.terminal };
}

async function completion(request: FastifyRequest, reply: FastifyReply, ctx: RouteContext): Promise<unknown> {
  const { sessionId, inputId } = params(request) as Required<Params>;
  const waitMs = Math.min((request.query as { waitMs?: number }).waitMs ?? 30_000, ctx.longPollMaxMs);
  const closed = new AbortController();
  // The response's close: the client went away (or the answer was sent), so stop waiting.
  reply.raw.on("close", () => closed.abort());
  const r = await waitForInput(ctx, sessionId, inputId, waitMs, closed.signal);
  if (r.done) return { inputId, done: true, phase: r.phase, outcome: r.outcome };
  reply.code(202);
  return { inputId, done: false, phase: r.phase, outcome: null };
}

export const ROUTES: readonly RouteSpec[] = [
  {
    method: "GET",
    url: "/healthz",
    operationId: "health",
    summary: "Liveness and a few counters",
    tag: "server",
    public: true,
    responses: { 200: ok("Up", { type: "object", properties: { ok: { const: true }, sessions: { type: "integer" }, streams: { type: "integer" }, pendingCompletions: { type: "integer" } } }) },
    handler: async (_r, _p, ctx) => ({ ok: true, sessions: ctx.runtime.sessionIds().length, streams: ctx.hub.clientCount, pendingCompletions: ctx.tracker.pendingCount }),
  },
  {
    method: "POST",
    url: "/sessions",
    operationId: "createSession",
    summary: "Register a session (a fresh id if none is given) and, unless bind is false, bind a local loop",
    tag: "sessions",
    body: S.CREATE_SESSION_BODY,
    bodyOptional: true,
    responses: { 201: ok("Registered", { type: "object", properties: { sessionId: { type: "string" }, bindings: { oneOf: [S.BINDINGS, { type: "null" }] }, snapshot: S.SNAPSHOT } }), ...ERRORS },
    handler: async (request, reply, ctx) => {
      const b = body<{ sessionId?: string; bind?: boolean }>(request);
      const sessionId = b.sessionId ?? randomUUID();
      await ctx.runtime.registerSession(sessionId);
      const bindings = b.bind === false ? null : bindingsView(await ctx.runtime.prepareLocalSessionBindings(sessionId));
      reply.code(201).header("location", `/sessions/${encodeURIComponent(sessionId)}`);
      return { sessionId, bindings, snapshot: ctx.runtime.snapshot(sessionId) };
    },
  },
  {
    method: "GET",
    url: "/sessions",
    operationId: "listSessions",
    summary: "Ids of the sessions this runtime holds",
    tag: "sessions",
    responses: { 200: ok("The ids", S.SESSION_LIST), 401: ERRORS[401] },
    handler: async (_r, _p, ctx) => ({ sessions: ctx.runtime.sessionIds() }),
  },
  {
    method: "GET",
    url: "/sessions/:sessionId",
    operationId: "snapshot",
    summary: "The session's snapshot, read from its machine",
    tag: "sessions",
    params: S.SESSION_PARAMS,
    responses: { 200: ok("Snapshot", S.SNAPSHOT), 401: ERRORS[401], 404: ERRORS[404] },
    handler: async (request, _p, ctx) => ctx.runtime.snapshot(params(request).sessionId),
  },
  {
    method: "POST",
    url: "/sessions/:sessionId/bindings",
    operationId: "bind",
    summary: "Bind the session: a fenced binding, or (empty body) a local one",
    tag: "sessions",
    params: S.SESSION_PARAMS,
    body: S.BINDING_BODY,
    bodyOptional: true,
    responses: { 200: ok("Bound", S.BINDINGS), ...ERRORS },
    handler: async (request, _p, ctx) => {
      const { sessionId } = params(request);
      const b = body<{ runtimeId?: string; fence?: number; generation?: number }>(request);
      const bindings =
        b.runtimeId === undefined ? await ctx.runtime.prepareLocalSessionBindings(sessionId) : await ctx.runtime.prepareBindings(sessionId, { runtimeId: b.runtimeId, fence: b.fence as number, generation: b.generation as number });
      return bindingsView(bindings);
    },
  },
  {
    method: "POST",
    url: "/sessions/:sessionId/inputs",
    operationId: "acceptInput",
    summary: "Admit an input (body: the input schema generated from spec/default.policy.json); Idempotency-Key sets header.idempotencyKey",
    tag: "inputs",
    params: S.SESSION_PARAMS,
    headers: S.IDEMPOTENCY_HEADERS,
    body: S.INPUT_SCHEMA,
    responses: {
      202: ok("Accepted; Location is the completion long-poll URL", S.ACCEPTED),
      200: ok("Deduplicated: the idempotency key is known; Location is the owner's completion URL", S.ACCEPTED),
      422: problem("The body does not match the input schema (InputInvalid), the policy rejected it (InputRejected), or two idempotency keys differ"),
      429: problem("The session's queue is full (QueueFull)"),
      413: problem("The body is too large"),
      ...ERRORS,
    },
    handler: acceptInput,
  },
  {
    method: "GET",
    url: "/sessions/:sessionId/inputs/:inputId",
    operationId: "inputStatus",
    summary: "Where an input is: live in the machine, or its stored terminal row",
    tag: "inputs",
    params: S.INPUT_PARAMS,
    responses: { 200: ok("Status", S.INPUT_STATUS), 401: ERRORS[401], 404: problem("No such session or input") },
    handler: inputStatus,
  },
  {
    method: "GET",
    url: "/sessions/:sessionId/inputs/:inputId/completion",
    operationId: "completion",
    summary: "Long poll: the input's outcome once it is terminal (202 with done=false when waitMs passes first)",
    tag: "inputs",
    params: S.INPUT_PARAMS,
    query: S.COMPLETION_QUERY,
    responses: { 200: ok("Terminal", S.COMPLETION), 202: ok("Still pending after waitMs; poll again", S.COMPLETION), 401: ERRORS[401], 404: problem("No such session or input") },
    handler: completion,
  },
  {
    method: "GET",
    url: "/sessions/:sessionId/events",
    operationId: "sessionEvents",
    summary: "Server-Sent Events: the session's typed runtime events (id = seq, event = type) and the agent's events; Last-Event-ID resumes",
    tag: "events",
    params: S.SESSION_PARAMS,
    responses: { 200: { description: "An event stream", contentType: "text/event-stream", schema: { type: "string" } }, 401: ERRORS[401], 404: ERRORS[404] },
    handler: async (request, reply, ctx) => {
      const { sessionId } = params(request);
      ctx.runtime.snapshot(sessionId); // 404 for an unknown session, before the stream opens
      streamEvents(request, reply, ctx.hub, sessionId, ctx.sse, ctx.openStreams);
      return reply;
    },
  },
  {
    method: "GET",
    url: "/events",
    operationId: "allEvents",
    summary: "Server-Sent Events of every session",
    tag: "events",
    responses: { 200: { description: "An event stream", contentType: "text/event-stream", schema: { type: "string" } }, 401: ERRORS[401] },
    handler: async (request, reply, ctx) => {
      streamEvents(request, reply, ctx.hub, null, ctx.sse, ctx.openStreams);
      return reply;
    },
  },
  {
    method: "GET",
    url: "/sessions/:sessionId/recovery-report",
    operationId: "recoveryReport",
    summary: "What store-backed recovery found when this server first met the session (null: none ran)",
    tag: "sessions",
    params: S.SESSION_PARAMS,
    responses: { 200: ok("The report", { type: "object", properties: { report: { type: ["object", "null"] } } }), 401: ERRORS[401], 404: ERRORS[404] },
    handler: async (request, _p, ctx) => ({ report: ctx.runtime.recoveryReport(params(request).sessionId) }),
  },
  {
    method: "GET",
    url: "/sessions/:sessionId/ops/completions",
    operationId: "opsCompletions",
    summary: "The ops registry's completion feed after a sequence number",
    tag: "sessions",
    params: S.SESSION_PARAMS,
    query: S.OPS_QUERY,
    responses: { 200: ok("Feed entries", S.OPS_FEED), 401: ERRORS[401], 404: ERRORS[404] },
    handler: async (request, _p, ctx) => ({ completions: ctx.runtime.ops(params(request).sessionId).completions((request.query as { after?: number }).after ?? 0) }),
  },
  control("cancel-after-boundary", "Cooperative cancel of the current (or named) run at its next boundary", S.RUN_BODY, async (rt, id, b) => ({ runId: await rt.cancelAfterBoundary(id, runOf(b)) }), { runId: { type: "string" } }),
  control("interrupt", "Hard interrupt of the current (or named) run: its AbortSignal fires", S.RUN_BODY, async (rt, id, b) => ({ runId: await rt.interrupt(id, runOf(b)) }), { runId: { type: "string" } }),
  control("stop", "Stop the session's executor (resolves once Stopped)", S.EMPTY_BODY, async (rt, id) => rt.stopRuntimeExecutor(id)),
  control("retire", "No new input; queued work drains when a loop is attached", S.FENCE_BODY, async (rt, id, b) => rt.retire(id, fenceOf(b))),
  control("reset", "Back to Idle; every live input is abandoned (Reset)", S.EMPTY_BODY, async (rt, id) => rt.reset(id)),
  control("recycle", "Rebuild the executor shell, keeping queued inputs", S.EMPTY_BODY, async (rt, id) => ({ ...(await rt.recycle(id)) }), { inputsTransferred: { type: "integer" } }),
  control("recover", "The machine's Recover (store-backed recovery for a session not met yet)", S.EMPTY_BODY, async (rt, id) => ({ report: await rt.recover(id) }), { report: { type: "object" } }),
  control("destroy", "End the session for good", S.FENCE_BODY, async (rt, id, b) => rt.destroy(id, fenceOf(b))),
  control("unregister", "Drop the binding; waiters end RuntimeTerminated, inputs are kept", S.EMPTY_BODY, async (rt, id) => rt.unregisterSession(id)),
  control("silent-intents", "Peer request intents that ride along without waking the loop", S.INTENTS_BODY, async (rt, id, b) => rt.setSilentIntents(id, b["intents"] as string[])),
  control("ingest", "A mob work request for the session bound to runtimeId", S.INGEST_BODY, async (rt, id, b) => rt.ingest(id, b["runtimeId"] as string, b["workId"] as string)),
  control("wake", "Ask the loop to look for work", S.EMPTY_BODY, async (rt, id) => rt.wake(id)),
];

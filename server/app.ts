// The HTTP surface over one ControlPlane (Fastify): routes from the route table, bodies validated
// by their JSON Schemas (inputs by the runtime's own), bearer auth, problem documents, safe logs.

import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Writable } from "node:stream";
import { RuntimeError, type ControlPlane, type RuntimeStore } from "../runtime/index.js";
import { bearerChecker, type AuthOptions } from "./auth.js";
import { CompletionTracker } from "./completions.js";
import { EventHub, type AgentEventSourceLike } from "./event-hub.js";
import { logSerializers } from "./logging.js";
import { openApiDocument } from "./openapi.js";
import { HttpProblem, httpProblem, PROBLEM_CONTENT_TYPE, runtimeProblem, type ProblemDocument, type ProblemLocation } from "./problems.js";
import { ROUTES, type RouteContext } from "./routes.js";
import { INPUT_SCHEMA } from "./schemas.js";

export interface ServerOptions {
  readonly runtime: ControlPlane;
  /** The runtime's store, for the status of inputs accepted by an earlier process. */
  readonly store?: RuntimeStore | null;
  readonly auth: AuthOptions;
  /** Agent events forwarded on the event streams (the AI SDK executor is such a source). */
  readonly agentEvents?: AgentEventSourceLike | null;
  /** Request body limit in bytes (default 256 KiB). */
  readonly bodyLimit?: number;
  /** Upper bound of a completion long poll (default 120 s). */
  readonly longPollMaxMs?: number;
  readonly sseHeartbeatMs?: number;
  readonly sseMaxBufferedBytes?: number;
  /** false: no logs. Otherwise pino options Fastify understands (level, destination stream). */
  readonly logger?: false | { readonly level?: string; readonly stream?: Writable };
  readonly version?: string;
}

export interface MeerkatServer {
  readonly app: FastifyInstance;
  readonly hub: EventHub;
  /** Listens on host:port (port 0: any free port) and returns the base URL. */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<string>;
  close(): Promise<void>;
}

declare module "fastify" {
  interface FastifyContextConfig {
    readonly public?: boolean;
  }
}

function bodyCompiler(): Ajv2020 {
  return new Ajv2020({ allErrors: true, strict: true, discriminator: true, allowUnionTypes: true, useDefaults: true });
}

function partCompiler(): Ajv2020 {
  return new Ajv2020({ allErrors: true, strict: false, coerceTypes: true, useDefaults: true, allowUnionTypes: true });
}

function locations(where: ProblemLocation["in"], errors: readonly ErrorObject[]): ProblemLocation[] {
  return errors.map((e) => ({ in: where, pointer: e.instancePath, message: e.message ?? e.keyword }));
}

/** Any error a handler or Fastify raised, as a problem document. */
export function toProblem(error: unknown, request: FastifyRequest): ProblemDocument {
  const instance = request.url;
  if (error instanceof RuntimeError) return runtimeProblem(error, instance);
  if (error instanceof HttpProblem) return httpProblem(error, instance);
  const e = error as FastifyError;
  if (e.validation !== undefined) {
    const where = (e.validationContext ?? "body") as ProblemLocation["in"];
    const isInput = where === "body" && request.routeOptions.url === "/sessions/:sessionId/inputs";
    const problems = locations(where, e.validation as unknown as ErrorObject[]);
    const code = isInput ? "InputInvalid" : "InvalidArgument";
    const summary = problems.map((p) => `${p.in} ${p.pointer || "/"} ${p.message}`).join("; ");
    return httpProblem(new HttpProblem(code, isInput ? 422 : 400, isInput ? `the input does not match the input schema: ${summary}` : summary, { problems }), instance);
  }
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return httpProblem(new HttpProblem("PayloadTooLarge", 413, e.message), instance);
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return httpProblem(new HttpProblem("UnsupportedMediaType", 415, "send the body as application/json"), instance);
  if (e.statusCode === 400 || e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || e instanceof SyntaxError) return httpProblem(new HttpProblem("MalformedBody", 400, `the body is not valid JSON: ${e.message}`), instance);
  return httpProblem(new HttpProblem("InternalError", 500, "the server failed; the error is in its log"), instance);
}

export async function createServer(options: ServerOptions): Promise<MeerkatServer> {
  const logger = options.logger === undefined ? { level: "info" } : options.logger;
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    logger: logger === false ? false : { level: logger.level ?? "info", serializers: logSerializers, ...(logger.stream === undefined ? {} : { stream: logger.stream }) },
    // Request ids are ours (never taken from a header a client controls).
    requestIdHeader: false,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    return503OnClosing: true,
  });
  const bodyAjv = bodyCompiler();
  const partAjv = partCompiler();
  // JSON only: a text/plain body would otherwise reach the validators as a string.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? bodyAjv.compile(schema) : partAjv.compile(schema)));

  const hub = new EventHub(options.runtime, options.agentEvents ?? null);
  const openStreams = new Set<() => void>();
  const ctx: RouteContext = {
    runtime: options.runtime,
    store: options.store ?? null,
    tracker: new CompletionTracker(),
    hub,
    sse: { heartbeatMs: options.sseHeartbeatMs ?? 15_000, maxBufferedBytes: options.sseMaxBufferedBytes ?? 1024 * 1024 },
    openStreams,
    longPollMaxMs: options.longPollMaxMs ?? 120_000,
  };

  const check = bearerChecker(options.auth);
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.public === true) return;
    check(request.headers.authorization);
  });

  const sendProblem = (request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ err: error, statusCode: problem.status }, "request refused");
    if (problem.code === "Unauthorized") reply.header("www-authenticate", 'Bearer realm="meerkat"');
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  };
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new HttpProblem("RouteNotFound", 404, `no route ${request.method} for this path; see /openapi.json`)));

  const document = openApiDocument(ROUTES, { version: options.version ?? "0.1.0" });
  app.get("/openapi.json", { config: { public: true } }, async () => document);

  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true },
      schema: {
        ...(route.params === undefined ? {} : { params: route.params }),
        ...(route.query === undefined ? {} : { querystring: route.query }),
        ...(route.headers === undefined ? {} : { headers: route.headers }),
        ...(route.body === undefined ? {} : { body: route.body === INPUT_SCHEMA ? INPUT_SCHEMA : route.body }),
      },
      preValidation:
        route.bodyOptional === true
          ? async (request) => {
              if (request.body === undefined || request.body === null) request.body = {};
            }
          : undefined,
      handler: (request, reply) => route.handler(request, reply, ctx),
    });
  }

  // Event streams are never idle: end them so close() does not wait for their clients.
  app.addHook("preClose", async () => {
    for (const end of [...openStreams]) end();
  });
  app.addHook("onClose", async () => hub.close());

  return {
    app,
    hub,
    async listen(listenOptions = {}) {
      return app.listen({ host: listenOptions.host ?? "127.0.0.1", port: listenOptions.port ?? 0 });
    },
    async close() {
      await app.close();
    },
  };
}

// Log serializers: a request is logged by its route template, never by its URL, so no session id,
// input id or query value reaches a log line; bodies are never logged; errors are logged by code
// (the message only for unexpected ones, and pino writes it JSON-escaped).

import type { FastifyRequest } from "fastify";
import { RuntimeError } from "../runtime/index.js";
import { HttpProblem } from "./problems.js";

export const logSerializers = {
  req(request: FastifyRequest): Record<string, unknown> {
    return { method: request.method, route: request.routeOptions?.url ?? "(no route)", reqId: request.id };
  },
  res(reply: { statusCode: number }): Record<string, unknown> {
    return { statusCode: reply.statusCode };
  },
  err(error: Error): { [key: string]: unknown; type: string; message: string; stack: string } {
    if (error instanceof RuntimeError || error instanceof HttpProblem) return { type: error.name, code: error.code, message: "", stack: "" };
    const code = (error as { code?: unknown }).code;
    return { type: error.name, ...(typeof code === "string" ? { code } : {}), message: error.message, stack: error.stack ?? "" };
  },
};

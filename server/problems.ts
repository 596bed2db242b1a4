// Errors as RFC 9457 problem documents. Runtime errors keep their stable `code`; refusals of the
// HTTP layer itself (auth, body, routing) have codes of their own. Clients branch on `code`.

import { RuntimeError, type InputProblem, type RuntimeErrorCode } from "../runtime/index.js";

export type HttpErrorCode =
  | "Unauthorized"
  | "MalformedBody"
  | "PayloadTooLarge"
  | "UnsupportedMediaType"
  | "RouteNotFound"
  | "InputNotFound"
  | "IdempotencyKeyConflict"
  | "InternalError";

export type ProblemCode = RuntimeErrorCode | HttpErrorCode;

/** One problem of a request part, located by JSON pointer. */
export interface ProblemLocation extends InputProblem {
  readonly in: "body" | "params" | "querystring" | "headers";
}

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly sessionId?: string;
  readonly inputId?: string;
  readonly problems?: readonly ProblemLocation[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://meerkat.local/problems/";

/** A refusal of the HTTP layer; thrown by handlers and hooks, rendered by the error handler. */
export class HttpProblem extends Error {
  constructor(
    readonly code: HttpErrorCode | "InputInvalid" | "InvalidArgument",
    readonly status: number,
    message: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

const RUNTIME_STATUS: Record<RuntimeErrorCode, number> = {
  SessionNotFound: 404,
  SessionDestroyed: 410,
  NotRegistered: 409,
  NotReady: 409,
  FenceRejected: 409,
  RunMismatch: 409,
  InputInvalid: 422,
  InputRejected: 422,
  DuplicateInput: 409,
  QueueFull: 429,
  DeduplicatedRefused: 409,
  StoreFailed: 503,
  SessionEvicted: 409,
  ExecutorControlFailed: 502,
  SignalDispatchFailed: 502,
  MachineInvariantViolated: 500,
  OpRefused: 409,
  OpNotFound: 404,
  RuntimeClosed: 503,
  RecoveryCorruption: 500,
  InvalidArgument: 400,
};

export function statusOfRuntimeCode(code: RuntimeErrorCode): number {
  return RUNTIME_STATUS[code];
}

const TITLES: Partial<Record<ProblemCode, string>> = {
  Unauthorized: "Missing or wrong bearer token",
  MalformedBody: "The request body is not valid JSON",
  PayloadTooLarge: "The request body is too large",
  UnsupportedMediaType: "Unsupported content type",
  RouteNotFound: "No such route",
  InputNotFound: "No such input",
  IdempotencyKeyConflict: "Two different idempotency keys",
  InternalError: "Internal error",
  InputInvalid: "The input does not match its JSON Schema",
  InvalidArgument: "Invalid argument",
};

function title(code: ProblemCode): string {
  return TITLES[code] ?? code.replace(/([a-z])([A-Z])/g, "$1 $2");
}

/** The extra, typed fields of a runtime error (phase, fence, reason...), without the base ones. */
function runtimeExtensions(e: RuntimeError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "code" || k === "sessionId" || k === "inputId" || k === "name" || k === "message" || k === "stack" || k === "cause") continue;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function runtimeProblem(e: RuntimeError, instance: string): ProblemDocument {
  const status = RUNTIME_STATUS[e.code];
  const ext = runtimeExtensions(e);
  const problems = "problems" in ext ? { problems: (ext["problems"] as InputProblem[]).map((p) => ({ in: "body" as const, ...p })) } : {};
  return {
    ...ext,
    type: TYPE_BASE + e.code,
    title: title(e.code),
    status,
    detail: e.message,
    code: e.code,
    instance,
    sessionId: e.sessionId,
    ...(e.inputId === undefined ? {} : { inputId: e.inputId }),
    ...problems,
  };
}

export function httpProblem(e: HttpProblem, instance: string): ProblemDocument {
  return { ...e.extensions, type: TYPE_BASE + e.code, title: title(e.code), status: e.status, detail: e.message, code: e.code, instance };
}

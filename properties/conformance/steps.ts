// The command vocabulary of the conformance properties, as plain data. One `Step` is one call on the
// public runtime API (or one executor behaviour, or a restart); the reference model and the real
// runtime both interpret the same steps, so a failing sequence prints as readable, replayable data.

import type { Input, InputKind, JsonValue } from "../../runtime/index.js";

/** An input, described by the facts that matter to admission; `buildInput` makes the payload. */
export interface InputSpec {
  readonly kind: InputKind;
  readonly id: string;
  readonly durability: "Durable" | "Ephemeral" | "Derived";
  /** "natural": the kind's usual source (prompt: Operator, peer_*: Peer, …). */
  readonly source: "natural" | "System" | "Operator";
  readonly idempotencyKey?: string;
  readonly supersessionKey?: string;
  readonly handlingMode?: "Queue" | "Steer";
  /** peer_request only. */
  readonly intent?: string;
  /** peer_response_terminal only ("" is a semantic rejection). */
  readonly requestId?: string;
  /** A large or unicode payload (prompt text, peer bodies). */
  readonly text?: string;
}

export type AcceptMode = "plain" | "completion" | "withoutWake";
/** Which run a cancel or interrupt names: the default (current), the previous run of the session, or an unknown id. */
export type RunTarget = "default" | "previous" | "bogus";
/** A fence relative to the session's newest fence. */
export type FenceChoice = "none" | "current" | "stale" | "newer";
export type RunOutputChoice = "none" | "result" | "callback";
export type FailCause = "error" | "cancelled" | "value";

export type OpsCall =
  | { readonly fn: "register"; readonly id: string; readonly kind: "BackgroundToolOp" | "MobMemberChild" }
  | { readonly fn: "start" | "progress" | "peerReady" | "abort" | "cancel" | "requestRetire" | "markRetired" | "fail" | "watch"; readonly id: string }
  | { readonly fn: "complete"; readonly id: string; readonly result?: JsonValue }
  | { readonly fn: "terminateOwner" }
  | { readonly fn: "waitAll"; readonly ids: readonly string[] };

export interface BindChoice {
  /** Runtime id: one of two mob runtimes, or the session's local id. */
  readonly runtime: "rt-a" | "rt-b" | "local";
  /** Added to the session's newest fence (or 0): -1 is stale, 0 current, +1 fresh. */
  readonly fenceDelta: -1 | 0 | 1;
  /** Added to the bound generation: -1 is older. */
  readonly generationDelta: -1 | 0 | 1;
}

export type Step =
  | { readonly op: "register"; readonly s: number }
  | { readonly op: "bind"; readonly s: number; readonly bind: BindChoice }
  | { readonly op: "bindLocal"; readonly s: number }
  | { readonly op: "unregister"; readonly s: number }
  | { readonly op: "accept"; readonly s: number; readonly mode: AcceptMode; readonly input: InputSpec }
  | { readonly op: "acceptAndRun"; readonly s: number; readonly input: InputSpec }
  | { readonly op: "cancel"; readonly s: number; readonly run: RunTarget }
  | { readonly op: "interrupt"; readonly s: number; readonly run: RunTarget }
  | { readonly op: "stop"; readonly s: number }
  | { readonly op: "retire"; readonly s: number; readonly fence: FenceChoice }
  | { readonly op: "reset"; readonly s: number }
  | { readonly op: "recycle"; readonly s: number }
  | { readonly op: "recover"; readonly s: number }
  | { readonly op: "destroy"; readonly s: number; readonly fence: FenceChoice }
  | { readonly op: "silent"; readonly s: number; readonly intents: readonly string[] }
  | { readonly op: "ingest"; readonly s: number; readonly runtime: "bound" | "other"; readonly work: string }
  | { readonly op: "wake"; readonly s: number }
  | { readonly op: "ops"; readonly s: number; readonly call: OpsCall }
  /** Executor behaviours on the `call`-th live executor call (modulo the number of live calls). */
  | { readonly op: "complete"; readonly call: number; readonly output: RunOutputChoice }
  | { readonly op: "fail"; readonly call: number; readonly cause: FailCause }
  /** The executor reports a boundary; if a cancel-after-boundary was requested it then returns. */
  | { readonly op: "boundary"; readonly call: number }
  /** How the executor reacts to a hard interrupt: reject at once ("hang until cancelled"), or ignore it. */
  | { readonly op: "abortMode"; readonly mode: "reject" | "ignore" }
  /** Close the runtime (its executor detached, as in a crash) and open a new one over the same store. */
  | { readonly op: "restart" };

/** The payload of a run output choice. */
export function runOutputOf(choice: RunOutputChoice): { result?: JsonValue; callbackPending?: { toolName: string; args: JsonValue } } {
  switch (choice) {
    case "none":
      return {};
    case "result":
      return { result: RESULT };
    case "callback":
      return { callbackPending: { toolName: "search", args: { q: "🦀" } } };
  }
}

/** A result with an own `__proto__` key and unicode, as a JSON producer would hand it over. */
const RESULT = JSON.parse('{"answer":42,"__proto__":"x","ключ":["ü",null]}') as JsonValue;

export const EXECUTOR_FAILURE_MESSAGE = "executor failed";
export const EXECUTOR_CANCEL_MESSAGE = "executor cancelled the run";
export const EXECUTOR_FAILURE_VALUE = "a thrown non-Error value";

/** Builds the input payload of a spec (valid shape; semantic problems are the spec's choice). */
export function buildInput(spec: InputSpec): Input {
  const header = {
    id: spec.id,
    durability: spec.durability,
    source: sourceOf(spec),
    ...(spec.idempotencyKey !== undefined ? { idempotencyKey: spec.idempotencyKey } : {}),
    ...(spec.supersessionKey !== undefined ? { supersessionKey: spec.supersessionKey } : {}),
    ...(spec.handlingMode !== undefined ? { handlingMode: spec.handlingMode } : {}),
  };
  const text = spec.text ?? "hello";
  switch (spec.kind) {
    case "prompt":
      return { kind: "prompt", header, text };
    case "peer_message":
      return { kind: "peer_message", header, body: text };
    case "peer_request":
      return { kind: "peer_request", header, requestId: `req-${spec.id}`, intent: spec.intent ?? "review", body: text };
    case "peer_response_progress":
      return { kind: "peer_response_progress", header, requestId: "req-1", phase: "working" };
    case "peer_response_terminal":
      return { kind: "peer_response_terminal", header, requestId: spec.requestId ?? "req-1", status: "Completed" };
    case "flow_step":
      return { kind: "flow_step", header, flowId: "flow", stepIndex: 0, body: null };
    case "external_event":
      return { kind: "external_event", header, eventType: "ping", payload: {} };
    case "continuation":
      return { kind: "continuation", header, reason: "resume" };
    case "operation":
      return { kind: "operation", header, operationId: "op-1", event: "completed" };
  }
}

function sourceOf(spec: InputSpec): Input["header"]["source"] {
  if (spec.source === "System") return { kind: "System" };
  if (spec.source === "Operator") return { kind: "Operator" };
  switch (spec.kind) {
    case "prompt":
      return { kind: "Operator" };
    case "peer_message":
    case "peer_request":
    case "peer_response_progress":
    case "peer_response_terminal":
      return { kind: "Peer", peerId: "peer-1" };
    case "flow_step":
      return { kind: "Flow", flowId: "flow", stepIndex: 0 };
    case "external_event":
      return { kind: "External", sourceName: "webhook" };
    case "continuation":
    case "operation":
      return { kind: "System" };
  }
}

/** A compact one-line rendering of a step (counterexamples print these). */
export function showStep(step: Step): string {
  const { op, ...rest } = step;
  const args = Object.keys(rest).length === 0 ? "" : JSON.stringify(rest);
  return `${op}${args === "" ? "" : ` ${args}`}`;
}

/** Arguments a step needs that depend on the state (fences, run ids), resolved by the model. */
export interface Concrete {
  readonly binding?: { readonly runtimeId: string; readonly fence: number; readonly generation: number };
  readonly fence?: number | null;
  /** Normalized run id (`e<k>/run-<n>`, or "run-bogus"); undefined names the current run. */
  readonly runId?: string | undefined;
  readonly runtimeId?: string;
}

/** The observable result of a step's call. */
export type HandleState = { readonly state: "pending" } | { readonly state: "ok"; readonly value: unknown } | { readonly state: "error"; readonly code: string };

/** Counts of executor hooks the runtime must call. */
export interface HookCounters {
  cancelRequests: number;
  stopped: number;
  recycled: number;
}

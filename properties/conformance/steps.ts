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
  /** `n` durable external events accepted without a wake, one call after the other (ids `f<step>.<k>`): enough to fill a batch. */
  | { readonly op: "flood"; readonly s: number; readonly n: number }
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

/** Each kind's payload beyond the header, built from the spec's text, id and request id. */
const PAYLOAD: { readonly [K in InputKind]: (spec: InputSpec, text: string) => Omit<Extract<Input, { kind: K }>, "kind" | "header"> } = {
  prompt: (_, text) => ({ text }),
  peer_message: (_, text) => ({ body: text }),
  peer_request: (spec, text) => ({ requestId: `req-${spec.id}`, intent: spec.intent ?? "review", body: text }),
  peer_response_progress: () => ({ requestId: "req-1", phase: "working" }),
  peer_response_terminal: (spec) => ({ requestId: spec.requestId ?? "req-1", status: "Completed" }),
  flow_step: () => ({ flowId: "flow", stepIndex: 0, body: null }),
  external_event: () => ({ eventType: "ping", payload: {} }),
  continuation: () => ({ reason: "resume" }),
  operation: () => ({ operationId: "op-1", event: "completed" }),
};

type Source = Input["header"]["source"];
const PEER: Source = { kind: "Peer", peerId: "peer-1" };
const SYSTEM: Source = { kind: "System" };
/** The usual source of each kind ("natural"). */
const NATURAL_SOURCE: { readonly [K in InputKind]: Source } = {
  prompt: { kind: "Operator" },
  peer_message: PEER,
  peer_request: PEER,
  peer_response_progress: PEER,
  peer_response_terminal: PEER,
  flow_step: { kind: "Flow", flowId: "flow", stepIndex: 0 },
  external_event: { kind: "External", sourceName: "webhook" },
  continuation: SYSTEM,
  operation: SYSTEM,
};

/** Builds the input payload of a spec (valid shape; semantic problems are the spec's choice). */
export function buildInput(spec: InputSpec): Input {
  const header = {
    id: spec.id,
    durability: spec.durability,
    source: spec.source === "natural" ? { ...NATURAL_SOURCE[spec.kind] } : { kind: spec.source },
    ...(spec.idempotencyKey !== undefined ? { idempotencyKey: spec.idempotencyKey } : {}),
    ...(spec.supersessionKey !== undefined ? { supersessionKey: spec.supersessionKey } : {}),
    ...(spec.handlingMode !== undefined ? { handlingMode: spec.handlingMode } : {}),
  };
  return { kind: spec.kind, header, ...PAYLOAD[spec.kind](spec, spec.text ?? "hello") } as Input;
}

/** The k-th input of a flood step (k from 1). */
export function floodInput(step: number, k: number): Input {
  return buildInput({ kind: "external_event", id: `f${step}.${k}`, durability: "Durable", source: "natural" });
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

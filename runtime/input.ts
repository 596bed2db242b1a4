// The typed inputs a session admits (upstream `meerkat-runtime/src/input.rs`, flattened so that the
// discriminant `kind` is the policy key). Shapes are checked at run time by runtime/schemas/.

export type SessionId = string;
export type InputId = string;
export type RunId = string;

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Durable: persisted before it is acknowledged. Ephemeral: may be lost. Derived: reconstructible. */
export type Durability = "Durable" | "Ephemeral" | "Derived";
export type HandlingMode = "Queue" | "Steer";

export type InputSource =
  | { readonly kind: "Operator" }
  | { readonly kind: "Peer"; readonly peerId: string; readonly displayIdentity?: string; readonly runtimeId?: string }
  | { readonly kind: "Flow"; readonly flowId: string; readonly stepIndex: number }
  | { readonly kind: "System" }
  | { readonly kind: "External"; readonly sourceName: string };

export interface InputHeader {
  readonly id: InputId;
  readonly durability: Durability;
  readonly source: InputSource;
  /** Inputs with the same key in one session are admitted once (§3.4). */
  readonly idempotencyKey?: string;
  /** A newer input of the same kind and key supersedes or coalesces a queued one (§3.5). */
  readonly supersessionKey?: string;
  /** Queue or Steer; overrides the kind's default policy row. Not allowed on operation inputs. */
  readonly handlingMode?: HandlingMode;
  readonly correlationId?: string;
  /** Milliseconds since the epoch, set by the producer. */
  readonly timestamp?: number;
}

export interface PromptInput {
  readonly kind: "prompt";
  readonly header: InputHeader;
  readonly text: string;
}
export interface PeerMessageInput {
  readonly kind: "peer_message";
  readonly header: InputHeader;
  readonly body: string;
}
export interface PeerRequestInput {
  readonly kind: "peer_request";
  readonly header: InputHeader;
  readonly requestId: string;
  readonly intent: string;
  readonly body: string;
}
export interface PeerResponseProgressInput {
  readonly kind: "peer_response_progress";
  readonly header: InputHeader;
  readonly requestId: string;
  readonly phase: string;
  readonly body?: string;
}
export type TerminalStatus = "Completed" | "Failed" | "Cancelled";
export interface PeerResponseTerminalInput {
  readonly kind: "peer_response_terminal";
  readonly header: InputHeader;
  readonly requestId: string;
  readonly status: TerminalStatus;
  readonly body?: string;
}
export interface FlowStepInput {
  readonly kind: "flow_step";
  readonly header: InputHeader;
  readonly flowId: string;
  readonly stepIndex: number;
  readonly body: JsonValue;
}
export interface ExternalEventInput {
  readonly kind: "external_event";
  readonly header: InputHeader;
  readonly eventType: string;
  readonly payload: JsonValue;
}
export interface ContinuationInput {
  readonly kind: "continuation";
  readonly header: InputHeader;
  readonly reason: string;
}
export interface OperationInput {
  readonly kind: "operation";
  readonly header: InputHeader;
  readonly operationId: string;
  readonly event: string;
  readonly detail?: JsonValue;
}

export type Input =
  | PromptInput
  | PeerMessageInput
  | PeerRequestInput
  | PeerResponseProgressInput
  | PeerResponseTerminalInput
  | FlowStepInput
  | ExternalEventInput
  | ContinuationInput
  | OperationInput;

/** The policy key of an input. */
export type InputKind = Input["kind"];

export const INPUT_KINDS: readonly InputKind[] = [
  "prompt",
  "peer_message",
  "peer_request",
  "peer_response_progress",
  "peer_response_terminal",
  "flow_step",
  "external_event",
  "continuation",
  "operation",
];

/**
 * The handling mode the policy is resolved with. External events and continuations always carry
 * one (upstream: a struct field defaulting to Queue), every other kind only when given.
 */
export function effectiveHandlingMode(input: Input): HandlingMode | null {
  const mode = input.header.handlingMode ?? null;
  if (mode === null && (input.kind === "external_event" || input.kind === "continuation")) return "Queue";
  return mode;
}

/** How the batch executes: continuations resume pending work, everything else is a content turn. */
export type ExecutionKind = "ContentTurn" | "ResumePending";
export function executionKindOf(kind: InputKind): ExecutionKind {
  return kind === "continuation" ? "ResumePending" : "ContentTurn";
}

/** Terminal peer responses are appended as context and then run; nothing else has an apply intent. */
export type ApplyIntent = "AppendContextAndRun" | "None";
export function applyIntentOf(kind: InputKind): ApplyIntent {
  return kind === "peer_response_terminal" ? "AppendContextAndRun" : "None";
}

let continuationCounter = 0;

/**
 * The continuation the runtime injects to wake a quiescent session after background ops completed
 * (upstream `ContinuationInput::detached_background_op_completed`): System, Derived, Steer.
 */
export function detachedWakeContinuation(id?: InputId): ContinuationInput {
  continuationCounter += 1;
  return {
    kind: "continuation",
    header: {
      id: id ?? `detached-wake:${Date.now().toString(36)}:${continuationCounter}`,
      durability: "Derived",
      source: { kind: "System" },
      handlingMode: "Steer",
    },
    reason: "detached_background_op_completed",
  };
}

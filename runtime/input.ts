// The typed inputs a session admits (upstream `meerkat-runtime/src/input.rs`, flattened so that the
// discriminant `kind` is the policy key). Shapes are checked at run time against INPUT_SCHEMA.

export type SessionId = string;
export type InputId = string;
export type RunId = string;

// The input types, the kind list and the per-kind admission facts are generated from the
// `inputs` and `admission` blocks of spec/default.policy.json (the same block gives INPUT_SCHEMA,
// which admission validates with), so the type, the schema and the policy cannot drift apart.
export type {
  ApplyIntent,
  ContinuationInput,
  Durability,
  ExecutionKind,
  ExternalEventInput,
  FlowStepInput,
  HandlingMode,
  Input,
  InputHeader,
  InputKind,
  InputSource,
  JsonValue,
  OperationInput,
  PeerMessageInput,
  PeerRequestInput,
  PeerResponseProgressInput,
  PeerResponseTerminalInput,
  PromptInput,
  TerminalStatus,
} from "../generated/default.policy.js";
export { INPUT_KINDS, INPUT_SCHEMA, applyIntentOf, effectiveHandlingMode, executionKindOf, isInputKind } from "../generated/default.policy.js";

import type { ContinuationInput } from "../generated/default.policy.js";

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

// The policy seam: which lane an input joins, what it may do to the loop, whether it is consumed on
// accept. The runtime takes any resolver with the signature of the generated
// `generated/default.policy.ts` `resolvePolicy` (the default, see runtime/default-policy.ts). The
// decision type lists the columns the runtime reads; the generated decision carries more.

import type { AdmissionClass, ApplyMode, ConsumePoint, DrainPolicy, Lane, QueueMode, RoutingDisposition, WakeMode } from "../generated/default.policy.js";
import type { HandlingMode, InputKind } from "./input.js";

// The column types come from the generated policy table, so the spec is their only definition.
export type { AdmissionClass, ApplyMode, ConsumePoint, DrainPolicy, Lane, QueueMode, RoutingDisposition, WakeMode };

/** One cell of the policy table: the upstream columns plus the admission facts the machine takes. */
export interface PolicyDecision {
  readonly applyMode: ApplyMode;
  readonly wakeMode: WakeMode;
  readonly queueMode: QueueMode;
  readonly consumePoint: ConsumePoint;
  readonly drainPolicy: DrainPolicy;
  readonly routingDisposition: RoutingDisposition;
  readonly recordTranscript: boolean;
  /** Machine `AcceptInput.lane`. */
  readonly lane: Lane;
  /** Machine `AcceptInput.admission`. */
  readonly admission: AdmissionClass;
  /** Admit with the machine's `AcceptConsumed` (terminal at once, never runs). */
  readonly consumeOnAccept: boolean;
}

export type PolicyResolution = { readonly ok: true; readonly decision: PolicyDecision } | { readonly ok: false; readonly reason: string };

/** `runtimeIdle` is true when the session is Idle or Attached (no run in flight). */
export interface PolicyResolver {
  (kind: InputKind, runtimeIdle: boolean, handlingMode: HandlingMode | null): PolicyResolution;
}

/** Upstream §4.4/§4.5: whether the input may start a run by itself. */
export function drivesLoop(decision: PolicyDecision): boolean {
  return decision.wakeMode !== "None" || decision.drainPolicy === "Immediate" || decision.drainPolicy === "SteerBatch";
}

/** The boundary a contributor needs: run start, or any checkpoint of a run. */
export type Boundary = "RunStart" | "RunCheckpoint" | "Immediate";
export function boundaryOf(decision: PolicyDecision): Boundary {
  switch (decision.applyMode) {
    case "StageRunBoundary":
      return "RunCheckpoint";
    case "InjectNow":
      return "Immediate";
    default:
      return "RunStart";
  }
}

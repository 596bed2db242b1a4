// The policy seam: which lane an input joins, what it may do to the loop, whether it is consumed on
// accept. The runtime takes any resolver with the signature of the generated
// `generated/default.policy.ts` `resolvePolicy` (the default, see runtime/default-policy.ts). The
// decision type and every admission fact derived from it are generated from spec/default.policy.json.

import type { HandlingMode, InputKind, PolicyResolution } from "../generated/default.policy.js";

export type {
  AdmissionClass,
  AdmissionRejectCode,
  AdmissionRejection,
  ApplyMode,
  Boundary,
  ConsumePoint,
  DrainPolicy,
  Lane,
  PolicyDecision,
  PolicyResolution,
  QueueMode,
  RoutingDisposition,
  WakeMode,
} from "../generated/default.policy.js";

/** `runtimeIdle` is true when the session is Idle or Attached (no run in flight). */
export interface PolicyResolver {
  (kind: InputKind, runtimeIdle: boolean, handlingMode: HandlingMode | null): PolicyResolution;
}

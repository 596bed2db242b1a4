// Counterexample and witness traces as JSON: the initial state and every step after it, states
// encoded with kernel/codec.ts toJson (sets and maps as sorted arrays).

import type { JsonValue } from "../../kernel/codec.js";

export type JsonObject = { [key: string]: JsonValue };

export interface TraceStep {
  /** The instance the trigger went to (compositions only). */
  readonly instance?: string;
  /** The route that delivered the trigger (compositions only; absent for environment inputs). */
  readonly route?: string;
  readonly trigger: string;
  readonly payload: JsonObject;
  /** The transition that fired; null when the step was refused (the last step of some traces). */
  readonly transition: string | null;
  /** The state after the step; null when the step was refused. */
  readonly state: JsonObject | null;
  readonly effects: readonly JsonObject[];
  /** Deliveries still queued after the step (compositions only). */
  readonly pending?: readonly JsonObject[];
  /** Why the step was refused (determinism and route-refused traces). */
  readonly refusal?: JsonObject;
}

export interface Trace {
  /** Machine or composition name. */
  readonly machine: string;
  readonly subject: "machine" | "composition";
  readonly specFile: string;
  readonly profile: string;
  /** Violation kind, or "witness". */
  readonly kind: string;
  readonly name: string;
  readonly message: string;
  readonly initial: JsonObject;
  readonly steps: readonly TraceStep[];
}

// Typed refusals of the mob seam.

import { describeRefusal, type Refusal } from "../kernel/index.js";

export class SeamRefusedError extends Error {
  readonly code = "SeamRefused" as const;
  constructor(
    /** The session id, or "mob" for a refusal on the mob side. */
    readonly party: string,
    readonly trigger: string,
    readonly detail: string,
  ) {
    super(`${party}: ${trigger} refused: ${detail}`);
    this.name = "SeamRefusedError";
  }
}

export function describeRefusalOf(r: Refusal<string> | { readonly ok: false; readonly code: "InvariantViolated"; readonly invariants: readonly string[] }): string {
  if (r.code === "InvariantViolated") return `invariant ${r.invariants.join(", ")} would break`;
  return describeRefusal(r);
}

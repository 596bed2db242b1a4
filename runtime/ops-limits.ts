// The ops registry's two limits. The OpsLifecycle spec declares them as fields no transition
// writes (parameters): the model checks small values, each runtime registry starts with the
// configured ones. Their range is the spec's `OpsLimit` type, read from the generated kernel so the
// bound has one owner.

import { opsLifecycleKernel } from "../generated/ops.machine.js";
import { InvalidArgumentError } from "./errors.js";

export interface OpsLimits {
  /** Live (non-terminal) ops a session may hold; registering beyond it is refused (`below_max_concurrent`). */
  readonly maxConcurrent: number;
  /** Terminal op records kept for `watch`/`status` (oldest evicted first; members of the current wait-all are pinned). */
  readonly maxRetained: number;
}

function declaredMax(field: "maxConcurrent" | "maxRetained"): number {
  const desc = opsLifecycleKernel.fields.find((f) => f.name === field);
  if (desc === undefined || desc.type.kind !== "int") throw new Error(`generated OpsLifecycle kernel has no int field ${field}`);
  return desc.type.max;
}

/** The largest limit the spec allows; the default concurrency ("unlimited", as upstream). */
export const OPS_LIMIT_MAX = declaredMax("maxConcurrent");

/** Upstream's defaults: unlimited concurrency, 256 retained terminal records. */
export const DEFAULT_OPS_LIMITS: OpsLimits = Object.freeze({ maxConcurrent: OPS_LIMIT_MAX, maxRetained: 256 });

function checkLimit(name: keyof OpsLimits, value: unknown): number {
  const max = declaredMax(name);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError("", "createRuntime", `limits.ops.${name}`, `must be an integer from 1 to ${max} (got ${String(value)})`);
  }
  return value;
}

/** Fills in the defaults; a value outside 1..OPS_LIMIT_MAX is an InvalidArgumentError naming the option. */
export function resolveOpsLimits(limits: Partial<OpsLimits> | undefined): OpsLimits {
  return {
    maxConcurrent: limits?.maxConcurrent === undefined ? DEFAULT_OPS_LIMITS.maxConcurrent : checkLimit("maxConcurrent", limits.maxConcurrent),
    maxRetained: limits?.maxRetained === undefined ? DEFAULT_OPS_LIMITS.maxRetained : checkLimit("maxRetained", limits.maxRetained),
  };
}

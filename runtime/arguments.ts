// Checks of the public API's non-input arguments (session ids, bindings, fences, options, op specs)
// against the spec's own types, for callers in plain JavaScript or data from the wire: a bad value
// gets InvalidArgumentError before anything is touched, never a TypeError from deep inside.

import type { TriggerDesc, TypeDesc } from "../kernel/index.js";
import { opsLifecycleKernel } from "../generated/ops.machine.js";
import { sessionRuntimeKernel } from "../generated/session.machine.js";
import { InvalidArgumentError } from "./errors.js";

function triggerField(kernel: { readonly triggers: readonly TriggerDesc[] }, trigger: string, field: string): TypeDesc {
  const t = kernel.triggers.find((x) => x.name === trigger)?.fields.find((f) => f.name === field)?.type;
  if (t === undefined) throw new Error(`the generated kernel has no ${trigger}.${field}`);
  return t;
}

function intRange(t: TypeDesc): { readonly min: number; readonly max: number } {
  const inner = t.kind === "option" ? t.of : t;
  if (inner.kind !== "int") throw new Error(`expected an int type, got ${inner.kind}`);
  return { min: inner.min, max: inner.max };
}

// Read once from the generated kernels: the spec, not this file, says what a fence may be.
const FENCE = intRange(triggerField(sessionRuntimeKernel, "PrepareBindings", "fence"));
const GENERATION = intRange(triggerField(sessionRuntimeKernel, "PrepareBindings", "generation"));
const OP_KINDS: ReadonlySet<string> = (() => {
  const t = triggerField(opsLifecycleKernel, "RegisterOp", "opKind");
  return new Set(t.kind === "enum" ? t.values : []);
})();

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "an array" : typeof value;
}

export function checkSessionId(sessionId: unknown, operation: string): asserts sessionId is string {
  if (typeof sessionId !== "string" || sessionId === "") {
    throw new InvalidArgumentError(typeof sessionId === "string" ? sessionId : "", operation, "sessionId", `must be a non-empty string, got ${describe(sessionId)}`);
  }
}

function checkInt(sessionId: string, operation: string, argument: string, value: unknown, range: { min: number; max: number }): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InvalidArgumentError(sessionId, operation, argument, `must be an integer in ${range.min}..${range.max}, got ${describe(value)}`);
  }
}

export function checkBinding(sessionId: string, value: unknown): void {
  if (typeof value !== "object" || value === null) throw new InvalidArgumentError(sessionId, "prepareBindings", "binding", `must be an object, got ${describe(value)}`);
  const b = value as Record<string, unknown>;
  if (typeof b["runtimeId"] !== "string" || b["runtimeId"] === "") throw new InvalidArgumentError(sessionId, "prepareBindings", "binding.runtimeId", `must be a non-empty string, got ${describe(b["runtimeId"])}`);
  checkInt(sessionId, "prepareBindings", "binding.fence", b["fence"], FENCE);
  checkInt(sessionId, "prepareBindings", "binding.generation", b["generation"], GENERATION);
}

/** `{ fence? }` options of retire and destroy. */
export function checkFenceOptions(sessionId: string, operation: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null) throw new InvalidArgumentError(sessionId, operation, "options", `must be an object, got ${describe(value)}`);
  const fence = (value as Record<string, unknown>)["fence"];
  if (fence !== undefined) checkInt(sessionId, operation, "options.fence", fence, FENCE);
}

export function checkRunId(sessionId: string, operation: string, runId: unknown): void {
  if (runId !== undefined && (typeof runId !== "string" || runId === "")) throw new InvalidArgumentError(sessionId, operation, "runId", `must be a non-empty string when given, got ${describe(runId)}`);
}

export function checkStringList(sessionId: string, operation: string, argument: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new InvalidArgumentError(sessionId, operation, argument, `must be an array of strings, got ${describe(value)}`);
}

export function checkNonEmptyString(sessionId: string, operation: string, argument: string, value: unknown): void {
  if (typeof value !== "string" || value === "") throw new InvalidArgumentError(sessionId, operation, argument, `must be a non-empty string, got ${describe(value)}`);
}

export function checkOpId(sessionId: string, operation: string, opId: unknown): void {
  checkNonEmptyString(sessionId, operation, "opId", opId);
}

export function checkOpSpec(sessionId: string, value: unknown): void {
  if (typeof value !== "object" || value === null) throw new InvalidArgumentError(sessionId, "ops.register", "spec", `must be an object, got ${describe(value)}`);
  const o = value as Record<string, unknown>;
  checkOpId(sessionId, "ops.register", o["id"]);
  if (typeof o["kind"] !== "string" || !OP_KINDS.has(o["kind"])) throw new InvalidArgumentError(sessionId, "ops.register", "spec.kind", `must be one of ${[...OP_KINDS].join(", ")}, got ${describe(o["kind"])}`);
  if (o["displayName"] !== undefined && typeof o["displayName"] !== "string") throw new InvalidArgumentError(sessionId, "ops.register", "spec.displayName", `must be a string when given, got ${describe(o["displayName"])}`);
}

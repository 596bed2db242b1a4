// Admission (upstream §3.2, §3.4, §3.5, §4): shape, phase, the policy spec's semantic rejections,
// idempotency dedup, policy, then the machine's AcceptInput / AcceptConsumed (and SupersedeInput /
// CoalesceInput for a queued input of the same scope). Runs under the session mutex. Every admission
// fact (rejections, default handling mode, drives-the-loop, boundary, execution kind, apply intent,
// the silent-intent and no-wake overrides, enqueue-at-front) is generated from spec/default.policy.json.

import {
  admissionRejection,
  applyIntentOf,
  boundaryOf,
  effectiveHandlingMode,
  executionKindOf,
  policyRejection,
  silentIntentDecision,
  silentIntentOf,
  withoutWakeDecision,
} from "../generated/default.policy.js";
import type { SessionRuntimeTrigger } from "../generated/session.machine.js";
import type { CompletionOutcome } from "./completion.js";
import type { Core } from "./core.js";
import {
  DuplicateInputError,
  NotReadyError,
  NotRegisteredError,
  QueueFullError,
  SessionDestroyedError,
  type RejectReason,
} from "./errors.js";
import type { Input, InputId } from "./input.js";
import type { InputRecord } from "./ledger.js";
import type { PolicyDecision } from "./policy.js";
import { visiblePhase, type SessionEntry } from "./session.js";
import { transact, type SessionRefusal, type TransactResult } from "./transact.js";

/**
 * plain / completion (also wait for the outcome) / withoutWake (the spec's withoutWake override);
 * andRun: acceptInputAndRun, which opens a run for the input at once (so no wake, and an input
 * consumed on accept is refused because it never runs).
 */
export type AcceptMode = "plain" | "completion" | "withoutWake" | "andRun";

export type AcceptResult =
  | {
      readonly outcome: "Accepted";
      readonly inputId: InputId;
      readonly decision: PolicyDecision;
      /** Absent when the input was terminal at admission (consumed on accept) or not requested. */
      readonly completion?: Promise<CompletionOutcome>;
    }
  | {
      readonly outcome: "Deduplicated";
      readonly inputId: InputId;
      readonly existingId: InputId;
      /** Joined to the live existing input; absent when it is already terminal. */
      readonly completion?: Promise<CompletionOutcome>;
    }
  | { readonly outcome: "Rejected"; readonly inputId: InputId; readonly reason: RejectReason; readonly completion?: undefined };

/** Throws a typed error unless the session's visible phase accepts input. Nothing is changed. */
export function assertAccepting(entry: SessionEntry, inputId: InputId, operation: string): void {
  const s = entry.state;
  if (s.phase === "Destroyed") throw new SessionDestroyedError(entry.id, inputId);
  if (!s.registered && s.phase !== "Initializing") throw new NotRegisteredError(entry.id, inputId);
  const phase = visiblePhase(s);
  if (phase !== "Idle" && phase !== "Attached" && phase !== "Running") throw new NotReadyError(entry.id, phase, operation, undefined, inputId);
  if (s.stopRequested) throw new NotReadyError(entry.id, phase, `${operation} (stop pending)`, undefined, inputId);
}

export interface Resolved {
  readonly decision: PolicyDecision;
}

/**
 * The policy decision for an input in the session's current phase, with the spec's overrides for a
 * silent intent and for an admission without a wake applied.
 */
export function resolveFor(core: Core, entry: SessionEntry, input: Input, mode: AcceptMode): Resolved | RejectReason {
  const s = entry.state;
  const idle = s.phase === "Idle" || s.phase === "Attached";
  const res = core.policy(input.kind, idle, effectiveHandlingMode(input));
  if (!res.ok) return policyRejection(input.kind, res.reason);
  let decision = res.decision;
  const intent = silentIntentOf(input);
  if (intent !== null && s.silentIntents && entry.silentIntentNames?.has(intent) === true) decision = silentIntentDecision(decision);
  else if (mode === "withoutWake") decision = withoutWakeDecision(decision);
  return { decision };
}

export function recordOf(input: Input, resolved: Resolved): InputRecord {
  return {
    input,
    kind: input.kind,
    decision: resolved.decision,
    drives: resolved.decision.drivesLoop,
    boundary: boundaryOf(resolved.decision.applyMode),
    executionKind: executionKindOf(input.kind),
    applyIntent: applyIntentOf(input.kind),
    acceptedAt: Date.now(),
  };
}

export type AdmitRefused = (refusal: SessionRefusal) => Error;

/**
 * Under the mutex: admits a validated input. Synchronous (a plain result, or a synchronous throw)
 * when nothing is persisted and no queued input of the same scope is replaced: the ephemeral hot
 * path takes no extra turn. A promise otherwise.
 */
export function admit(core: Core, entry: SessionEntry, input: Input, mode: AcceptMode, refused: AdmitRefused): AcceptResult | Promise<AcceptResult> {
  const id = input.header.id;
  assertAccepting(entry, id, "acceptInput");
  const rejection = admissionRejection(input);
  if (rejection !== null) return { outcome: "Rejected", inputId: id, reason: rejection };

  const key = input.header.idempotencyKey;
  if (key !== undefined) {
    entry.ledger.prune(Date.now(), core.limits.dedup);
    const seen = entry.ledger.lookupKey(key);
    if (seen.found) {
      core.bus.emit(entry.id, { type: "input.deduplicated", inputId: id, existingId: seen.inputId });
      // Joined only while the machine still tracks the owner: a waiter on an archived input would never settle.
      const completion = mode === "completion" && seen.live && entry.state.inputs.has(seen.inputId) ? entry.waiters.wait(seen.inputId) : undefined;
      return completion === undefined
        ? { outcome: "Deduplicated", inputId: id, existingId: seen.inputId }
        : { outcome: "Deduplicated", inputId: id, existingId: seen.inputId, completion };
    }
  }
  if (entry.state.inputs.has(id) || entry.ledger.get(id) !== undefined) throw new DuplicateInputError(entry.id, id);

  const resolved = resolveFor(core, entry, input, mode);
  if ("code" in resolved) return { outcome: "Rejected", inputId: id, reason: resolved };
  const { decision } = resolved;
  if (mode === "andRun" && decision.consumeOnAccept) {
    return { outcome: "Rejected", inputId: id, reason: policyRejection(input.kind, `${input.kind} inputs are consumed on accept and never run`) };
  }
  if (!decision.consumeOnAccept && entry.ledger.liveCount >= core.limits.maxLiveInputsPerSession) {
    throw new QueueFullError(entry.id, id, core.limits.maxLiveInputsPerSession);
  }

  entry.ledger.admit(id, recordOf(input, resolved));
  const trigger: SessionRuntimeTrigger = decision.consumeOnAccept
    ? { kind: "AcceptConsumed", input: id }
    : { kind: "AcceptInput", input: id, lane: decision.lane, admission: admissionClassFor(decision, mode), front: decision.enqueueFront };
  let pending;
  try {
    // Synchronous when nothing is persisted (an ephemeral runtime): no extra turn then.
    pending = transact(core, entry, trigger, mode === "withoutWake" || mode === "andRun" ? { noWake: true } : undefined);
  } catch (e) {
    entry.ledger.unadmit(id);
    throw e;
  }
  if (!(pending instanceof Promise)) return accepted(core, entry, input, decision, mode, refused, pending);
  return pending.then(
    (r) => accepted(core, entry, input, decision, mode, refused, r),
    (e: unknown) => {
      entry.ledger.unadmit(id);
      throw e;
    },
  );
}

/** After the machine's answer to the admission: the refusal thrown, or the accepted input's result. */
function accepted(
  core: Core,
  entry: SessionEntry,
  input: Input,
  decision: PolicyDecision,
  mode: AcceptMode,
  refused: AdmitRefused,
  result: TransactResult,
): AcceptResult | Promise<AcceptResult> {
  const id = input.header.id;
  if (!result.ok) {
    entry.ledger.unadmit(id);
    throw refused(result.refusal);
  }
  if (!decision.consumeOnAccept && replacesSameScope(input, decision)) return replaceSameScope(core, entry, input, decision).then(() => resultOf(entry, id, decision, mode));
  return resultOf(entry, id, decision, mode);
}

function resultOf(entry: SessionEntry, id: InputId, decision: PolicyDecision, mode: AcceptMode): AcceptResult {
  if (mode !== "completion" || entry.state.inputs.get(id) === undefined) return { outcome: "Accepted", inputId: id, decision };
  return { outcome: "Accepted", inputId: id, decision, completion: entry.waiters.wait(id) };
}

/**
 * The admission class the machine is given. acceptInputAndRun opens the run itself, from Idle, where
 * the machine refuses an interrupt-yielding admission (nothing to interrupt): it is admitted as a
 * wake instead, which the run then takes.
 */
function admissionClassFor(decision: PolicyDecision, mode: AcceptMode): PolicyDecision["admission"] {
  return mode === "andRun" && decision.admission === "InterruptYielding" ? "WakeIfIdle" : decision.admission;
}

/** Whether the input may replace a queued input of its scope (it has a supersession key and the mode). */
function replacesSameScope(input: Input, decision: PolicyDecision): boolean {
  return input.header.supersessionKey !== undefined && (decision.queueMode === "Supersede" || decision.queueMode === "Coalesce");
}

/** §3.5: a queued input of the same kind and supersession key, in either lane (as upstream), is superseded or coalesced. */
async function replaceSameScope(core: Core, entry: SessionEntry, input: Input, decision: PolicyDecision): Promise<void> {
  const key = input.header.supersessionKey;
  if (key === undefined || !replacesSameScope(input, decision)) return;
  const id = input.header.id;
  const s = entry.state;
  const sameScope = (other: InputId): boolean => {
    if (other === id) return false;
    const r = entry.ledger.get(other);
    return r !== undefined && r.kind === input.kind && r.input.header.supersessionKey === key;
  };
  const old = s.queue.find(sameScope) ?? s.steer.find(sameScope);
  if (old === undefined) return;
  const trigger: SessionRuntimeTrigger =
    decision.queueMode === "Supersede" ? { kind: "SupersedeInput", input: old, by: id } : { kind: "CoalesceInput", input: old, into: id };
  const replaced = await transact(core, entry, trigger);
  if (!replaced.ok) {
    core.bus.emit(entry.id, { type: "runtime.error", code: "ReplaceRefused", message: `${trigger.kind} ${old}: ${replaced.refusal.guard ?? replaced.refusal.reason}` });
  }
}

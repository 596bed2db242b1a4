// The one way the runtime changes lifecycle truth: stage the machine transition, perform the side
// effect (store writes, executor control), commit — or restore and report. After the commit the
// consequences are derived from the committed transition (runtime/derive.ts).

import type { InputId, RunId } from "./input.js";
import { TRIGGER_PERSISTENCE, transition, type SessionRuntimeState, type SessionRuntimeTrigger, type SessionRuntimeEffect, type SessionRuntimeGuardName, type SessionRuntimeTransitionName, type Phase } from "../generated/session.machine.js";
import type { Staged } from "../kernel/index.js";
import type { Core } from "./core.js";
import { afterCommit, isTerminalPhase, terminalOutcomeOf } from "./derive.js";
import { NO_CONTEXT, type SessionFired, type TransitionContext } from "./transition-context.js";
import { MachineInvariantViolatedError, SessionEvictedError, StoreFailedError, toMachineRefusal, type MachineRefusal } from "./errors.js";
import type { SessionEntry } from "./session.js";
import { persistedPhase, type BoundaryReceipt, type StoredInputRow } from "./store.js";

export { NO_CONTEXT } from "./transition-context.js";
export type { SessionFired, TransitionContext } from "./transition-context.js";

/** A session machine refusal, typed by the generated guard and phase unions (what refusalCode reads). */
export type SessionRefusal = MachineRefusal<SessionRuntimeGuardName, Phase>;

export type TransactResult =
  | { readonly ok: true; readonly fired: SessionFired; readonly receipt: BoundaryReceipt | null }
  | { readonly ok: false; readonly refusal: SessionRefusal };

export type SideEffect = (staged: SessionFired) => void | Promise<void>;

/**
 * Synchronous (no promise) when there is nothing to persist and no side effect, which is the hot
 * path of an ephemeral runtime; callers `await` the result either way.
 */
export function transact(
  core: Core,
  entry: SessionEntry,
  trigger: SessionRuntimeTrigger,
  ctx: TransitionContext = NO_CONTEXT,
  sideEffect?: SideEffect,
): TransactResult | Promise<TransactResult> {
  const machine = entry.machine;
  const before = machine.state;
  const persisting = core.store !== null && ctx.noPersist !== true && TRIGGER_PERSISTENCE[trigger.kind] === "persisted";
  if (!persisting && sideEffect === undefined) {
    // Nothing to do between computing and adopting the state: one step (no staged record).
    const fired = machine.apply(trigger);
    if (!fired.ok) return refusedOrThrow(entry, fired);
    afterCommit(core, entry, before, fired, ctx);
    return { ok: true, fired, receipt: null };
  }
  const staged = machine.stage(trigger);
  if (!staged.ok) return refusedOrThrow(entry, staged);
  return finishAsync(core, entry, trigger, ctx, sideEffect, before, staged, persisting);
}

function refusedOrThrow(entry: SessionEntry, r: Exclude<ReturnType<SessionEntry["machine"]["stage"]>, { readonly ok: true }>): TransactResult {
  if (r.code === "InvariantViolated") throw new MachineInvariantViolatedError(entry.id, r.transition, r.invariants);
  return { ok: false, refusal: toMachineRefusal(r) };
}

async function finishAsync(
  core: Core,
  entry: SessionEntry,
  trigger: SessionRuntimeTrigger,
  ctx: TransitionContext,
  sideEffect: SideEffect | undefined,
  before: SessionRuntimeState,
  staged: Staged<SessionRuntimeState, SessionRuntimeTransitionName, SessionRuntimeEffect>,
  persisting: boolean,
): Promise<TransactResult> {
  const machine = entry.machine;
  let receipt: BoundaryReceipt | null = null;
  try {
    if (persisting) receipt = await persist(core, entry, trigger, before, staged.fired.state);
    if (sideEffect !== undefined) await sideEffect(staged.fired);
  } catch (e) {
    machine.restore(staged);
    throw e;
  }
  const fired = machine.commit(staged);
  afterCommit(core, entry, before, fired, ctx);
  return { ok: true, fired, receipt };
}


/**
 * The store, for a write of this session: an evicted copy (another owner holds the session now)
 * gets SessionEvictedError instead, so it cannot write under whatever lease this process holds next.
 */
export function storeForWrite(core: Core, entry: SessionEntry, operation: string): NonNullable<Core["store"]> | null {
  if (core.store !== null && entry.evicted) throw new SessionEvictedError(entry.id, operation);
  return core.store;
}

async function persist(core: Core, entry: SessionEntry, trigger: SessionRuntimeTrigger, base: SessionRuntimeState, next: SessionRuntimeState): Promise<BoundaryReceipt | null> {
  if (core.store === null) return null;
  const now = Date.now();
  try {
    const store = storeForWrite(core, entry, trigger.kind) as NonNullable<Core["store"]>;
    switch (trigger.kind) {
      case "AcceptInput":
      case "AcceptConsumed": {
        const row = rowOf(entry, next, trigger.input, now, null);
        if (row !== null) await store.persistInputState(entry.id, row);
        return null;
      }
      case "PrepareBindings": {
        // Durable before the binding is acknowledged: after a restart an older fence stays refused.
        if (next.highestFence === base.highestFence && next.boundGeneration === base.boundGeneration && next.boundRuntime === base.boundRuntime) return null;
        if (next.highestFence !== null && next.boundRuntime !== null) await store.persistBinding(entry.id, { runtimeId: next.boundRuntime, fence: next.highestFence, generation: next.boundGeneration });
        return null;
      }
      case "BoundaryCommitted": {
        const rows = rowsOf(entry, next, next.staged, now, trigger.run);
        return await store.commitBoundary(entry.id, trigger.run, next.staged, rows);
      }
      default:
        await persistLifecycle(entry, store, base, next, now);
        return null;
    }
  } catch (e) {
    throw new StoreFailedError(entry.id, trigger.kind, e, "input" in trigger && typeof trigger.input === "string" ? trigger.input : undefined);
  }
}

/** One atomicLifecycleCommit of the coarse phase and every input row that changed from `base` to `next`. */
async function persistLifecycle(entry: SessionEntry, store: NonNullable<Core["store"]>, base: SessionRuntimeState, next: SessionRuntimeState, now: number): Promise<void> {
  const changed: InputId[] = [];
  for (const [id, phase] of next.inputs) if (base.inputs.get(id) !== phase) changed.push(id);
  const phase = persistedPhase(next.phase, next.runFrom);
  if (changed.length === 0 && phase === persistedPhase(base.phase, base.runFrom)) return;
  await store.atomicLifecycleCommit(entry.id, phase, rowsOf(entry, next, changed, now, base.currentRun));
}

/**
 * Several transitions as one unit: all are computed first (on the pure transition function), their
 * combined change is written in ONE store write, and only then is each committed in memory. A store
 * failure (StoreFailedError) leaves memory and store as they were; a refusal of any step returns it
 * and changes nothing. Multi-step unwinds use it so that no single failed write can leave half of
 * them durable (for example a failed run re-queued but its cancellation lost). A BoundaryCommitted
 * among the steps makes the write a commitBoundary (receipt, rows and phase together): a run's
 * boundary and its commit cost one write, not two.
 */
export async function transactAtomically(core: Core, entry: SessionEntry, triggers: readonly SessionRuntimeTrigger[], ctx: TransitionContext = NO_CONTEXT): Promise<MachineRefusal | null> {
  const base = entry.state;
  let next = base;
  // Each row records the run of the step that last changed it, as if the steps were written one by one.
  const runOf = new Map<InputId, RunId | null>();
  let boundary: { readonly run: RunId; readonly contributors: readonly InputId[] } | null = null;
  for (const t of triggers) {
    const r = transition(next, t);
    if (!r.ok) return toMachineRefusal(r);
    if (t.kind === "BoundaryCommitted") {
      if (boundary !== null) throw new Error("transactAtomically: at most one BoundaryCommitted per write");
      boundary = { run: t.run, contributors: r.state.staged };
    }
    for (const [id, phase] of r.state.inputs) if (next.inputs.get(id) !== phase) runOf.set(id, next.currentRun);
    next = r.state;
  }
  if (core.store !== null && ctx.noPersist !== true && triggers.length > 0) {
    try {
      const store = storeForWrite(core, entry, triggers.map((t) => t.kind).join("+")) as NonNullable<Core["store"]>;
      const phase = persistedPhase(next.phase, next.runFrom);
      const now = Date.now();
      if (boundary !== null || runOf.size > 0 || phase !== persistedPhase(base.phase, base.runFrom)) {
        const rows: StoredInputRow[] = [];
        for (const [id, run] of runOf) {
          const row = rowOf(entry, next, id, now, run);
          if (row !== null) rows.push(row);
        }
        if (boundary !== null) await store.commitBoundary(entry.id, boundary.run, boundary.contributors, rows, phase);
        else await store.atomicLifecycleCommit(entry.id, phase, rows);
      }
    } catch (e) {
      throw new StoreFailedError(entry.id, triggers.map((t) => t.kind).join("+"), e);
    }
  }
  const memoryOnly: TransitionContext = { ...ctx, noPersist: true };
  for (const t of triggers) {
    const pending = transact(core, entry, t, memoryOnly);
    const done = pending instanceof Promise ? await pending : pending;
    // Deterministic transitions over the same states: a refusal here is a bug, not a user error.
    if (!done.ok) throw new Error(`${t.kind} refused in ${done.refusal.phase} after its combined write: ${done.refusal.guard ?? done.refusal.reason}`);
  }
  return null;
}

export function rowsOf(entry: SessionEntry, s: SessionRuntimeState, ids: Iterable<InputId>, now: number, runId: RunId | null): StoredInputRow[] {
  const rows: StoredInputRow[] = [];
  for (const id of ids) {
    const row = rowOf(entry, s, id, now, runId);
    if (row !== null) rows.push(row);
  }
  return rows;
}

/** The persisted row of one input in state `s`; null for ephemeral inputs (never persisted). */
export function rowOf(entry: SessionEntry, s: SessionRuntimeState, id: InputId, now: number, runId: RunId | null): StoredInputRow | null {
  const record = entry.ledger.get(id);
  const phase = s.inputs.get(id);
  if (record === undefined || phase === undefined || record.input.header.durability === "Ephemeral") return null;
  return {
    inputId: id,
    kind: record.kind,
    durability: record.input.header.durability,
    phase,
    lane: s.laneOf.get(id) ?? null,
    attempts: s.attempts.get(id) ?? 0,
    lastRunId: runId ?? s.currentRun,
    terminal: isTerminalPhase(phase) ? terminalOutcomeOf(s, id, runId) : null,
    idempotencyKey: record.input.header.idempotencyKey ?? null,
    input: record.input,
    decision: record.decision,
    updatedAt: now,
  };
}

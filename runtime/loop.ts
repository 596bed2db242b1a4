// The per-session loop (upstream `runtime_loop.rs`): when woken, select a batch and ask the machine
// to open the run (OpenLoopRun: it accepts Attached, or Retired with work to drain), stage each
// contributor, call the executor outside the session mutex, then commit or fail. A batch that failed in this pass blocks the pass: it waits for the next wake (no spin).

import { selectBatch } from "./batch.js";
import type { Core } from "./core.js";
import { describeCause, RunCancelledError, SessionEvictedError, type MachineRefusal } from "./errors.js";
import type { ApplyContext, BoundaryVerdict, RunOutput, RunPrimitive } from "./executor.js";
import type { Input, InputId, RunId } from "./input.js";
import { RunHandle } from "./run-handle.js";
import { findStoreCorruption } from "./store-errors.js";
import type { SessionEntry } from "./session.js";
import { persistedPhase, type RuntimeStore } from "./store.js";
import { rowsOf, transact, transactAtomically, type TransactResult, type TransitionContext } from "./transact.js";
import type { SessionRuntimeTrigger } from "../generated/session.machine.js";

export interface RunPlan {
  readonly runId: RunId;
  readonly primitive: RunPrimitive;
  readonly handle: RunHandle;
}

export type RunOutcome =
  | { readonly ok: true; readonly output: RunOutput }
  | { readonly ok: false; readonly error: unknown; readonly cancelled: boolean };

/** Asks the loop to look for work. Must be called with the session mutex held or from a wake source. */
export function wake(core: Core, entry: SessionEntry): void {
  if (entry.pumping) {
    entry.rewake = true;
    return;
  }
  entry.pumping = true;
  entry.pumpDone = pump(core, entry);
}

/** The inputs a loop pass set aside: their batch failed in it, so they wait for the next wake (no spin). */
export interface BlockedInputs {
  has(id: InputId): boolean;
  add(id: InputId): void;
}

/**
 * One loop pass's state. Its two locked steps are functions made once per pass, reading the run
 * from the pass, so a run allocates no closure of its own; the blocked set is made on the first
 * failure only.
 */
class LoopPass implements BlockedInputs {
  #blocked: Set<InputId> | null = null;
  plan: RunPlan | null = null;
  outcome: RunOutcome | null = null;
  readonly planStep: () => RunPlan | null | Promise<RunPlan | null>;
  readonly finishStep: () => void | Promise<void>;

  constructor(core: Core, entry: SessionEntry) {
    this.planStep = () => planRunOrHalt(core, entry, this);
    this.finishStep = () => finishRun(core, entry, this.plan as RunPlan, this.outcome as RunOutcome, this);
  }

  has(id: InputId): boolean {
    return this.#blocked !== null && this.#blocked.has(id);
  }

  add(id: InputId): void {
    (this.#blocked ??= new Set()).add(id);
  }

  clear(): void {
    this.#blocked = null;
  }
}

/**
 * One loop pass. Planning and ending a run take the mutex with `runNow`: on a free session without a
 * store they complete synchronously, so a run costs the executor's own promise and nothing else.
 */
async function pump(core: Core, entry: SessionEntry): Promise<void> {
  const pass = new LoopPass(core, entry);
  for (;;) {
    const planning = entry.mutex.runNow(pass.planStep);
    const plan = planning instanceof Promise ? await planning : planning;
    if (plan === null) {
      entry.pumping = false;
      return;
    }
    pass.plan = plan;
    try {
      const output = await core.executor.apply(plan.runId, plan.primitive, applyContext(core, entry, plan.handle));
      pass.outcome = { ok: true, output: output ?? {} };
    } catch (error) {
      pass.outcome = { ok: false, error, cancelled: isCancel(plan.handle, error) };
    }
    // Ending a run releases the mutex before the next batch is chosen, so admissions waiting for
    // it (for example the waiters of this run submitting more work) can join that batch.
    // (The step may wait for the mutex: it reads the run from the pass, so the pass keeps it until then.)
    const ending = entry.mutex.runNow(pass.finishStep);
    if (ending instanceof Promise) await ending;
  }
}

/** Under the mutex: plans the pass's next run, halting the session if planning throws or rejects (see `haltOnRejection`). */
function planRunOrHalt(core: Core, entry: SessionEntry, pass: LoopPass): RunPlan | null | Promise<RunPlan | null> {
  let r: RunPlan | null | Promise<RunPlan | null>;
  try {
    r = planRun(core, entry, pass);
  } catch (e) {
    return halted(core, entry, e, "planning a run", null, null);
  }
  return r instanceof Promise ? haltOnRejection(core, entry, r, "planning a run", null, null) : r;
}

/**
 * The unwinding of every locked step of the loop (planning, ending a run): if the step throws or
 * rejects (a store write failed, or anything else), the session is halted instead of being left
 * half-way (see `halt`) and `fallback` returned. A step that completed synchronously stays so.
 * `runId`, if any, is named after `during` in the halt message.
 */
function haltOnRejection<T>(core: Core, entry: SessionEntry, r: Promise<T>, during: string, runId: RunId | null, fallback: T): Promise<T> {
  return r.catch((e: unknown) => halted(core, entry, e, during, runId, fallback));
}

async function halted<T>(core: Core, entry: SessionEntry, cause: unknown, during: string, runId: RunId | null, fallback: T): Promise<T> {
  await halt(core, entry, cause, runId === null ? during : `${during} ${runId}`);
  return fallback;
}

/**
 * The last resort of every unwind (under the mutex): a step that could not be recorded stops the
 * session rather than leaving it Running or Attached with waiters nobody will settle. The machine
 * goes to Stopped (StopRuntimeExecutor, then RuntimeExecutorExited: committed-boundary inputs
 * consumed, every other live input Abandoned(Stopped), so every waiter settles), recorded in one
 * store write; if the store refuses that too, in memory only: the store then keeps the rows it last
 * accepted and a later runtime recovers from them (at least once). `runtime.error` SessionHalted says why.
 */
export async function halt(core: Core, entry: SessionEntry, cause: unknown, during: string): Promise<void> {
  core.bus.emit(entry.id, { type: "runtime.error", code: "SessionHalted", message: `${during}: ${describeCause(cause)}; the session is stopped` });
  // A damaged store file refuses every later write (the store latched): say so by its own code.
  const corruption = findStoreCorruption(cause);
  if (corruption !== null) core.bus.emit(entry.id, { type: "runtime.error", code: "StoreCorrupted", message: corruption.message });
  const s = entry.state;
  if (s.phase === "Stopped" || s.phase === "Destroyed") {
    entry.resolveStopWaiters();
    return;
  }
  entry.activeRun?.interrupt("session halted");
  entry.activeRun = null;
  const withLoop = s.phase === "Attached" || s.phase === "Running";
  const triggers: SessionRuntimeTrigger[] = withLoop
    ? [...(s.stopRequested ? [] : [{ kind: "StopRuntimeExecutor" } as const]), { kind: "RuntimeExecutorExited" }]
    : [{ kind: "StopRuntimeExecutor" }];
  if (withLoop) await stopExecutor(core, entry);
  let refusal;
  try {
    refusal = await transactAtomically(core, entry, triggers);
  } catch (e) {
    core.bus.emit(entry.id, { type: "runtime.error", code: "StoreFailed", message: `recording the halt: ${describeCause(e)} (stopped in memory only)` });
    refusal = await transactAtomically(core, entry, triggers, { noPersist: true });
  }
  if (refusal !== null) core.bus.emit(entry.id, { type: "runtime.error", code: "HaltRefused", message: `${refusal.trigger} in ${refusal.phase}: ${refusal.guard ?? refusal.reason}` });
}

async function stopExecutor(core: Core, entry: SessionEntry): Promise<void> {
  try {
    await core.executor.stop?.(entry.id);
  } catch (e) {
    core.bus.emit(entry.id, { type: "runtime.error", code: "ExecutorStopFailed", message: describeCause(e) });
  }
}

/** Under the mutex. Returns null (and ends the pass) when nothing may run. Synchronous without a store. */
function planRun(core: Core, entry: SessionEntry, pass: LoopPass): RunPlan | null | Promise<RunPlan | null> {
  if (core.isClosed() || entry.evicted) {
    entry.pumping = false;
    return null;
  }
  if (entry.state.stopRequested) return terminalizeStop(core, entry).then(() => endPass(entry));
  if (entry.rewake) {
    entry.rewake = false;
    pass.clear();
  }
  const s = entry.state;
  const batch = selectBatch(s, entry.ledger, pass);
  if (batch === null) {
    entry.pumping = false;
    core.afterQuiescence(entry);
    return null;
  }
  // The machine says where a loop run may start (OpenLoopRun: Attached, or Retired draining its
  // queue); anywhere else it refuses and the pass ends. Not persisted (so nothing is written on a
  // refusal, and it commits synchronously).
  const runId = entry.nextRunId();
  if (!transactNow(core, entry, { kind: "OpenLoopRun", run: runId }).ok) return endPass(entry);
  return stageBatch(core, entry, runId, batch.ids, batch.boundary, batch.executionKind);
}

/** The pass ends: nothing (more) may run now. */
function endPass(entry: SessionEntry): null {
  entry.pumping = false;
  return null;
}

/**
 * Stages the contributors of an opened run; on a refusal unwinds the run and returns null.
 * Synchronous without a store: StageInput is not persisted (the staged rows are written by
 * persistStaging, only when there is a store).
 */
export function stageBatch(
  core: Core,
  entry: SessionEntry,
  runId: RunId,
  ids: readonly InputId[],
  boundary: RunPrimitive["boundary"],
  executionKind: RunPrimitive["executionKind"],
): RunPlan | null | Promise<RunPlan | null> {
  const inputs: Input[] = [];
  for (let i = 0; i < ids.length; i++) {
    const staging = transactNow(core, entry, { kind: "StageInput", input: ids[i] as InputId, run: runId });
    if (!staging.ok) return unwindStaging(core, entry, runId, ids[i] as InputId, staging.refusal);
    const record = entry.ledger.get(ids[i] as InputId);
    if (record !== undefined) inputs.push(record.input);
  }
  if (core.store === null) return openedPlan(entry, runId, inputs, boundary, executionKind);
  return persistStaging(core, entry, core.store, runId).then((ok) => (ok ? openedPlan(entry, runId, inputs, boundary, executionKind) : endPass(entry)));
}

/** A contributor's staging was refused: the run is unwound (failed, or rolled back if nothing was staged). */
async function unwindStaging(core: Core, entry: SessionEntry, runId: RunId, id: InputId, refusal: MachineRefusal): Promise<null> {
  const unwind: TransitionContext = { runError: `staging ${id} refused: ${refusal.guard ?? refusal.reason}` };
  if (entry.state.staged.length > 0) await transact(core, entry, { kind: "Fail", run: runId, abandon: false }, unwind);
  else await transact(core, entry, { kind: "RollbackRun", run: runId }, unwind);
  return endPass(entry);
}

function openedPlan(entry: SessionEntry, runId: RunId, inputs: Input[], boundary: RunPrimitive["boundary"], executionKind: RunPrimitive["executionKind"]): RunPlan {
  const handle = new RunHandle(runId);
  entry.activeRun = handle;
  const contributors = [...entry.state.staged];
  return { runId, handle, primitive: { sessionId: entry.id, runId, contributors, inputs, boundary, executionKind } };
}

/**
 * Stores the staged rows (their attempts included) before the executor runs, so an input that
 * crashes the process every time it runs is abandoned after its third attempt instead of looping
 * through restarts forever. On a store failure the run fails in memory only (the inputs go back to
 * their lanes) and the pass ends.
 */
async function persistStaging(core: Core, entry: SessionEntry, store: RuntimeStore, runId: RunId): Promise<boolean> {
  const s = entry.state;
  const rows = rowsOf(entry, s, s.staged, Date.now(), runId);
  if (rows.length === 0) return true;
  try {
    if (entry.evicted) throw new SessionEvictedError(entry.id, "staging");
    await store.atomicLifecycleCommit(entry.id, persistedPhase(s.phase, s.runFrom), rows);
    return true;
  } catch (e) {
    core.bus.emit(entry.id, { type: "runtime.error", code: "StoreFailed", message: `staging run ${runId}: ${describeCause(e)}` });
    await transact(core, entry, { kind: "Fail", run: runId, abandon: false }, { runError: `store failed while staging: ${describeCause(e)}`, noPersist: true });
    return false;
  }
}

export async function execute(core: Core, entry: SessionEntry, plan: RunPlan): Promise<RunOutcome> {
  const ctx = applyContext(core, entry, plan.handle);
  try {
    const output = await core.executor.apply(plan.runId, plan.primitive, ctx);
    return { ok: true, output: output ?? {} };
  } catch (error) {
    return { ok: false, error, cancelled: isCancel(plan.handle, error) };
  }
}

export function isCancel(handle: RunHandle, error: unknown): boolean {
  return handle.interruptReason !== null || error instanceof RunCancelledError;
}

export function applyContext(core: Core, entry: SessionEntry, handle: RunHandle): ApplyContext {
  return new RunContext(core, entry, handle);
}

/** The executor's view of its run; one object per run, no closures. */
class RunContext implements ApplyContext {
  constructor(
    readonly core: Core,
    readonly entry: SessionEntry,
    readonly handle: RunHandle,
  ) {}
  get sessionId(): string {
    return this.entry.id;
  }
  get runId(): RunId {
    return this.handle.runId;
  }
  get signal(): AbortSignal {
    return this.handle.signal;
  }
  get cancelAfterBoundaryRequested(): boolean {
    return this.handle.cancelRequested;
  }
  onCancelAfterBoundary(listener: () => void): () => void {
    return this.handle.onCancelAfterBoundary(listener);
  }
  reportBoundary(): Promise<BoundaryVerdict> {
    return this.entry.mutex.run(() => commitBoundary(this.core, this.entry, this.handle));
  }
}

/** Under the mutex: the first boundary marks the batch applied and commits it; later ones add receipts. */
async function commitBoundary(core: Core, entry: SessionEntry, handle: RunHandle): Promise<BoundaryVerdict> {
  if (handle.settled || entry.state.currentRun !== handle.runId) throw new RunCancelledError("the run is no longer current");
  const first = entry.state.staged[0];
  if (first !== undefined && entry.state.inputs.get(first) === "Staged") await mustApply(core, entry, { kind: "MarkApplied", run: handle.runId });
  const committed = await transact(core, entry, { kind: "BoundaryCommitted", run: handle.runId });
  if (!committed.ok) throw new RunCancelledError(`boundary refused: ${committed.refusal.guard ?? committed.refusal.reason}`);
  const sequence = handle.nextBoundarySequence();
  return { cancelRequested: handle.cancelRequested, sequence: committed.receipt?.sequence ?? sequence };
}

/** Synchronous (undefined) when the transition is; a promise otherwise. */
function mustApply(core: Core, entry: SessionEntry, trigger: Parameters<typeof transact>[2], ctx?: TransitionContext): Promise<void> | undefined {
  const r = transact(core, entry, trigger, ctx);
  if (r instanceof Promise) return r.then((x) => refusedUnlessOk(trigger, x));
  refusedUnlessOk(trigger, r);
  return undefined;
}

function refusedUnlessOk(trigger: Parameters<typeof transact>[2], r: Awaited<ReturnType<typeof transact>>): void {
  if (!r.ok) throw new Error(`${trigger.kind} refused in ${r.refusal.phase}: ${r.refusal.guard ?? r.refusal.reason}`);
}

/**
 * Under the mutex: ends the run with its outcome. Success commits (boundary first if the executor did
 * not report one). Failure before the boundary fails the run (the machine re-queues or abandons;
 * a cancelled run's contributors it abandons, Cancelled, on the Fail's `abandon`). Failure after the boundary
 * also fails the run, and the machine consumes the contributors since their work is durable.
 * `blocked` collects re-queued inputs of this loop pass.
 */
export function finishRun(
  core: Core,
  entry: SessionEntry,
  plan: RunPlan,
  outcome: RunOutcome,
  blocked: BlockedInputs | null,
  abandonOnFailure = false,
): void | Promise<void> {
  plan.handle.settled = true;
  if (entry.activeRun === plan.handle) entry.activeRun = null;
  // Halts the session if ending the run throws or rejects (see `haltOnRejection`).
  let r: void | Promise<void>;
  try {
    r = endRun(core, entry, plan, outcome, blocked, abandonOnFailure);
  } catch (e) {
    return halted(core, entry, e, "ending run", plan.runId, undefined);
  }
  return r instanceof Promise ? haltOnRejection(core, entry, r, "ending run", plan.runId, undefined) : r;
}

/** Synchronous for a successful run without a store (commitInMemory); a promise on every other path. */
function endRun(core: Core, entry: SessionEntry, plan: RunPlan, outcome: RunOutcome, blocked: BlockedInputs | null, abandonOnFailure: boolean): void | Promise<void> {
  if (outcome.ok && core.store === null && entry.state.currentRun === plan.runId) {
    const s = entry.state;
    const committed = commitInMemory(core, entry, plan.runId, { runOutput: outcome.output }, s.staged.every((id) => s.inputs.get(id) === "AppliedPendingConsumption"));
    if (committed) return entry.state.stopRequested ? terminalizeStop(core, entry) : undefined;
  }
  return endRunAsync(core, entry, plan, outcome, blocked, abandonOnFailure);
}

async function endRunAsync(core: Core, entry: SessionEntry, plan: RunPlan, outcome: RunOutcome, blocked: BlockedInputs | null, abandonOnFailure: boolean): Promise<void> {
  const runId = plan.runId;
  if (entry.state.currentRun !== runId) {
    // The run was ended from outside (destroy); nothing of it is left to commit.
    if (entry.state.stopRequested) await terminalizeStop(core, entry);
    return;
  }
  const boundaryCommitted = entry.state.staged.every((id) => entry.state.inputs.get(id) === "AppliedPendingConsumption");
  if (outcome.ok) {
    await commitRun(core, entry, runId, { runOutput: outcome.output }, boundaryCommitted, blocked);
  } else if (boundaryCommitted) {
    // Failed after its boundary: the machine consumes the contributors (their work is durable).
    const error = describeCause(outcome.error);
    await mustApply(core, entry, { kind: "Fail", run: runId, abandon: outcome.cancelled || abandonOnFailure }, outcome.cancelled ? { runCancelled: plan.handle.interruptReason ?? error } : { runError: error });
  } else {
    await failRun(core, entry, plan, outcome, blocked, abandonOnFailure);
  }
  if (entry.state.stopRequested) await terminalizeStop(core, entry);
}

/**
 * commitRun's steps without a store, synchronously: MarkApplied (if still staged), the boundary,
 * the commit. Returns false, having changed nothing further, when the boundary is refused or
 * throws: commitRun then takes over from that point (the same deterministic transition refuses
 * again, and it unwinds the run as it does for a failed boundary).
 */
function commitInMemory(core: Core, entry: SessionEntry, runId: RunId, ctx: TransitionContext, boundaryCommitted: boolean): boolean {
  if (!boundaryCommitted) {
    const s = entry.state;
    if (s.staged.some((id) => s.inputs.get(id) === "Staged")) refusedUnlessOk({ kind: "MarkApplied", run: runId }, transactNow(core, entry, { kind: "MarkApplied", run: runId }));
    let boundary: TransactResult;
    try {
      boundary = transactNow(core, entry, { kind: "BoundaryCommitted", run: runId });
    } catch {
      return false;
    }
    if (!boundary.ok) return false;
  }
  refusedUnlessOk({ kind: "Commit", run: runId }, transactNow(core, entry, { kind: "Commit", run: runId }, ctx));
  return true;
}

/**
 * transact where nothing is persisted and there is no side effect (no store, or a transient
 * trigger such as OpenLoopRun and StageInput), which transact commits synchronously.
 */
function transactNow(core: Core, entry: SessionEntry, trigger: SessionRuntimeTrigger, ctx?: TransitionContext): TransactResult {
  const r = transact(core, entry, trigger, ctx);
  if (r instanceof Promise) throw new Error(`${trigger.kind}: a transition without a store or side effect did not commit synchronously`);
  return r;
}

async function commitRun(
  core: Core,
  entry: SessionEntry,
  runId: RunId,
  ctx: TransitionContext,
  boundaryCommitted: boolean,
  blocked: BlockedInputs | null,
): Promise<void> {
  if (!boundaryCommitted) {
    if (entry.state.staged.some((id) => entry.state.inputs.get(id) === "Staged")) {
      const marking = mustApply(core, entry, { kind: "MarkApplied", run: runId });
      if (marking !== undefined) await marking;
    }
    try {
      if (core.store !== null) {
        // The boundary and the commit in one write: the receipt, the Consumed rows and the phase.
        // (Without a store there is nothing to combine, and the two steps stay synchronous.)
        const refusal = await transactAtomically(core, entry, [{ kind: "BoundaryCommitted", run: runId }, { kind: "Commit", run: runId }], ctx);
        if (refusal === null) return;
      }
      // No store, or the commit alone refused (not the boundary): the boundary now, the commit below.
      const committing = mustApply(core, entry, { kind: "BoundaryCommitted", run: runId });
      if (committing !== undefined) await committing;
    } catch (e) {
      // The boundary could not be made durable: unwind the run; its inputs go back to their lane
      // and wait for the next wake. (If that write fails too, the session halts.)
      const contributors = [...entry.state.staged];
      await mustApply(core, entry, { kind: "Fail", run: runId, abandon: false }, { runError: `boundary commit failed: ${describeCause(e)}` });
      let retry = 0;
      for (const id of contributors) {
        if (entry.state.inputs.get(id) !== "Queued") continue;
        blocked?.add(id);
        retry = Math.max(retry, entry.state.attempts.get(id) ?? 1);
      }
      // As after a failed run: wake again after a backoff, so the retry does not wait for another input.
      if (retry > 0) scheduleRetry(core, entry, retry);
      return;
    }
  }
  // A failed lifecycle commit halts the session: the boundary is durable, so the work is not lost
  // (upstream: the loop stops). The halt is not a machine transition of its own, on purpose: it is
  // the runtime's reaction to a store write that failed, the same for every step of the loop
  // (planning, staging, ending a run; see `haltOnRejection`), and the machine never sees the store (a
  // refused write leaves it in its pre-transition state). What the halt does to the lifecycle is
  // the machine's: it sends StopRuntimeExecutor and RuntimeExecutorExited, whose transitions decide
  // the Stopped phase and every input's outcome (boundary-committed consumed, the rest Abandoned(Stopped)).
  const committing = mustApply(core, entry, { kind: "Commit", run: runId }, ctx);
  if (committing !== undefined) await committing;
}

/**
 * Fails the run. Whether its contributors go back to their lane or are abandoned (Cancelled) is the
 * machine's decision, on the `abandon` flag: a cancelled run's (or acceptInputAndRun's) contributors
 * are abandoned by the Fail itself (AbandonRunTo*), in its one store write, so a failed write never
 * leaves them durable as Queued, to run again.
 */
async function failRun(
  core: Core,
  entry: SessionEntry,
  plan: RunPlan,
  outcome: RunOutcome & { ok: false },
  blocked: BlockedInputs | null,
  abandonOnFailure: boolean,
): Promise<void> {
  const error = describeCause(outcome.error);
  const ctx: TransitionContext = outcome.cancelled ? { runCancelled: plan.handle.interruptReason ?? error } : { runError: error };
  const contributors = [...entry.state.staged];
  await mustApply(core, entry, { kind: "Fail", run: plan.runId, abandon: outcome.cancelled || abandonOnFailure }, ctx);
  let retry = 0;
  for (const id of contributors) {
    if (entry.state.inputs.get(id) !== "Queued") continue;
    blocked?.add(id);
    retry = Math.max(retry, entry.state.attempts.get(id) ?? 1);
  }
  if (retry > 0) scheduleRetry(core, entry, retry);
}

/**
 * A failed batch blocks the rest of its pass (no hot spin); this wakes the loop again after a
 * backoff so the retry does not depend on some other input arriving. The timer does not keep the
 * process alive: the inputs are stored, and a later process recovers them.
 */
function scheduleRetry(core: Core, entry: SessionEntry, attemptsUsed: number): void {
  const base = core.limits.retryBackoffMs;
  if (base <= 0) return;
  const timer = setTimeout(() => void entry.mutex.run(() => core.wake(entry)), base * 2 ** Math.max(0, attemptsUsed - 1));
  timer.unref?.();
}

/**
 * The single place an asynchronous stop completes (under the mutex): once no run is in flight, the
 * executor is told to stop and the machine records its exit (every live input abandoned: Stopped).
 * If the store refuses to record it, the exit is committed in memory only (and reported): the stop
 * still settles, and a later runtime recovers from the rows the store last accepted.
 */
export async function terminalizeStop(core: Core, entry: SessionEntry): Promise<void> {
  if (!entry.state.stopRequested || entry.state.phase === "Running") return;
  await stopExecutor(core, entry);
  let exited;
  try {
    exited = await transact(core, entry, { kind: "RuntimeExecutorExited" });
  } catch (e) {
    core.bus.emit(entry.id, { type: "runtime.error", code: "StoreFailed", message: `recording the stop: ${describeCause(e)} (stopped in memory only)` });
    exited = await transact(core, entry, { kind: "RuntimeExecutorExited" }, { noPersist: true });
  }
  if (!exited.ok) core.bus.emit(entry.id, { type: "runtime.error", code: "ExitRefused", message: exited.refusal.reason });
}

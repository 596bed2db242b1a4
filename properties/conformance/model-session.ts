// The reference model of one session: the generated session kernel's `transition` driven with the
// triggers the runtime must fire, plus what the kernel does not hold — admission facts of live
// inputs (kind, whether it drives the loop, boundary), idempotency keys, completion waiters, the loop
// (pumping, re-wake, inputs blocked after a failure), the run handles, stop waiters and recovery from
// the store model. The runtime's session mutex is a FIFO job queue, so consequences happen in the
// same order as in the runtime (a wake queues a loop pass behind the operation that caused it, an
// executor settling queues the end of its run, …).
//
// Written from spec/session.machine.json and runtime/README.md; it imports no runtime mechanics:
// the admission facts (rejections, handling mode, drives-the-loop, boundary, execution kind, apply
// intent, overrides) and the input phases are the generated ones.

import {
  admissionRejection,
  applyIntentOf,
  boundaryOf,
  drivesLoopOf,
  effectiveHandlingMode,
  executionKindOf,
  policyRejection,
  silentIntentDecision,
  silentIntentOf,
  withoutWakeDecision,
} from "../../generated/default.policy.js";
import {
  sessionRuntimeKernel,
  TERMINAL_INPUT_PHASES as TERMINAL,
  transition as kernelTransition,
  initialState,
  refusalCode,
  type AbandonReason,
  type Phase,
  type SessionRuntimeEffect,
  type SessionRuntimeGuardName,
  type SessionRuntimeState,
  type SessionRuntimeTrigger,
} from "../../generated/session.machine.js";
import { MAX_BATCH } from "../../runtime/batch.js";
import type { CompletionOutcome, Input, JsonValue, PolicyDecision, PolicyResolver } from "../../runtime/index.js";
import type { OpsModel, OpsSnapshotModel } from "./model-ops.js";
import type { AcceptMode, FenceChoice, HookCounters, RunTarget } from "./steps.js";
import { storedPhaseOf, type StoredRow, type StoredSession, type StoreImage } from "./store-model.js";

/**
 * What a session model needs of the runtime-wide model (ReferenceModel in model.ts implements it):
 * declared here so this file does not import model.ts, which imports this one.
 */
export interface SessionModelHost {
  readonly calls: CallModel[];
  readonly counters: HookCounters;
  readonly abortMode: "reject" | "ignore";
  readonly closed: boolean;
  readonly detached: boolean;
  readonly policy: PolicyResolver;
  /** What the store held at the last restart (null: the runtime has no store). */
  readonly store: StoreImage | null;
  nextEpoch(): number;
  nextDetachedId(): string;
  resolveHandle(h: number, value: unknown): void;
  rejectHandle(h: number, code: string): void;
  resolveWaiter(w: number, outcome: CompletionOutcome): void;
  settleCall(call: CallModel, outcome: RunOutcome): void;
}

/** Admission facts of a live input (the runtime keeps them in its ledger); whether it drives the loop is judged again at recovery. */
interface Rec {
  readonly input: Input;
  readonly decision: PolicyDecision;
  readonly drives: boolean;
}

/** What a batch member shares with the batch's head (runtime/batch.ts): execution kind, apply intent and, in the steer lane, the boundary. */
function shapeOf(r: Rec, steering: boolean): string {
  return `${executionKindOf(r.input.kind)}/${applyIntentOf(r.input.kind)}${steering ? `/${boundaryOf(r.decision.applyMode)}` : ""}`;
}

/** The live handle of a run (cancel flag, interrupt reason, boundaries reported). */
export interface RunModel {
  readonly runId: string;
  readonly kind: "loop" | "andRun";
  readonly contributors: readonly string[];
  /** The step handle of acceptInputAndRun. */
  readonly andRunHandle: number | null;
  cancelRequested: boolean;
  interruptReason: string | null;
  settled: boolean;
  boundaries: number;
}

/** One executor call in flight (the executor's apply, or acceptInputAndRun's op). */
export interface CallModel {
  readonly session: string;
  readonly run: RunModel;
}

/**
 * How an executor call settled. `thrown` classifies the rejection as the caller of
 * acceptInputAndRun sees it: "RunCancelled" or "executor:<message>".
 */
export type RunOutcome =
  | { readonly ok: true; readonly output: RunOutputLike; readonly value?: unknown }
  | { readonly ok: false; readonly message: string; readonly cancelled: boolean; readonly thrown: string };
interface RunOutputLike {
  readonly result?: JsonValue;
  readonly callbackPending?: { readonly toolName: string; readonly args: JsonValue };
}

interface Ctx {
  readonly runOutput?: RunOutputLike;
  readonly runError?: string;
  readonly noWake?: boolean;
  readonly controlDelivered?: boolean;
}

type Fired = { readonly ok: true } | { readonly ok: false; readonly phase: Phase; readonly guard: SessionRuntimeGuardName | null };

type Admitted =
  | { readonly outcome: "Accepted"; readonly inputId: string; readonly completion: boolean }
  | { readonly outcome: "Deduplicated"; readonly inputId: string; readonly existingId: string; readonly completion: boolean }
  | { readonly outcome: "Rejected"; readonly inputId: string; readonly reason: string; readonly completion: false };

/** A mismatch between the model and itself: the model is wrong (never the runtime). */
export class ModelError extends Error {}

const TERMINATION: Readonly<Record<AbandonReason, string | null>> = {
  Retired: "retired without runtime loop",
  Reset: "runtime reset",
  Stopped: "runtime stopped",
  Destroyed: "runtime destroyed",
  Cancelled: null,
  MaxAttemptsExhausted: null,
};

/** The model of one session. */
export class SessionModel {
  state: SessionRuntimeState = initialState();
  readonly records = new Map<string, Rec>();
  /**
   * Idempotency key → the input that owns it, live or terminal (retained for dedup). An id is reused
   * only once its input is terminal, so a live owner is the id's current admission.
   */
  readonly keys = new Map<string, { readonly inputId: string; live: boolean }>();
  readonly waiters = new Map<string, number[]>();
  silentNames: ReadonlySet<string> | null = null;
  runs = 0;
  /** Run ids are normalized to `e<epoch>/run-<n>`; the epoch is numbered when the entry opens its first run. */
  epoch: number | null = null;
  pumping = false;
  rewake = false;
  blocked = new Set<string>();
  active: RunModel | null = null;
  readonly stopHandles: number[] = [];
  ops: OpsModel | null = null;
  /** Work queued behind the operation that holds the session (the runtime's session mutex, FIFO). */
  readonly #jobs: (() => void)[] = [];
  /** Run ids this session opened, oldest first. */
  readonly runIds: string[] = [];
  /** Every durable input the store got a row for, in the order first stored, with its idempotency key. */
  readonly durable = new Map<string, string | null>();
  /** The newest runtime granted a binding (the store keeps it after an unregister). */
  grantedRuntime: string | null = null;

  constructor(
    readonly id: string,
    readonly m: SessionModelHost,
  ) {}

  // ── the machine ──────────────────────────────────────────────────────────────────────────

  fire(trigger: SessionRuntimeTrigger, ctx: Ctx = {}): Fired {
    const before = this.state;
    const r = kernelTransition(before, trigger);
    if (!r.ok) return { ok: false, phase: r.phase, guard: r.code === "GuardRejected" ? r.guard : null };
    const broken = sessionRuntimeKernel.invariants.filter((inv) => !inv.holds(r.state)).map((inv) => inv.name);
    if (broken.length > 0) throw new ModelError(`model: ${r.transition} breaks ${broken.join(", ")}`);
    this.state = r.state;
    if (r.state.boundRuntime !== null) this.grantedRuntime = r.state.boundRuntime;
    this.#afterCommit(before, r.effects, ctx);
    return { ok: true };
  }

  #afterCommit(before: SessionRuntimeState, effects: readonly SessionRuntimeEffect[], ctx: Ctx): void {
    const after = this.state;
    const terminals: string[] = [];
    if (before.inputs !== after.inputs) {
      for (const [id, phase] of after.inputs) if (before.inputs.get(id) !== phase && TERMINAL.has(phase)) terminals.push(id);
    }
    for (const e of effects) {
      if (e.effect === "PostAdmissionSignal" && ctx.noWake !== true) this.wake();
      if (e.effect === "CancelAtBoundary" && ctx.controlDelivered !== true && this.active?.runId === e.run) this.#requestCancel(this.active);
    }
    for (const id of terminals) {
      this.#terminate(id);
      this.#resolveWaiters(id, this.#completionOf(after, id, ctx));
    }
    for (const id of terminals) this.#must({ kind: "ArchiveInput", input: id });
    if (after.phase === "Stopped" || after.phase === "Destroyed") this.#resolveStops();
    if (after.phase !== before.phase && (after.phase === "Attached" || after.phase === "Idle")) this.afterQuiescence();
  }

  #completionOf(s: SessionRuntimeState, id: string, ctx: Ctx): CompletionOutcome {
    switch (s.inputs.get(id)) {
      case "Superseded":
        return { kind: "Superseded", by: s.replacedBy.get(id) ?? "" };
      case "Coalesced":
        return { kind: "Coalesced", into: s.replacedBy.get(id) ?? "" };
      case "Abandoned": {
        const reason = s.abandoned.get(id) ?? "Cancelled";
        if (reason === "Cancelled") return { kind: "Cancelled" };
        if (reason === "MaxAttemptsExhausted") return { kind: "Abandoned", reason: `max attempts exhausted${ctx.runError !== undefined ? `: ${ctx.runError}` : ""}` };
        return { kind: "RuntimeTerminated", reason: TERMINATION[reason] ?? reason };
      }
      default: {
        const out = ctx.runOutput;
        if (out?.callbackPending !== undefined) return { kind: "CallbackPending", toolName: out.callbackPending.toolName, args: out.callbackPending.args };
        if (out?.result !== undefined) return { kind: "Completed", result: out.result };
        return { kind: "CompletedWithoutResult" };
      }
    }
  }

  /** The input reached its terminal outcome: its admission facts go, its key stays for dedup. */
  #terminate(id: string): void {
    const rec = this.records.get(id);
    if (rec === undefined) return;
    this.records.delete(id);
    const key = rec.input.header.idempotencyKey;
    if (key !== undefined) {
      const owner = this.keys.get(key);
      if (owner !== undefined && owner.inputId === id) owner.live = false;
    }
  }

  #resolveWaiters(id: string, outcome: CompletionOutcome): void {
    const ws = this.waiters.get(id);
    if (ws === undefined) return;
    this.waiters.delete(id);
    for (const w of ws) this.m.resolveWaiter(w, outcome);
  }

  resolveAllWaiters(outcome: CompletionOutcome): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const ws of all) for (const w of ws) this.m.resolveWaiter(w, outcome);
  }

  #resolveStops(): void {
    const hs = this.stopHandles.splice(0);
    for (const h of hs) this.m.resolveHandle(h, undefined);
  }

  // ── loop ─────────────────────────────────────────────────────────────────────────────────

  wake(): void {
    if (this.m.closed) return;
    if (this.pumping) {
      this.rewake = true;
      return;
    }
    this.pumping = true;
    this.blocked = new Set();
    this.later(() => this.#plan());
  }

  afterQuiescence(): void {
    const ops = this.ops;
    if (ops === null || !ops.state.wakePending || ops.injecting) return;
    ops.injecting = true;
    this.later(() => this.#inject());
  }

  later(job: () => void): void {
    this.#jobs.push(job);
  }

  /** Runs queued jobs in FIFO order (the session mutex). */
  drain(): void {
    for (let n = 0; this.#jobs.length > 0; n++) {
      if (n > 10_000) throw new ModelError("model: job queue does not drain");
      this.#jobs.shift()!();
    }
  }

  #plan(): void {
    if (this.state.stopRequested) {
      this.terminalizeStop();
      this.pumping = false;
      return;
    }
    if (this.rewake) {
      this.rewake = false;
      this.blocked.clear();
    }
    const batch = this.#selectBatch();
    if (batch === null) {
      this.pumping = false;
      this.afterQuiescence();
      return;
    }
    // The machine refuses OpenLoopRun outside Attached and Retired: no phase list here either. The
    // runtime spends a run number on a refused open; its id is never seen, so no epoch is named for it.
    if (!kernelTransition(this.state, { kind: "OpenLoopRun", run: "probe" }).ok) {
      this.runs += 1;
      this.pumping = false;
      return;
    }
    const runId = this.nextRunId();
    this.#must({ kind: "OpenLoopRun", run: runId });
    this.#stage(runId, batch);
    this.#startCall(runId, "loop", null);
  }

  nextRunId(): string {
    this.runs += 1;
    this.epoch ??= this.m.nextEpoch();
    const id = `e${this.epoch}/run-${this.runs}`;
    this.runIds.push(id);
    return id;
  }

  /** The batch is staged under the mutex that selected it, so the machine never refuses it (coverage.ts: RollbackTo*). */
  #stage(runId: string, ids: readonly string[]): void {
    for (const id of ids) this.#must({ kind: "StageInput", input: id, run: runId });
  }

  #startCall(runId: string, kind: RunModel["kind"], andRunHandle: number | null): void {
    this.active = { runId, kind, contributors: [...this.state.staged], andRunHandle, cancelRequested: false, interruptReason: null, settled: false, boundaries: 0 };
    this.m.calls.push({ session: this.id, run: this.active });
  }

  /** Batch selection (README "Runs"): a prefix of the drain source, steer lane first, at most MAX_BATCH inputs (runtime/batch.ts). */
  #selectBatch(): string[] | null {
    const s = this.state;
    const draining = s.phase === "Retired";
    const steering = s.steer.length > 0;
    const lane = steering ? s.steer : s.queue;
    const head = lane[0];
    if (head === undefined || this.blocked.has(head)) return null;
    const first = this.records.get(head);
    if (first === undefined) return null;
    const drives = (ids: readonly string[]): boolean => ids.some((id) => this.records.get(id)?.drives === true);
    if (!draining && !drives(s.steer) && !drives(s.queue)) return null;
    const ids = [head];
    if (first.input.kind === "prompt") return ids;
    const fits = (r: Rec | undefined, id: string): r is Rec => r !== undefined && !this.blocked.has(id) && shapeOf(r, steering) === shapeOf(first, steering);
    if (steering) {
      for (const id of lane.slice(1, MAX_BATCH)) {
        const r = this.records.get(id);
        if (!fits(r, id) || r.input.kind === "prompt") break;
        ids.push(id);
      }
      return ids;
    }
    const driverAt = lane.findIndex((id) => this.records.get(id)?.drives === true);
    const driverIsPrompt = driverAt >= 0 && this.records.get(lane[driverAt]!)?.input.kind === "prompt";
    for (let i = 1; i < Math.min(lane.length, MAX_BATCH); i++) {
      const id = lane[i]!;
      const r = this.records.get(id);
      if (!fits(r, id)) break;
      if (r.input.kind === "prompt") {
        if (driverIsPrompt && i === driverAt) ids.push(id);
        break;
      }
      ids.push(id);
    }
    return ids;
  }

  /** The executor settled: the end of the run is queued behind whatever holds the session. */
  settle(run: RunModel, outcome: RunOutcome): void {
    this.later(() => {
      this.#finish(run, outcome);
      if (run.kind === "loop") this.later(() => this.#plan());
    });
  }

  /** The executor reports a boundary: answered under the session, after what holds it. */
  reportBoundary(run: RunModel, handle: number): void {
    this.later(() => this.#boundary(run, handle));
  }

  #finish(run: RunModel, outcome: RunOutcome): void {
    run.settled = true;
    if (this.active === run) this.active = null;
    if (run.andRunHandle !== null) {
      if (outcome.ok) this.m.resolveHandle(run.andRunHandle, outcome.value);
      else this.m.rejectHandle(run.andRunHandle, outcome.thrown);
    }
    if (this.state.currentRun !== run.runId) {
      if (this.state.stopRequested) this.terminalizeStop();
      return;
    }
    const staged = this.state.staged;
    const committed = staged.every((id) => this.state.inputs.get(id) === "AppliedPendingConsumption");
    if (outcome.ok) {
      if (!committed) {
        if (staged.some((id) => this.state.inputs.get(id) === "Staged")) this.#must({ kind: "MarkApplied", run: run.runId });
        this.#must({ kind: "BoundaryCommitted", run: run.runId });
      }
      this.#must({ kind: "Commit", run: run.runId }, { runOutput: outcome.output });
    } else {
      const ctx: Ctx = outcome.cancelled ? {} : { runError: outcome.message };
      // The machine abandons the contributors of a cancelled run or of acceptInputAndRun's (abandon);
      // the loop's re-queued ones wait for the next wake.
      const contributors = [...staged];
      this.#must({ kind: "Fail", run: run.runId, abandon: outcome.cancelled || run.kind === "andRun" }, ctx);
      for (const id of contributors) if (this.state.inputs.get(id) === "Queued") this.blocked.add(id);
    }
    if (this.state.stopRequested) this.terminalizeStop();
  }

  #must(trigger: SessionRuntimeTrigger, ctx: Ctx = {}): void {
    const r = this.fire(trigger, ctx);
    if (!r.ok) throw new ModelError(`model: ${trigger.kind} refused in ${r.phase} (${r.guard ?? "no transition"})`);
  }

  terminalizeStop(): void {
    if (!this.state.stopRequested || this.state.phase === "Running") return;
    this.m.counters.stopped += 1;
    this.fire({ kind: "RuntimeExecutorExited" });
  }

  #boundary(run: RunModel, handle: number): void {
    const call = this.m.calls.find((c) => c.run === run);
    const current = !run.settled && this.state.currentRun === run.runId;
    const first = this.state.staged[0];
    if (current && first !== undefined && this.state.inputs.get(first) === "Staged") this.#must({ kind: "MarkApplied", run: run.runId });
    // A boundary of a run that is no longer current, or that the machine refuses, ends the run cancelled.
    if (!current || !this.fire({ kind: "BoundaryCommitted", run: run.runId }).ok) {
      this.m.rejectHandle(handle, "RunCancelled");
      if (call !== undefined) this.m.settleCall(call, { ok: false, message: "boundary refused", cancelled: true, thrown: "RunCancelled" });
      return;
    }
    const sequence = run.boundaries;
    run.boundaries += 1;
    this.m.resolveHandle(handle, { cancelRequested: run.cancelRequested, sequence });
    // A cooperative executor stops at the boundary once a cancel was requested, and returns.
    if (run.cancelRequested && call !== undefined) this.m.settleCall(call, { ok: true, output: {}, value: {} });
  }

  #inject(): void {
    const ops = this.ops;
    if (ops === null) return;
    const s = this.state;
    let injected = false;
    if (!this.m.closed && s.phase === "Attached" && s.inputs.size === 0 && !s.stopRequested) {
      const id = this.m.nextDetachedId();
      const input: Input = { kind: "continuation", header: { id, durability: "Derived", source: { kind: "System" }, handlingMode: "Steer" }, reason: "detached_background_op_completed" };
      const r = this.admit(input, "plain", null);
      injected = r.ok && (r.value as { outcome: string }).outcome === "Accepted";
    }
    if (injected && ops.state.wakePending) ops.apply({ kind: "ObserveCompletions" });
    ops.injecting = false;
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────

  /** Set once store-backed recovery ran for this entry. */
  recovered = false;
  /** inputs.size after recovery (the report's inputsRecovered). */
  recoveredInputs = 0;
  /** The ops registry snapshot recovery found (handed to the registry when it is created). */
  recoveredOps: OpsSnapshotModel | null = null;

  /**
   * Recovery when a runtime first meets a session that has stored rows (runtime/README "Store",
   * the lead's recovery): terminal rows only restore idempotency keys; rows whose boundary was
   * committed (a receipt) are consumed; every other live row is re-admitted through RecoverInput
   * (Queued at the end of its lane with its stored attempts, or abandoned when none are left), in
   * stored order; the session registers; the stored coarse phase is replayed through the machine.
   * Ephemeral inputs were never stored. Waiters do not survive. The image is the model's own
   * (store-model.ts), so the machine accepts every recovery trigger: a refusal is a model error, and
   * a runtime that reports RecoveryCorruption differs from the model.
   */
  ensureRecovered(): void {
    const image = this.m.store;
    if (this.recovered || image === null) return;
    this.recovered = true;
    if (this.state.phase !== "Initializing") return;
    const stored = image.get(this.id);
    this.recoveredOps = stored?.ops ?? null;
    const b = stored?.binding;
    if (b != null) this.#must({ kind: "RecoverBinding", runtime: b.runtime, fence: b.fence, generation: b.generation });
    if (stored === undefined || (stored.rows.size === 0 && stored.phase === null)) {
      if (b != null) this.#must({ kind: "RegisterSession" });
      return;
    }
    const phase = stored.phase;
    const rows = [...stored.rows];
    const committed = (row: StoredRow): boolean => row.live && row.phase === "AppliedPendingConsumption";
    const live = rows.filter((r): r is [string, StoredRow & { live: true }] => r[1].live && !committed(r[1]));
    const restoreKey = (id: string, key: string | null): void => {
      if (key !== null) this.keys.set(key, { inputId: id, live: false });
    };
    for (const [id, row] of rows) {
      this.durable.set(id, row.idempotencyKey);
      if (!row.live) restoreKey(id, row.idempotencyKey);
    }
    for (const [id, row] of rows) {
      if (!committed(row)) continue;
      restoreKey(id, row.idempotencyKey);
      this.#must({ kind: "RecoverCommittedInput", input: id });
    }
    for (const [id, row] of live) {
      // Whether it drives is judged again in the recovered phase (it may not have been stored).
      this.#admitRecord(id, { input: row.input, decision: row.decision, drives: this.#resolve(row.input, "plain")?.drivesLoop ?? drivesLoopOf(row.decision) });
      this.#must({ kind: "RecoverInput", input: id, lane: row.lane, priorAttempts: row.attempts });
    }
    this.#must(phase === "Retired" ? { kind: "RecoverRetired" } : { kind: "RegisterSession" });
    if (phase === "Stopped") this.#must({ kind: "StopRuntimeExecutor" });
    if (phase === "Destroyed") this.#must({ kind: "Destroy", fence: null });
    this.recoveredInputs = this.state.inputs.size;
  }

  /** What the store holds for this session at a restart (null: nothing), derived from the model (store-model.ts). */
  storedImage(): StoredSession | null {
    const s = this.state;
    const rows = new Map<string, StoredRow>();
    for (const [id, idempotencyKey] of this.durable) {
      const rec = this.records.get(id);
      const phase = s.inputs.get(id);
      // A live input under a reused id that is ephemeral leaves the durable one's terminal row in place.
      if (rec === undefined || phase === undefined || TERMINAL.has(phase) || rec.input.header.durability === "Ephemeral") rows.set(id, { live: false, idempotencyKey });
      else rows.set(id, { live: true, idempotencyKey, phase, lane: s.laneOf.get(id) ?? rec.decision.lane, attempts: s.attempts.get(id) ?? 0, input: rec.input, decision: rec.decision });
    }
    const binding = s.highestFence !== null && this.grantedRuntime !== null ? { runtime: this.grantedRuntime, fence: s.highestFence, generation: s.boundGeneration } : null;
    const ops = this.ops?.snapshot() ?? this.recoveredOps;
    const phase = storedPhaseOf(s.phase, s.runFrom);
    return rows.size === 0 && binding === null && ops === null && phase === null ? null : { phase, rows, binding, ops };
  }

  // ── admission ────────────────────────────────────────────────────────────────────────────

  /** README "Order of admission": the phase check. */
  acceptingError(): string | null {
    const s = this.state;
    if (s.phase === "Destroyed") return "SessionDestroyed";
    if (!s.registered && s.phase !== "Initializing") return "NotRegistered";
    const v = visiblePhaseOf(s);
    if (v !== "Idle" && v !== "Attached" && v !== "Running") return "NotReady";
    if (s.stopRequested) return "NotReady";
    return null;
  }

  /** The policy decision in the current phase, with the spec's silent-intent and no-wake overrides (null: rejected). */
  #resolve(input: Input, mode: AcceptMode | "andRun"): PolicyDecision | null {
    const s = this.state;
    const res = this.m.policy(input.kind, s.phase === "Idle" || s.phase === "Attached", effectiveHandlingMode(input));
    if (!res.ok) return null;
    const intent = silentIntentOf(input);
    const silent = intent !== null && s.silentIntents && this.silentNames?.has(intent) === true;
    return silent ? silentIntentDecision(res.decision) : mode === "withoutWake" ? withoutWakeDecision(res.decision) : res.decision;
  }

  #admitRecord(id: string, rec: Rec): void {
    this.records.set(id, rec);
    const key = rec.input.header.idempotencyKey;
    if (key !== undefined) this.keys.set(key, { inputId: id, live: true });
  }

  /**
   * Admission of a validated input; `waiterFor` allocates completion waiters (null: none wanted).
   * "andRun" is acceptInputAndRun's flavour: no wake, a consumed-on-accept input is rejected (it
   * never runs) and an interrupt-yielding admission is a wake (there is nothing to interrupt).
   */
  admit(input: Input, mode: AcceptMode | "andRun", waiterFor: ((inputId: string) => number) | null): { ok: true; value: Admitted } | { ok: false; code: string } {
    const id = input.header.id;
    const refused = this.acceptingError();
    if (refused !== null) return { ok: false, code: refused };
    const rejection = admissionRejection(input);
    if (rejection !== null) return { ok: true, value: { outcome: "Rejected", inputId: id, reason: rejection.code, completion: false } };
    const key = input.header.idempotencyKey;
    const owner = key === undefined ? undefined : this.keys.get(key);
    if (owner !== undefined) {
      const completion = mode === "completion" && owner.live && waiterFor !== null;
      if (completion) this.#addWaiter(owner.inputId, waiterFor(owner.inputId));
      return { ok: true, value: { outcome: "Deduplicated", inputId: id, existingId: owner.inputId, completion } };
    }
    if (this.state.inputs.has(id) || this.records.has(id)) return { ok: false, code: "DuplicateInput" };
    const decision = this.#resolve(input, mode);
    if (decision === null || (mode === "andRun" && decision.consumeOnAccept)) {
      return { ok: true, value: { outcome: "Rejected", inputId: id, reason: policyRejection(input.kind, "").code, completion: false } };
    }
    this.#admitRecord(id, { input, decision, drives: decision.drivesLoop });
    const admission = mode === "andRun" && decision.admission === "InterruptYielding" ? "WakeIfIdle" : decision.admission;
    const trigger: SessionRuntimeTrigger = decision.consumeOnAccept
      ? { kind: "AcceptConsumed", input: id }
      : { kind: "AcceptInput", input: id, lane: decision.lane, admission, front: decision.enqueueFront };
    // The phase check above lets through only what the machine admits (a refusal is a model error).
    this.#must(trigger, mode === "withoutWake" || mode === "andRun" ? { noWake: true } : {});
    if (input.header.durability !== "Ephemeral") this.durable.set(id, key ?? null);
    if (!decision.consumeOnAccept) this.#replaceSameScope(input, decision);
    const completion = mode === "completion" && this.state.inputs.has(id) && waiterFor !== null;
    if (completion) this.#addWaiter(id, waiterFor(id));
    return { ok: true, value: { outcome: "Accepted", inputId: id, completion } };
  }

  #addWaiter(inputId: string, waiter: number): void {
    const list = this.waiters.get(inputId);
    if (list === undefined) this.waiters.set(inputId, [waiter]);
    else list.push(waiter);
  }

  /** README §3.5: a queued input of the same kind and supersession key, in either lane, is replaced. */
  #replaceSameScope(input: Input, decision: PolicyDecision): void {
    const key = input.header.supersessionKey;
    if (key === undefined || (decision.queueMode !== "Supersede" && decision.queueMode !== "Coalesce")) return;
    const id = input.header.id;
    const s = this.state;
    const sameScope = (other: string): boolean => {
      if (other === id) return false;
      const r = this.records.get(other);
      return r !== undefined && r.input.kind === input.kind && r.input.header.supersessionKey === key;
    };
    const old = s.queue.find(sameScope) ?? s.steer.find(sameScope);
    if (old === undefined) return;
    this.fire(decision.queueMode === "Supersede" ? { kind: "SupersedeInput", input: old, by: id } : { kind: "CoalesceInput", input: old, into: id });
  }

  /** acceptInputAndRun: the same admission in its "andRun" flavour, then the run opens and stages; an error code or null (running). */
  acceptAndRun(input: Input, handle: number): string | null {
    const refused = this.acceptingError();
    if (refused !== null) return refused;
    if ((this.state.phase !== "Idle" && this.state.phase !== "Attached") || this.state.inputs.size > 0) return "NotReady";
    const r = this.admit(input, "andRun", null);
    if (!r.ok) return r.code;
    if (r.value.outcome !== "Accepted") return r.value.outcome === "Rejected" ? "InputRejected" : "DeduplicatedRefused";
    const runId = this.nextRunId();
    this.#must({ kind: "PrepareRun", run: runId });
    this.#stage(runId, [input.header.id]);
    this.#startCall(runId, "andRun", handle);
    return null;
  }

  // ── control ──────────────────────────────────────────────────────────────────────────────

  /** control.ts refusalError: the typed error of a machine refusal, by the spec's refusal codes. */
  refusalCode(r: Fired & { ok: false }): string {
    return refusalCode(r.guard === null ? { phase: r.phase } : { phase: r.phase, guard: r.guard });
  }

  control(trigger: SessionRuntimeTrigger, ctx: Ctx = {}): string | null {
    const r = this.fire(trigger, ctx);
    return r.ok ? null : this.refusalCode(r);
  }

  bind(runtime: string, fence: number, generation: number): string | null {
    // Arguments outside the spec's domains are refused before anything else (runtime/arguments.ts).
    if (!inDomain(fence, FENCE_MAX) || !inDomain(generation, GENERATION_MAX)) return "InvalidArgument";
    // A destroyed session is refused by the machine (no transition leaves Destroyed): SessionDestroyed.
    const e = (this.state.registered ? null : this.control({ kind: "RegisterSession" })) ?? this.control({ kind: "PrepareBindings", runtime, fence, generation });
    if (e !== null) return e;
    this.wake();
    return null;
  }

  bindingsValue(): unknown {
    const s = this.state;
    return { runtimeId: s.boundRuntime ?? `rt:session:${this.id}`, fence: s.boundFence ?? 0, generation: s.boundGeneration };
  }

  runTarget(target: RunTarget): string | undefined {
    if (target === "default") return undefined;
    if (target === "bogus") return "run-bogus";
    const current = this.state.currentRun;
    const previous = [...this.runIds].reverse().find((r) => r !== current);
    return previous ?? "run-bogus";
  }

  /** cancelAfterBoundary / interrupt of `target` (runTarget; undefined: the current run). */
  runControl(kind: "CancelAfterBoundary" | "InterruptRun", target: string | undefined): { ok: true; value: unknown } | { ok: false; code: string } {
    const run = target ?? this.state.currentRun;
    if (run === null) return { ok: false, code: "NotReady" };
    const r = this.fire({ kind, run }, { controlDelivered: true });
    if (!r.ok) return { ok: false, code: this.refusalCode(r) };
    const h = this.active;
    if (h === null || h.runId !== run) throw new ModelError(`model: ${kind} committed without a live run handle`);
    if (kind === "CancelAfterBoundary") this.#requestCancel(h);
    else this.interruptRun(h, "run interrupted");
    return { ok: true, value: run };
  }

  /** The run learns of the cancel (its context and the executor's hook). */
  #requestCancel(h: RunModel): void {
    h.cancelRequested = true;
    this.m.counters.cancelRequests += 1;
  }

  interruptRun(h: RunModel, reason: string): void {
    if (h.interruptReason !== null) return;
    h.interruptReason = reason;
    const call = this.m.calls.find((c) => c.run === h);
    if (call !== undefined && this.m.abortMode === "reject" && !this.m.detached) {
      this.m.settleCall(call, { ok: false, message: reason, cancelled: true, thrown: "RunCancelled" });
    }
  }

  fenceOf(choice: FenceChoice): number | null {
    return choice === "none" ? null : (this.state.highestFence ?? 0) + { current: 0, stale: -1, newer: 1 }[choice];
  }
}

/** The phase the API shows (runtime/README "snapshot"): a run that drains a retired session shows Retired. */
export function visiblePhaseOf(s: SessionRuntimeState): Phase {
  return s.phase === "Running" && s.runFrom === "Retired" ? "Retired" : s.phase;
}

/** The upper end of an int field's type (the kernel's, so the spec owns the domains). */
function intMax(field: string): number {
  const f = sessionRuntimeKernel.fields.find((x) => x.name === field);
  const t = f?.type.kind === "option" ? f.type.of : f?.type;
  if (t?.kind !== "int") throw new ModelError(`model: ${field} is not an int field`);
  return t.max;
}
export const FENCE_MAX = intMax("highestFence");
const GENERATION_MAX = intMax("boundGeneration");

export function inDomain(n: number | null, max: number): boolean {
  return n === null || (Number.isInteger(n) && n >= 0 && n <= max);
}

export function fenceInDomain(n: number | null): boolean {
  return inDomain(n, FENCE_MAX);
}

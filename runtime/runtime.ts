// The control plane: a registry of sessions, each a SessionRuntime machine plus its mechanics, and
// the public operations over them. Mutations of one session are serialized by its mutex; different
// sessions proceed in parallel.

import type { AbandonReason, InputPhase, Lane, Phase, SessionRuntimeState } from "../generated/session.machine.js";
import { admit, assertAccepting, type AcceptResult } from "./admission.js";
import { runtimeTerminated } from "./completion.js";
import { bind, cancelAfterBoundary, control, destroy, dispatchRouted, interrupt, refusalError, requestStop, retire, unregister, type BindingRequest } from "./control.js";
import { resolveLimits, type Core, type RuntimeLimits, type RuntimeObserver, type SignalDispatcher } from "./core.js";
import { defaultPolicy } from "./default-policy.js";
import { DeduplicatedRefusedError, InvalidArgumentError, InputRejectedError, NotReadyError, RuntimeClosedError, SessionDestroyedError, SessionNotFoundError } from "./errors.js";
import { EventBus, type RuntimeEvent, type RuntimeEventListener } from "./events.js";
import type { ApplyContext, Executor, RunPrimitive } from "./executor.js";
import type { InputId, JsonValue, RunId, SessionId } from "./input.js";
import { applyContext, finishRun, isCancel, stageBatch, wake, type RunOutcome } from "./loop.js";
import { OpsRegistry } from "./ops.js";
import type { PolicyResolver } from "./policy.js";
import { SessionEntry, visiblePhase } from "./session.js";
import { NOTHING_RECOVERED, recoverSession, type RecoveryReport } from "./recovery.js";
import type { RuntimeStore } from "./store.js";
import { validateInput } from "./validate.js";
import { checkBinding, checkFenceOptions, checkNonEmptyString, checkRunId, checkSessionId, checkStringList } from "./arguments.js";

export interface RuntimeOptions {
  readonly executor: Executor;
  /** Omitted: an ephemeral runtime that persists nothing (upstream's ephemeral driver). */
  readonly store?: RuntimeStore;
  /** Defaults to the default policy table. */
  readonly policy?: PolicyResolver;
  readonly limits?: RuntimeLimits;
  /** Receives RuntimeBound / RuntimeRetired / RuntimeDestroyed of committed transitions (the mob seam). */
  readonly dispatcher?: SignalDispatcher;
  /** Sees every committed session and ops transition by its spec name. */
  readonly observer?: RuntimeObserver;
}

/** What prepareBindings returns; `isAuthoritative` tells genuine bindings from forged ones. */
export interface SessionBindings {
  readonly sessionId: SessionId;
  readonly epochId: string;
  readonly runtimeId: string;
  readonly fence: number;
  readonly generation: number;
  readonly ops: OpsRegistry;
}

export interface InputSnapshot {
  readonly id: InputId;
  readonly phase: InputPhase;
  readonly lane: Lane | null;
  readonly attempts: number;
  readonly abandonReason: AbandonReason | null;
  readonly replacedBy: InputId | null;
}

/** A diagnostic view, read entirely from the machine (plus the waiter count). */
export interface SessionSnapshot {
  readonly sessionId: SessionId;
  readonly phase: Phase;
  /** Running during a retired session's drain is reported as Retired. */
  readonly visiblePhase: Phase;
  readonly registered: boolean;
  readonly binding: { readonly runtimeId: string | null; readonly fence: number | null; readonly highestFence: number | null; readonly generation: number };
  readonly currentRun: RunId | null;
  readonly stopRequested: boolean;
  readonly inputs: readonly InputSnapshot[];
  readonly lanes: { readonly queue: readonly InputId[]; readonly steer: readonly InputId[]; readonly staged: readonly InputId[] };
  readonly waiters: number;
}

export type { RecoveryReport };

export type RunOperation<T> = (runId: RunId, primitive: RunPrimitive, ctx: ApplyContext) => Promise<T>;

export class ControlPlane {
  readonly #sessions = new Map<SessionId, SessionEntry>();
  readonly #ops = new Map<SessionId, OpsRegistry>();
  readonly #bus = new EventBus();
  readonly #authoritative = new WeakSet<SessionBindings>();
  readonly #core: Core;
  #closed = false;

  constructor(options: RuntimeOptions) {
    const self = this;
    this.#core = {
      executor: options.executor,
      store: options.store ?? null,
      policy: options.policy ?? defaultPolicy,
      limits: resolveLimits(options.limits),
      bus: this.#bus,
      dispatcher: options.dispatcher ?? null,
      observer: options.observer ?? null,
      isClosed: () => self.#closed,
      wake(entry) {
        if (!self.#closed) wake(self.#core, entry);
      },
      afterQuiescence(entry) {
        self.#ops.get(entry.id)?.onQuiescence();
      },
    };
    // A shared store (PostgreSQL) refused this process's fence: stop that session's loop at once.
    options.store?.onSessionLost?.((sessionId) => void this.evictSession(sessionId, { interrupt: true }));
  }

  /**
   * Drops a session from this runtime's memory without writing anything: no new run opens, the
   * run in flight is interrupted (`interrupt`) or allowed to finish, every waiter gets
   * RuntimeTerminated("session evicted"). The stored session is untouched; a later call meets it
   * again through recovery. Used when another process owns the session now, and on hand-back.
   */
  async evictSession(sessionId: SessionId, options: { readonly interrupt?: boolean } = {}): Promise<void> {
    const entry = this.#sessions.get(sessionId);
    if (entry === undefined) return;
    entry.evicted = true;
    if (options.interrupt === true) entry.activeRun?.interrupt("session evicted");
    await entry.pumpDone;
    await entry.mutex.run(() => entry.waiters.resolveAll(runtimeTerminated("session evicted")));
    if (this.#sessions.get(sessionId) === entry) {
      this.#sessions.delete(sessionId);
      this.#ops.delete(sessionId);
    }
  }

  // ── sessions and bindings ─────────────────────────────────────────────────────────────────

  /** Registers a session (Initializing → Idle); idempotent; a destroyed session is never resurrected. */
  async registerSession(sessionId: SessionId): Promise<SessionSnapshot> {
    this.#open(sessionId);
    const entry = this.#entryOrCreate(sessionId);
    // A refused registration keeps the entry (a destroyed session stays known as destroyed): it is
    // established either way, so a later refused call does not forget it.
    try {
      await entry.mutex.run(async () => {
        await this.#ensureRecovered(entry);
        await control(this.#core, entry, "registerSession", { kind: "RegisterSession" });
      });
    } finally {
      entry.provisional = false;
    }
    return this.snapshot(sessionId);
  }

  /** Registers if needed and binds a runtime under a fence (Idle → Attached: the loop may run). */
  async prepareBindings(sessionId: SessionId, binding: BindingRequest): Promise<SessionBindings> {
    this.#open(sessionId);
    checkBinding(sessionId, binding);
    const entry = this.#entryOrCreate(sessionId);
    try {
      await entry.mutex.run(async () => {
        await this.#ensureRecovered(entry);
        await bind(this.#core, entry, binding);
      });
    } catch (e) {
      this.#dropIfProvisional(entry);
      throw e;
    }
    entry.provisional = false;
    return this.#bindingsOf(entry);
  }

  /** Local bindings (no mob): the session's own runtime id, fence 0 (or the session's current binding). */
  async prepareLocalSessionBindings(sessionId: SessionId): Promise<SessionBindings> {
    this.#open(sessionId);
    const entry = this.#entryOrCreate(sessionId);
    try {
      await entry.mutex.run(async () => {
        await this.#ensureRecovered(entry);
        const s = entry.state;
        if (s.phase === "Destroyed") throw new SessionDestroyedError(sessionId);
        if (s.phase !== "Idle" && s.phase !== "Initializing" && s.boundRuntime !== null && s.boundFence !== null) return; // already bound
        await bind(this.#core, entry, localBinding(sessionId, s));
      });
    } catch (e) {
      this.#dropIfProvisional(entry);
      throw e;
    }
    entry.provisional = false;
    return this.#bindingsOf(entry);
  }

  /** True only for bindings this runtime handed out. */
  isAuthoritative(bindings: SessionBindings): boolean {
    return this.#authoritative.has(bindings);
  }

  /** Drops the binding (→ Idle, unregistered); every waiter gets RuntimeTerminated. Inputs are kept. */
  async unregisterSession(sessionId: SessionId): Promise<void> {
    const entry = this.#entry(sessionId);
    await entry.mutex.run(() => unregister(this.#core, entry));
  }

  // ── admission ─────────────────────────────────────────────────────────────────────────────

  acceptInput(sessionId: SessionId, input: unknown): Promise<AcceptResult> {
    return this.#accept(sessionId, input, "plain");
  }

  acceptInputWithCompletion(sessionId: SessionId, input: unknown): Promise<AcceptResult> {
    return this.#accept(sessionId, input, "completion");
  }

  /** Admits without ever waking the loop: the input rides along with the next run something else starts. */
  acceptInputWithoutWake(sessionId: SessionId, input: unknown): Promise<AcceptResult> {
    return this.#accept(sessionId, input, "withoutWake");
  }

  /** Not an async function: a free session admits at once (see admit), with one promise for the caller. */
  #accept(sessionId: SessionId, raw: unknown, mode: "plain" | "completion" | "withoutWake"): Promise<AcceptResult> {
    try {
      this.#open(sessionId);
      const input = validateInput(sessionId, raw);
      const entry = this.#entry(sessionId);
      const admitted = entry.mutex.runNow(() => admit(this.#core, entry, input, mode, (refusal) => refusalError(entry, "acceptInput", refusal)));
      return admitted instanceof Promise ? admitted : Promise.resolve(admitted);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Admits one input and runs it synchronously through `op` (Idle or Attached, no other live input).
   * Success consumes the input; a failure fails the run and abandons the input (the caller owns the
   * retry), then rethrows.
   */
  async acceptInputAndRun<T>(sessionId: SessionId, raw: unknown, op: RunOperation<T>): Promise<T> {
    this.#open(sessionId);
    if (typeof op !== "function") throw new InvalidArgumentError(sessionId, "acceptInputAndRun", "op", `must be a function, got ${typeof op}`);
    const input = validateInput(sessionId, raw);
    const entry = this.#entry(sessionId);
    const core = this.#core;
    const plan = await entry.mutex.run(async () => {
      const id = input.header.id;
      assertAccepting(entry, id, "acceptInputAndRun");
      const s = entry.state;
      if (s.phase !== "Idle" && s.phase !== "Attached") throw new NotReadyError(sessionId, visiblePhase(s), "acceptInputAndRun", undefined, id);
      if (s.inputs.size > 0) throw new NotReadyError(sessionId, s.phase, "acceptInputAndRun (the session has live inputs)", undefined, id);
      // The same admission path as acceptInput (checks, dedup, policy, overrides, machine), in its andRun flavor.
      const admitted = await admit(core, entry, input, "andRun", (refusal) => refusalError(entry, "acceptInputAndRun", refusal));
      if (admitted.outcome === "Rejected") throw new InputRejectedError(sessionId, id, admitted.reason);
      if (admitted.outcome === "Deduplicated") throw new DeduplicatedRefusedError(sessionId, id, admitted.existingId);
      const record = entry.ledger.get(id);
      if (record === undefined) throw new NotReadyError(sessionId, entry.state.phase, "acceptInputAndRun (the input left the ledger)", undefined, id);
      const runId = entry.nextRunId();
      await control(core, entry, "acceptInputAndRun", { kind: "PrepareRun", run: runId });
      const staged = await stageBatch(core, entry, runId, [id], record.boundary, record.executionKind);
      if (staged === null) throw new NotReadyError(sessionId, entry.state.phase, "acceptInputAndRun (staging refused)", undefined, id);
      return staged;
    });
    let outcome: RunOutcome;
    let value: T | undefined;
    try {
      value = await op(plan.runId, plan.primitive, applyContext(core, entry, plan.handle));
      outcome = { ok: true, output: {} };
    } catch (error) {
      outcome = { ok: false, error, cancelled: isCancel(plan.handle, error) };
    }
    await entry.mutex.run(() => finishRun(core, entry, plan, outcome, null, true));
    if (!outcome.ok) throw outcome.error;
    return value as T;
  }

  // ── control ───────────────────────────────────────────────────────────────────────────────

  /** Cooperative cancel of the named (default: current) run at its next boundary. Never hard-cancels. */
  async cancelAfterBoundary(sessionId: SessionId, runId?: RunId): Promise<RunId> {
    const entry = this.#entry(sessionId);
    checkRunId(sessionId, "cancelAfterBoundary", runId);
    return entry.mutex.run(() => cancelAfterBoundary(this.#core, entry, runId));
  }

  /** Hard interrupt of the named (default: current) run: its AbortSignal fires; its inputs are abandoned (Cancelled). */
  async interrupt(sessionId: SessionId, runId?: RunId): Promise<RunId> {
    const entry = this.#entry(sessionId);
    checkRunId(sessionId, "interrupt", runId);
    return entry.mutex.run(() => interrupt(this.#core, entry, runId));
  }

  /**
   * Stops the session's executor. Queued work never runs after this call; a run in flight finishes
   * (interrupt it first to cut it short). Resolves once the session is Stopped.
   */
  async stopRuntimeExecutor(sessionId: SessionId): Promise<void> {
    const entry = this.#entry(sessionId);
    const pending = await entry.mutex.run(() => requestStop(this.#core, entry));
    if (pending !== null) await pending.stopped;
  }

  /** No new input; queued work drains when a loop is attached, else it is abandoned (Retired). */
  async retire(sessionId: SessionId, options: { readonly fence?: number } = {}): Promise<void> {
    const entry = this.#entry(sessionId);
    checkFenceOptions(sessionId, "retire", options);
    return entry.mutex.run(() => retire(this.#core, entry, options.fence ?? null));
  }

  /** Back to Idle: every live input is abandoned (Reset) and never runs. Refused while a run is in flight. */
  async reset(sessionId: SessionId): Promise<void> {
    const entry = this.#entry(sessionId);
    await entry.mutex.run(() => control(this.#core, entry, "reset", { kind: "Reset" }));
  }

  /** Rebuilds the executor shell keeping queued inputs and their waiters; clears the fence. */
  async recycle(sessionId: SessionId): Promise<{ readonly inputsTransferred: number }> {
    const entry = this.#entry(sessionId);
    return entry.mutex.run(async () => {
      await control(this.#core, entry, "recycle", { kind: "Recycle" }, {}, undefined, async () => {
        await this.#core.executor.recycle?.(sessionId);
      });
      this.#core.wake(entry);
      return { inputsTransferred: entry.state.inputs.size };
    });
  }

  /**
   * Recovery. A session this runtime has not met yet is rebuilt from the store and registered (the
   * report says what each stored input became). A live session re-runs the machine's Recover, which
   * changes no input while no run is in flight, and wakes the loop.
   */
  async recover(sessionId: SessionId): Promise<RecoveryReport> {
    this.#open(sessionId);
    if (!this.#sessions.has(sessionId) && this.#core.store !== null) {
      const created = this.#entryOrCreate(sessionId);
      try {
        const report = await created.mutex.run(async () => {
          const report = await this.#ensureRecovered(created);
          if (!created.state.registered && created.state.phase === "Initializing") await control(this.#core, created, "registerSession", { kind: "RegisterSession" });
          return report;
        });
        created.provisional = false;
        return report;
      } catch (e) {
        this.#dropIfProvisional(created);
        throw e;
      }
    }
    const entry = this.#entry(sessionId);
    return entry.mutex.run(async () => {
      await control(this.#core, entry, "recover", { kind: "Recover" });
      this.#core.wake(entry);
      const live = entry.state.inputs.size;
      return { ...NOTHING_RECOVERED, inputsRecovered: live, details: [] };
    });
  }

  /** What the store-backed recovery of the session found when this runtime first met it (null: none ran). */
  recoveryReport(sessionId: SessionId): RecoveryReport | null {
    return this.#entry(sessionId).recovery;
  }

  /** Ends the session for good: live inputs are abandoned (Destroyed), waiters terminated, ops terminated. */
  async destroy(sessionId: SessionId, options: { readonly fence?: number } = {}): Promise<void> {
    const entry = this.#entry(sessionId);
    checkFenceOptions(sessionId, "destroy", options);
    // The registry closes under the same lock, so no op registers between the two.
    await entry.mutex.run(async () => {
      const before = entry.state;
      try {
        await destroy(this.#core, entry, options.fence ?? null);
      } finally {
        // Only the destroy that ended the session closes it (a repeated destroy is refused alone).
        if (before.phase !== "Destroyed" && entry.state !== before && entry.state.phase === "Destroyed") this.#ops.get(sessionId)?.terminateOwner();
      }
    });
  }

  /** Peer requests whose intent is listed are kept as context for the next turn instead of waking it. */
  async setSilentIntents(sessionId: SessionId, intents: readonly string[]): Promise<void> {
    const entry = this.#entry(sessionId);
    checkStringList(sessionId, "setSilentIntents", "intents", intents);
    await entry.mutex.run(async () => {
      await control(this.#core, entry, "setSilentIntents", { kind: "SetSilentIntents", enabled: intents.length > 0 });
      entry.silentIntentNames = intents.length > 0 ? new Set(intents) : null;
    });
  }

  /** A mob work request for the session bound to `runtimeId` (the payload arrives through admission). */
  async ingest(sessionId: SessionId, runtimeId: string, workId: string): Promise<void> {
    const entry = this.#entry(sessionId);
    checkNonEmptyString(sessionId, "ingest", "runtimeId", runtimeId);
    checkNonEmptyString(sessionId, "ingest", "workId", workId);
    await entry.mutex.run(() => control(this.#core, entry, "ingest", { kind: "Ingest", runtime: runtimeId, work: workId }));
  }

  /** Asks the loop to look for work (for example after a failed batch that waits for the next wake). */
  wake(sessionId: SessionId): void {
    const entry = this.#entry(sessionId);
    void entry.mutex.run(() => this.#core.wake(entry));
  }

  // ── observation ───────────────────────────────────────────────────────────────────────────

  snapshot(sessionId: SessionId): SessionSnapshot {
    const entry = this.#entry(sessionId);
    const s = entry.state;
    const inputs: InputSnapshot[] = [];
    for (const [id, phase] of s.inputs) {
      inputs.push({ id, phase, lane: s.laneOf.get(id) ?? null, attempts: s.attempts.get(id) ?? 0, abandonReason: s.abandoned.get(id) ?? null, replacedBy: s.replacedBy.get(id) ?? null });
    }
    return {
      sessionId,
      phase: s.phase,
      visiblePhase: visiblePhase(s),
      registered: s.registered,
      binding: { runtimeId: s.boundRuntime, fence: s.boundFence, highestFence: s.highestFence, generation: s.boundGeneration },
      currentRun: s.currentRun,
      stopRequested: s.stopRequested,
      inputs,
      lanes: { queue: [...s.queue], steer: [...s.steer], staged: [...s.staged] },
      waiters: entry.waiters.size,
    };
  }

  /** The session machine's (immutable) state: the lifecycle authority, for diagnostics and checks. */
  machineState(sessionId: SessionId): SessionRuntimeState {
    return this.#entry(sessionId).state;
  }

  sessionIds(): SessionId[] {
    return [...this.#sessions.keys()];
  }

  hasSession(sessionId: SessionId): boolean {
    return this.#sessions.has(sessionId);
  }

  /** Every event emitted after the call, optionally for one session; `break` ends the subscription. */
  events(options: { readonly sessionId?: SessionId } = {}): AsyncIterableIterator<RuntimeEvent> {
    const only = options.sessionId;
    return this.#bus.iterate(only === undefined ? undefined : (e) => e.sessionId === only);
  }

  on(listener: RuntimeEventListener): () => void {
    return this.#bus.on(listener);
  }

  /** The session's async-operations registry (created on first use). */
  ops(sessionId: SessionId): OpsRegistry {
    const entry = this.#entry(sessionId);
    return this.#opsOf(entry);
  }

  setSignalDispatcher(dispatcher: SignalDispatcher | null): void {
    this.#core.dispatcher = dispatcher;
  }

  /** Resolves every waiter (RuntimeTerminated "runtime closed") and refuses further calls. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#sessions.values()) {
      await entry.mutex.run(() => {
        entry.activeRun?.interrupt("runtime closed");
        entry.waiters.resolveAll(runtimeTerminated("runtime loop exited"));
      });
      await entry.opsWrites;
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  #open(sessionId: SessionId): void {
    if (this.#closed) throw new RuntimeClosedError(sessionId);
  }

  #entry(sessionId: SessionId): SessionEntry {
    checkSessionId(sessionId, "runtime call");
    const entry = this.#sessions.get(sessionId);
    if (entry === undefined) throw new SessionNotFoundError(sessionId);
    return entry;
  }

  #entryOrCreate(sessionId: SessionId): SessionEntry {
    checkSessionId(sessionId, "runtime call");
    let entry = this.#sessions.get(sessionId);
    if (entry === undefined) {
      entry = new SessionEntry(sessionId, this.#core.limits.checkInvariants);
      this.#sessions.set(sessionId, entry);
    }
    return entry;
  }

  /** Once per entry, before its first registration: rebuild it from the store. */
  async #ensureRecovered(entry: SessionEntry): Promise<RecoveryReport> {
    if (entry.failedRecovery !== null) throw entry.failedRecovery;
    if (entry.recovery !== null || this.#core.store === null) return entry.recovery ?? NOTHING_RECOVERED;
    try {
      entry.recovery = await recoverSession(this.#core, entry);
    } catch (e) {
      // Fail closed: forget the half-built entry so nothing of it is observable; a retry starts over
      // with a fresh entry. Calls already queued on this one get the same error.
      entry.failedRecovery = e;
      if (this.#sessions.get(entry.id) === entry) this.#sessions.delete(entry.id);
      throw e;
    }
    return entry.recovery;
  }

  /**
   * After a failed call: a session that no call has established yet (created by this or another
   * failed call) is forgotten again, unless another call is already waiting on it — dropping it
   * then would hand that caller an entry nobody else can see, while the next call recovers a
   * second copy from the store.
   */
  #dropIfProvisional(entry: SessionEntry): void {
    if (!entry.provisional || entry.mutex.locked) return;
    if (this.#sessions.get(entry.id) === entry) this.#sessions.delete(entry.id);
  }

  #opsOf(entry: SessionEntry): OpsRegistry {
    let ops = this.#ops.get(entry.id);
    if (ops === undefined) {
      const observer = this.#core.observer;
      const store = this.#core.store;
      let writes: Promise<void> = Promise.resolve();
      ops = new OpsRegistry(entry.id, this.#bus, {
        // Snapshot writes are chained so they land in order; a failure is reported, not thrown into the op call.
        persist:
          store === null
            ? undefined
            : (snapshot) => {
                writes = writes
                  .then(() => (entry.evicted ? undefined : store.persistOpsSnapshot(entry.id, snapshot as unknown as JsonValue)))
                  .catch((e: unknown) => this.#bus.emit(entry.id, { type: "runtime.error", code: "StoreFailed", message: `ops snapshot: ${e instanceof Error ? e.message : String(e)}` }));
                entry.opsWrites = writes;
              },
        onTransition: observer?.opsTransition === undefined ? undefined : (t) => observer.opsTransition?.(entry.id, t),
        injectWake: (input) =>
          entry.mutex.run(async () => {
            const s = entry.state;
            if (this.#closed || s.phase !== "Attached" || s.inputs.size > 0 || s.stopRequested) return false;
            const r = await admit(this.#core, entry, input, "plain", (refusal) => refusalError(entry, "detachedWake", refusal));
            return r.outcome === "Accepted";
          }),
      }, entry.recoveredOps, this.#core.limits.ops);
      // A registry first met after its owner was destroyed (or recovered destroyed) starts closed.
      if (entry.state.phase === "Destroyed") ops.terminateOwner("session destroyed");
      this.#ops.set(entry.id, ops);
    }
    return ops;
  }

  #bindingsOf(entry: SessionEntry): SessionBindings {
    const s = entry.state;
    const opsOf = (): OpsRegistry => this.#opsOf(entry);
    const bindings: SessionBindings = {
      sessionId: entry.id,
      epochId: entry.epochId,
      runtimeId: s.boundRuntime ?? `rt:session:${entry.id}`,
      fence: s.boundFence ?? 0,
      generation: s.boundGeneration,
      // The registry is created on first use: idle sessions without ops do not pay for it.
      get ops(): OpsRegistry {
        return opsOf();
      },
    };
    this.#authoritative.add(bindings);
    return bindings;
  }
}

/**
 * The local binding (no mob): the session's own runtime id, or the runtime of its newest binding,
 * at its newest fence (0 at first). After unregister the session is unbound and its newest
 * binding's holder forgotten (the machine then accepts only a newer fence), so a local rebinding
 * takes the next fence.
 */
function localBinding(sessionId: SessionId, s: SessionRuntimeState): BindingRequest {
  if (s.boundRuntime === null && s.highestFence !== null) {
    return { runtimeId: `rt:session:${sessionId}`, fence: Math.min(s.highestFence + 1, MAX_FENCE), generation: s.boundGeneration };
  }
  return { runtimeId: s.boundRuntime ?? `rt:session:${sessionId}`, fence: s.highestFence ?? 0, generation: s.boundGeneration };
}

/** The Fence type's maximum (spec/session.machine.json). */
const MAX_FENCE = 2_147_483_647;

export function createRuntime(options: RuntimeOptions): ControlPlane {
  return new ControlPlane(options);
}

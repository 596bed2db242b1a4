// The async-operations registry of one session (upstream `ops_lifecycle.rs`) over the generated
// OpsLifecycle machine: every status, the concurrency cap, retention, the wait-all barrier and the
// detached-wake flag live in the machine; this class keeps payloads, watchers and the completion
// feed, and injects the detached-wake continuation when the session is quiescent.

import { randomUUID } from "node:crypto";
import { OpsLifecycleMachine, initialState, type OpKind, type OpStatus, type OpsLifecycleEffect, type OpsLifecycleState, type OpsLifecycleTransitionName, type OpsLifecycleTrigger } from "../generated/ops.machine.js";
import { OpNotFoundError, OpRefusedError, SessionDestroyedError, toMachineRefusal, describeCause } from "./errors.js";
import type { EventBus } from "./events.js";
import { checkOpId, checkOpSpec, checkStringList } from "./arguments.js";
import { detachedWakeContinuation, type ContinuationInput, type JsonValue, type SessionId } from "./input.js";
import { DEFAULT_OPS_LIMITS, type OpsLimits } from "./ops-limits.js";

export type { OpKind, OpStatus };
export type TerminalOpStatus = Exclude<OpStatus, "Provisioning" | "Running" | "Retiring">;

export interface OpSpec {
  readonly id: string;
  readonly kind: OpKind;
  readonly displayName?: string;
}

export interface OpOutcome {
  readonly opId: string;
  readonly status: TerminalOpStatus;
  readonly result?: JsonValue;
  readonly error?: string;
}

export interface CompletionEntry {
  readonly seq: number;
  readonly opId: string;
  readonly kind: OpKind;
  readonly displayName: string;
  readonly outcome: OpOutcome;
  readonly completedAt: number;
}

export interface OpsHooks {
  /** Admits the detached-wake continuation if the session is quiescent; false if it is not. */
  injectWake(input: ContinuationInput): Promise<boolean>;
  /** Sees each committed transition by its spec name. */
  onTransition?(transition: OpsLifecycleTransitionName): void;
  /** Receives the recoverable snapshot after every registration and terminal transition. */
  persist?(snapshot: OpsSnapshot): void;
}

/**
 * What survives a restart (upstream §9.3 step 7): the completion feed and its sequence, and the ops
 * that were live, which a restart ends (their owner is gone) as Terminated feed entries.
 */
export interface OpsSnapshot {
  readonly version: 1;
  readonly seq: number;
  readonly feed: readonly CompletionEntry[];
  readonly live: readonly OpSpec[];
}

/** Checks a stored snapshot's shape; null if it cannot be trusted (recovery then starts a fresh registry). */
export function decodeOpsSnapshot(value: unknown): OpsSnapshot | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v["version"] !== 1 || typeof v["seq"] !== "number" || !Array.isArray(v["feed"]) || !Array.isArray(v["live"])) return null;
  const entryOk = (e: unknown): boolean => {
    if (typeof e !== "object" || e === null) return false;
    const o = e as Record<string, unknown>;
    return typeof o["seq"] === "number" && typeof o["opId"] === "string" && typeof o["kind"] === "string" && typeof o["outcome"] === "object" && o["outcome"] !== null;
  };
  const specOk = (e: unknown): boolean => typeof e === "object" && e !== null && typeof (e as Record<string, unknown>)["id"] === "string" && typeof (e as Record<string, unknown>)["kind"] === "string";
  if (!v["feed"].every(entryOk) || !v["live"].every(specOk)) return null;
  return value as OpsSnapshot;
}

const LIVE: ReadonlySet<OpStatus> = new Set(["Provisioning", "Running", "Retiring"]);
const FEED_LIMIT = 1024;

export class OpsRegistry {
  readonly #machine: OpsLifecycleMachine;
  readonly #specs = new Map<string, OpSpec>();
  readonly #outcomes = new Map<string, OpOutcome>();
  readonly #watchers = new Map<string, Array<(o: OpOutcome) => void>>();
  readonly #feed: CompletionEntry[] = [];
  #seq = 0;
  #wait: { readonly id: string; readonly resolve: (o: OpOutcome[]) => void; readonly members: readonly string[] } | null = null;
  #injecting = false;
  /** Payload of the terminal transition being applied (result or error). */
  #pending: { result?: JsonValue; error?: string } = {};

  constructor(
    readonly sessionId: SessionId,
    readonly bus: EventBus,
    readonly hooks: OpsHooks,
    recovered: OpsSnapshot | null = null,
    limits: OpsLimits = DEFAULT_OPS_LIMITS,
  ) {
    // The spec's limit parameters start at the configured values; no transition changes them.
    this.#machine = new OpsLifecycleMachine({ ...initialState(), maxConcurrent: limits.maxConcurrent, maxRetained: limits.maxRetained });
    if (recovered === null) return;
    this.#seq = recovered.seq;
    this.#feed.push(...recovered.feed.slice(-FEED_LIMIT));
    for (const spec of recovered.live) {
      this.#seq += 1;
      this.#feed.push({ seq: this.#seq, opId: spec.id, kind: spec.kind, displayName: spec.displayName ?? spec.id, outcome: { opId: spec.id, status: "Terminated", error: "lost in a runtime restart" }, completedAt: Date.now() });
    }
    if (this.#feed.length > FEED_LIMIT) this.#feed.splice(0, this.#feed.length - FEED_LIMIT);
  }

  /** The recoverable part of the registry. */
  snapshot(): OpsSnapshot {
    const live: OpSpec[] = [];
    for (const [id, status] of this.#machine.state.status) {
      if (!LIVE.has(status)) continue;
      live.push(this.#specs.get(id) ?? { id, kind: this.#machine.state.kinds.get(id) ?? "BackgroundToolOp" });
    }
    return { version: 1, seq: this.#seq, feed: [...this.#feed], live };
  }

  get state(): OpsLifecycleState {
    return this.#machine.state;
  }

  status(opId: string): OpStatus | null {
    return this.#machine.state.status.get(opId) ?? null;
  }

  register(spec: OpSpec): void {
    checkOpSpec(this.sessionId, spec);
    this.#apply("register", spec.id, { kind: "RegisterOp", op: spec.id, opKind: spec.kind });
    this.#specs.set(spec.id, spec);
    this.hooks.persist?.(this.snapshot());
  }
  /** Provisioning succeeded. */
  start(opId: string): void {
    this.#apply("start", opId, { kind: "StartOp", op: opId });
  }
  progress(opId: string): void {
    this.#apply("progress", opId, { kind: "ReportProgress", op: opId });
  }
  peerReady(opId: string): void {
    this.#apply("peerReady", opId, { kind: "PeerReady", op: opId });
  }
  complete(opId: string, result?: JsonValue): void {
    this.#apply("complete", opId, { kind: "CompleteOp", op: opId }, result === undefined ? {} : { result });
  }
  fail(opId: string, error: unknown): void {
    this.#apply("fail", opId, { kind: "FailOp", op: opId }, { error: describeCause(error) });
  }
  abort(opId: string): void {
    this.#apply("abort", opId, { kind: "AbortOp", op: opId });
  }
  cancel(opId: string): void {
    this.#apply("cancel", opId, { kind: "CancelOp", op: opId });
  }
  requestRetire(opId: string): void {
    this.#apply("requestRetire", opId, { kind: "RequestRetire", op: opId });
  }
  markRetired(opId: string): void {
    this.#apply("markRetired", opId, { kind: "MarkRetired", op: opId });
  }
  /**
   * Every live op becomes Terminated; every pending watcher resolves once. The machine closes the
   * registry for good (Closed): from then on it refuses every new op, so a destroyed owner takes none.
   */
  terminateOwner(reason = "owner terminated"): void {
    this.#apply("terminateOwner", "", { kind: "TerminateOwner" }, { error: reason });
  }

  /** Resolves with the op's terminal outcome (at once if it is already terminal). */
  watch(opId: string): Promise<OpOutcome> {
    try {
      checkOpId(this.sessionId, "watch", opId);
    } catch (e) {
      return Promise.reject(e);
    }
    const status = this.status(opId);
    if (status === null) return Promise.reject(new OpNotFoundError(this.sessionId, opId));
    const known = this.#outcomes.get(opId);
    if (!LIVE.has(status) && known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const list = this.#watchers.get(opId);
      if (list === undefined) this.#watchers.set(opId, [resolve]);
      else list.push(resolve);
    });
  }

  /** Waits until every listed op is terminal; one wait at a time (the machine's barrier). */
  waitAll(opIds: readonly string[]): Promise<OpOutcome[]> {
    try {
      checkStringList(this.sessionId, "waitAll", "opIds", opIds);
    } catch (e) {
      return Promise.reject(e);
    }
    const members = new Set(opIds);
    if (members.size !== opIds.length) return Promise.reject(new OpRefusedError(this.sessionId, opIds.join(","), "waitAll", { trigger: "RequestWaitAll", phase: this.#machine.state.phase, reason: "GuardRejected", guard: "duplicate_members" }));
    for (const id of opIds) if (this.status(id) === null) return Promise.reject(new OpNotFoundError(this.sessionId, id));
    const waitId = randomUUID();
    return new Promise<OpOutcome[]>((resolve, reject) => {
      const previous = this.#wait;
      this.#wait = { id: waitId, resolve, members: opIds };
      try {
        this.#apply("waitAll", opIds.join(","), { kind: "RequestWaitAll", wait: waitId, members });
      } catch (e) {
        this.#wait = previous;
        reject(e);
      }
    });
  }

  /** Completion feed entries after `afterSeq` (bounded buffer). */
  completions(afterSeq = 0): CompletionEntry[] {
    return this.#feed.filter((e) => e.seq > afterSeq);
  }

  /** The session became quiescent (or a completion arrived): deliver a pending detached wake. */
  onQuiescence(): void {
    if (!this.#machine.state.wakePending || this.#injecting) return;
    this.#injecting = true;
    void this.hooks
      .injectWake(detachedWakeContinuation())
      .then((injected) => {
        if (injected && this.#machine.state.wakePending) this.#apply("observeCompletions", "", { kind: "ObserveCompletions" });
      })
      .catch((e: unknown) => this.bus.emit(this.sessionId, { type: "runtime.error", code: "DetachedWakeFailed", message: describeCause(e) }))
      .finally(() => {
        this.#injecting = false;
      });
  }

  #apply(operation: string, opId: string, trigger: OpsLifecycleTrigger, payload: { result?: JsonValue; error?: string } = {}): void {
    if ("op" in trigger) checkOpId(this.sessionId, operation, trigger.op);
    const before = this.#machine.state;
    const r = this.#machine.apply(trigger);
    if (!r.ok) {
      if (r.code === "InvariantViolated") throw new OpRefusedError(this.sessionId, opId, operation, { trigger: trigger.kind, phase: before.phase, reason: "GuardRejected", guard: `invariant ${r.invariants.join(",")}` });
      // The machine's Closed phase is the destroyed owner: it has no transition for a new op.
      if (r.code === "NoMatchingTransition" && r.phase === "Closed") {
        if (trigger.kind === "RegisterOp") throw new SessionDestroyedError(this.sessionId);
        if ("op" in trigger && !before.status.has(trigger.op)) throw new OpNotFoundError(this.sessionId, opId);
      }
      if (r.code === "GuardRejected" && r.guard === "registered") throw new OpNotFoundError(this.sessionId, opId);
      throw new OpRefusedError(this.sessionId, opId, operation, toMachineRefusal(r));
    }
    this.hooks.onTransition?.(r.transition);
    this.#pending = payload;
    try {
      this.#derive(before, r.state, r.effects);
    } finally {
      this.#pending = {};
    }
  }

  /** Terminal transitions (by diff, so TerminateOwner's silent ones too), evictions, wait-all. */
  #derive(before: OpsLifecycleState, after: OpsLifecycleState, effects: readonly OpsLifecycleEffect[]): void {
    let backgroundFinished = false;
    if (before.status !== after.status) {
      const finished = new Map<string, TerminalOpStatus>();
      for (const e of effects) if (e.effect === "OpFinished") finished.set(e.op, e.outcome as TerminalOpStatus);
      for (const [id, was] of before.status) {
        if (!LIVE.has(was)) continue;
        const status = after.status.get(id);
        if (status !== undefined && LIVE.has(status)) continue;
        // Terminal now (or terminal and already evicted by retention in the same transition).
        const terminal = (status ?? finished.get(id) ?? "Terminated") as TerminalOpStatus;
        const kind = before.kinds.get(id) ?? "BackgroundToolOp";
        if (kind === "BackgroundToolOp") backgroundFinished = true;
        this.#finalize(id, kind, { opId: id, status: terminal, ...this.#pending });
      }
    }
    for (const e of effects) {
      if (e.effect !== "WaitAllSatisfied") continue;
      const wait = this.#wait;
      if (wait === null || wait.id !== e.wait) continue;
      this.#wait = null;
      const outcomes = wait.members.map((id) => this.#outcomes.get(id) ?? { opId: id, status: (after.status.get(id) ?? "Terminated") as TerminalOpStatus });
      // The waiter took its outcomes: release the barrier so the records are no longer pinned.
      const released = this.#machine.apply({ kind: "CancelWaitAll", wait: e.wait });
      if (released.ok) {
        this.hooks.onTransition?.(released.transition);
        this.#forgetEvicted(released.state);
      }
      wait.resolve(outcomes);
    }
    this.#forgetEvicted(this.#machine.state);
    if (before.status !== after.status && this.hooks.persist !== undefined) this.hooks.persist(this.snapshot());
    if (backgroundFinished) this.onQuiescence();
  }

  #finalize(id: string, kind: OpKind, outcome: OpOutcome): void {
    this.#outcomes.set(id, outcome);
    const spec = this.#specs.get(id);
    this.#seq += 1;
    this.#feed.push({ seq: this.#seq, opId: id, kind, displayName: spec?.displayName ?? id, outcome, completedAt: Date.now() });
    if (this.#feed.length > FEED_LIMIT) this.#feed.shift();
    const watchers = this.#watchers.get(id);
    this.#watchers.delete(id);
    if (watchers !== undefined) for (const w of watchers) w(outcome);
  }

  /** Drops payloads of records the machine evicted (retention). */
  #forgetEvicted(s: OpsLifecycleState): void {
    for (const id of this.#outcomes.keys()) {
      if (!s.status.has(id)) {
        this.#outcomes.delete(id);
        this.#specs.delete(id);
      }
    }
  }
}

// What the runtime's parts share: the configured seams and limits. Internal; not exported publicly.

import type { OpsLifecycleTransitionName } from "../generated/ops.machine.js";
import type { SessionRuntimeTransitionName, SessionRuntimeRuntimeBoundEffect, SessionRuntimeRuntimeDestroyedEffect, SessionRuntimeRuntimeRetiredEffect } from "../generated/session.machine.js";
import type { EventBus } from "./events.js";
import type { Executor } from "./executor.js";
import type { SessionId } from "./input.js";
import type { DedupRetention } from "./ledger.js";
import { resolveOpsLimits, type OpsLimits } from "./ops-limits.js";
import type { PolicyResolver } from "./policy.js";
import type { SessionEntry } from "./session.js";
import type { RuntimeStore } from "./store.js";

/** Session effects routed to another machine (the mob) by the seam. */
export type RoutedEffect = SessionRuntimeRuntimeBoundEffect | SessionRuntimeRuntimeRetiredEffect | SessionRuntimeRuntimeDestroyedEffect;

/** Receives routed effects of committed session transitions (runtime/seam.ts implements it). */
export interface SignalDispatcher {
  /** Called before a PrepareBindings commits; throw to refuse the binding (nothing changes). */
  preview?(sessionId: SessionId, effect: RoutedEffect): void;
  /** Called after the commit; a failure is reported to the caller, the committed state is kept. */
  dispatch(sessionId: SessionId, effect: RoutedEffect): void | Promise<void>;
}

/**
 * Sees every committed machine transition by its spec name (conformance coverage, tracing).
 * Called synchronously after the commit; it must not throw or call back into the runtime.
 */
export interface RuntimeObserver {
  sessionTransition?(sessionId: SessionId, transition: SessionRuntimeTransitionName): void;
  opsTransition?(sessionId: SessionId, transition: OpsLifecycleTransitionName): void;
}

export interface RuntimeLimits {
  /** Live (non-terminal) inputs a session may hold; admission beyond it throws QueueFullError. Default 10,000. */
  readonly maxLiveInputsPerSession?: number;
  /** Idempotency-key retention for terminal inputs. Default 4096 keys, 24 h. */
  readonly dedup?: Partial<DedupRetention>;
  /** Evaluate the machine invariants on every transition (default true). */
  readonly checkInvariants?: boolean;
  /**
   * A failed run's inputs go back to their lane and are retried after this delay, doubled for each
   * attempt already used (default 100 ms; 0 retries only on the next wake, as upstream does).
   */
  readonly retryBackoffMs?: number;
  /**
   * Each session's ops registry: `maxConcurrent` live ops (default unlimited, i.e. OPS_LIMIT_MAX)
   * and `maxRetained` terminal records (default 256). Integers from 1 to OPS_LIMIT_MAX.
   */
  readonly ops?: Partial<OpsLimits>;
}

export interface ResolvedLimits {
  readonly maxLiveInputsPerSession: number;
  readonly dedup: DedupRetention;
  readonly checkInvariants: boolean;
  readonly retryBackoffMs: number;
  readonly ops: OpsLimits;
}

export function resolveLimits(limits: RuntimeLimits | undefined): ResolvedLimits {
  return {
    maxLiveInputsPerSession: limits?.maxLiveInputsPerSession ?? 10_000,
    dedup: {
      maxTerminalKeys: limits?.dedup?.maxTerminalKeys ?? 4096,
      terminalKeyTtlMs: limits?.dedup?.terminalKeyTtlMs ?? 24 * 60 * 60 * 1000,
    },
    checkInvariants: limits?.checkInvariants ?? true,
    retryBackoffMs: limits?.retryBackoffMs ?? 100,
    ops: resolveOpsLimits(limits?.ops),
  };
}

export interface Core {
  readonly executor: Executor;
  readonly store: RuntimeStore | null;
  readonly policy: PolicyResolver;
  readonly limits: ResolvedLimits;
  readonly bus: EventBus;
  dispatcher: SignalDispatcher | null;
  readonly observer: RuntimeObserver | null;
  /** True once the runtime was closed: no loop opens another run. */
  isClosed(): boolean;
  /** Asks the session's loop to look for work (no-op if it cannot run). */
  wake(entry: SessionEntry): void;
  /** Called after a committed transition that may have made a detached wake deliverable. */
  afterQuiescence(entry: SessionEntry): void;
}

// A worker process's loop over a shared PostgresStore: claim sessions with work (SKIP LOCKED,
// fence + 1), bind them in the runtime under that fence (recovery rebuilds them from the
// database), move their inbox submissions into the runtime, and drain them. NOTIFY wakes it
// (a submission, a hand-back); a slow claim poll is the backstop for expired leases. A session
// whose fence is refused is dropped at once (the runtime evicts it); stop() hands every lease back
// after the run in flight finished.

import { createRuntime, type ControlPlane } from "../runtime.js";
import type { Executor } from "../executor.js";
import type { RuntimeLimits } from "../core.js";
import type { Input, SessionId } from "../input.js";
import { InputInvalidError, InputRejectedError, NotReadyError, SessionDestroyedError } from "../errors.js";
import type { PostgresStore } from "./store.js";

/** A timed scan runs this long after the expiry it waits for (the database's `now()` must be past it). */
const EXPIRY_MARGIN_MS = 5;

const STORE_FAILURES: ReadonlySet<string> = new Set(["StoreFailed", "CommitFailed", "LoopFailed", "FailRefused"]);

export interface WorkerOptions {
  readonly store: PostgresStore;
  readonly executor: Executor;
  readonly limits?: RuntimeLimits;
  /** Sessions claimed per scan (default 128: a dead owner's sessions are taken over in one statement, not one round trip per 16). */
  readonly claimBatch?: number;
  /** Backstop scan for expired leases (ms, default a quarter of the lease). */
  readonly claimIntervalMs?: number;
  /** One JSON-able record per ownership change and failure. */
  readonly log?: (record: Readonly<Record<string, unknown>>) => void;
}

export class Worker {
  readonly runtime: ControlPlane;
  readonly store: PostgresStore;
  readonly #log: (record: Readonly<Record<string, unknown>>) => void;
  readonly #claimBatch: number;
  readonly #claimIntervalMs: number;
  readonly #owned = new Map<SessionId, number>();
  readonly #evicting = new Map<SessionId, Promise<void>>();
  readonly #draining = new Map<SessionId, { again: boolean }>();
  readonly #adopting = new Map<SessionId, Promise<void>>();
  #ticks = 0;
  #timer: NodeJS.Timeout | null = null;
  /** A scan timed for the next lease expiry the last scan saw, and when it fires (performance.now()). */
  #expiryTimer: NodeJS.Timeout | null = null;
  #expiryAt = Infinity;
  #scanning = false;
  #rescan = false;
  #stopping = false;
  #unsubscribe: (() => void)[] = [];

  constructor(options: WorkerOptions) {
    this.store = options.store;
    this.runtime = createRuntime({ executor: options.executor, store: options.store, limits: options.limits });
    this.#log = options.log ?? (() => undefined);
    this.#claimBatch = options.claimBatch ?? 128;
    this.#claimIntervalMs = options.claimIntervalMs ?? Math.max(50, Math.floor(options.store.leaseMs / 4));
  }

  /** Sessions this worker owns now, with their fences. */
  owned(): ReadonlyMap<SessionId, number> {
    return this.#owned;
  }

  start(): void {
    this.#unsubscribe.push(
      this.store.onWork((sessionId) => {
        if (sessionId !== null && this.#owned.has(sessionId)) this.#drain(sessionId);
        else this.#scan();
      }),
      this.store.onSessionLost((sessionId, reason) => {
        this.#owned.delete(sessionId);
        this.#log({ event: "lost", session: sessionId, reason: (reason as { code?: string }).code ?? reason.message });
        this.#evict(sessionId, true);
      }),
    );
    this.runtime.on((e) => {
      if (e.type !== "runtime.error") return;
      this.#log({ event: "runtime.error", session: e.sessionId, code: e.code, message: e.message });
      // After a failed store write the memory may be behind the database (or a run may wait for a
      // wake that never comes): give the session up; its lease expires and a claim (this worker's
      // or another's) recovers it from what the database holds.
      const fence = this.#owned.get(e.sessionId);
      if (STORE_FAILURES.has(e.code) && fence !== undefined) {
        this.#owned.delete(e.sessionId);
        this.store.forget(e.sessionId, fence);
        void this.#evict(e.sessionId, true);
      }
    });
    this.#timer = setInterval(() => {
      this.#scan();
      this.#sweep();
    }, this.#claimIntervalMs);
    this.#scan();
  }

  #evict(sessionId: SessionId, interrupt: boolean): Promise<void> {
    let p = this.#evicting.get(sessionId);
    if (p === undefined) {
      p = this.runtime.evictSession(sessionId, { interrupt }).finally(() => this.#evicting.delete(sessionId));
      this.#evicting.set(sessionId, p);
    }
    return p;
  }

  #scan(): void {
    if (this.#stopping) return;
    if (this.#scanning) {
      this.#rescan = true;
      return;
    }
    this.#scanning = true;
    void (async () => {
      try {
        do {
          this.#rescan = false;
          const { claimed, nextExpiryMs } = await this.store.claimScan(this.#claimBatch);
          for (const c of claimed) void this.#adopt(c.sessionId, c.fence);
          if (claimed.length === this.#claimBatch) this.#rescan = true;
          else if (nextExpiryMs !== null) this.#scanAt(nextExpiryMs);
        } while (this.#rescan && !this.#stopping);
      } catch (e) {
        this.#log({ event: "claim.failed", message: e instanceof Error ? e.message : String(e) });
      } finally {
        this.#scanning = false;
      }
    })();
  }

  /**
   * Scans again just after a lease on a session with work runs out: a crashed owner's sessions
   * are claimed within a query of their expiry rather than up to a poll interval later. One timer,
   * for the earliest expiry seen; the poll stays the backstop.
   */
  #scanAt(ms: number): void {
    const at = performance.now() + ms + EXPIRY_MARGIN_MS;
    if (this.#stopping || at >= this.#expiryAt) return;
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryAt = at;
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = null;
      this.#expiryAt = Infinity;
      this.#scan();
    }, ms + EXPIRY_MARGIN_MS);
  }

  /**
   * Liveness backstop (NOTIFY can be lost while a listener reconnects; a failed write leaves a
   * batch waiting for a wake): owned sessions with queued work and no run are woken, and every
   * few ticks each owned session's inbox is drained again.
   */
  #sweep(): void {
    this.#ticks += 1;
    for (const id of this.#owned.keys()) {
      if (!this.runtime.hasSession(id)) continue;
      const snap = this.runtime.snapshot(id);
      if (snap.phase === "Attached" && snap.currentRun === null && snap.inputs.length > 0) this.runtime.wake(id);
      if (this.#ticks % 4 === 0) this.#drain(id);
    }
  }

  #adopt(sessionId: SessionId, fence: number): Promise<void> {
    // One adoption at a time per session; a newer grant waits for the older one's outcome.
    const previous = this.#adopting.get(sessionId) ?? Promise.resolve();
    const next = previous.then(() => this.#adoptOnce(sessionId, fence));
    this.#adopting.set(sessionId, next);
    return next.finally(() => {
      if (this.#adopting.get(sessionId) === next) this.#adopting.delete(sessionId);
    });
  }

  async #adoptOnce(sessionId: SessionId, fence: number): Promise<void> {
    if (this.store.grantedSessions().get(sessionId) !== fence) return; // superseded by a newer grant or lost already
    try {
      await this.#evicting.get(sessionId);
      if (this.runtime.hasSession(sessionId)) await this.#evict(sessionId, true); // a stale copy from an older fence
      // Only now may writes carry the new fence: the stale copy's could not, while it was still here.
      if (!this.store.activate(sessionId, fence)) return;
      this.#owned.set(sessionId, fence);
      await this.runtime.prepareBindings(sessionId, { runtimeId: this.store.owner, fence, generation: 0 });
      const report = this.runtime.recoveryReport(sessionId);
      this.#log({ event: "owns", session: sessionId, fence, recovered: report?.inputsRecovered ?? 0 });
      this.#drain(sessionId);
    } catch (e) {
      if (this.store.grantedSessions().get(sessionId) === fence) {
        this.#owned.delete(sessionId);
        this.store.forget(sessionId, fence);
      }
      this.#log({ event: "adopt.failed", session: sessionId, fence, message: e instanceof Error ? e.message : String(e) });
      void this.#evict(sessionId, true);
    }
  }

  /** Moves the session's pending submissions into the runtime, one pass at a time per session. */
  #drain(sessionId: SessionId): void {
    const running = this.#draining.get(sessionId);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#draining.set(sessionId, state);
    void (async () => {
      try {
        do {
          state.again = false;
          if (!this.#owned.has(sessionId) || this.#stopping) return;
          for (const p of await this.store.pendingSubmissions(sessionId)) {
            if (!this.#owned.has(sessionId) || this.#stopping) return;
            const outcome = await this.#admit(sessionId, p.input);
            if (outcome !== "Accepted") await this.store.settleSubmission(sessionId, p.inputId, outcome);
          }
        } while (state.again);
      } catch (e) {
        this.#log({ event: "drain.failed", session: sessionId, message: e instanceof Error ? e.message : String(e) });
        const fence = this.#owned.get(sessionId);
        if (fence !== undefined) {
          this.#owned.delete(sessionId);
          this.store.forget(sessionId, fence);
          void this.#evict(sessionId, true);
        }
      } finally {
        this.#draining.delete(sessionId);
      }
    })();
  }

  /**
   * Admits one submission: its outcome, or the code of a refusal that is final for it (the session
   * is stopped, retired or destroyed; the input is invalid or rejected by policy). Those are
   * settled, not retried: retrying would claim the session forever. Anything else throws.
   */
  async #admit(sessionId: SessionId, input: Input): Promise<string> {
    try {
      return (await this.runtime.acceptInput(sessionId, input)).outcome;
    } catch (e) {
      if (e instanceof NotReadyError || e instanceof SessionDestroyedError || e instanceof InputInvalidError || e instanceof InputRejectedError) {
        this.#log({ event: "submission.refused", session: sessionId, input: input.header.id, code: e.code, message: e.message });
        return `Refused:${e.code}`;
      }
      throw e;
    }
  }

  /** Graceful shutdown: no new claims, each run in flight finishes, every lease is handed back. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    for (const u of this.#unsubscribe) u();
    const sessions = [...this.#owned.keys()];
    await Promise.all(
      sessions.map(async (id) => {
        await this.#evict(id, false);
        const released = await this.store.release(id).catch(() => false);
        this.#owned.delete(id);
        this.#log({ event: "released", session: id, released });
      }),
    );
    await this.runtime.close();
    await this.store.close();
  }
}

// The reference model of one session's ops registry: the generated OpsLifecycle kernel plus the
// watchers, the wait-all waiter and the detached-wake flag, as runtime/README.md describes them.

import { initialState, transition, type OpsLifecycleEffect, type OpsLifecycleState, type OpsLifecycleTrigger, type OpStatus } from "../../generated/ops.machine.js";
import type { JsonValue } from "../../runtime/index.js";

const LIVE: ReadonlySet<OpStatus> = new Set(["Provisioning", "Running", "Retiring"]);

export interface ModelOpOutcome {
  readonly opId: string;
  readonly status: OpStatus;
  readonly result?: JsonValue;
  readonly error?: string;
}

/** The registry's recoverable part (what a restart keeps): the completion feed and the live ops. */
export interface OpsSnapshotModel {
  readonly feed: readonly (readonly [string, OpStatus])[];
  readonly live: readonly string[];
}

const FEED_LIMIT = 1024;

/** What the ops model tells its session model (handles, quiescence, persistence). */
export interface OpsHost {
  resolveHandle(handle: number, value: unknown): void;
  rejectHandle(handle: number, code: string): void;
  /** A background op finished: the registry asks for a detached wake. */
  onQuiescence(): void;
}

export type OpsResult = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly code: "OpNotFound" | "OpRefused" | "SessionDestroyed" };

export class OpsModel {
  state: OpsLifecycleState = initialState();
  readonly outcomes = new Map<string, ModelOpOutcome>();
  readonly watchers = new Map<string, number[]>();
  wait: { readonly handle: number; readonly members: readonly string[]; readonly id: string } | null = null;
  injecting = false;
  /** The completion feed (op id, terminal status), oldest first. */
  readonly feed: (readonly [string, OpStatus])[] = [];
  #waits = 0;

  /** `recovered`: the snapshot a restart found; its live ops are lost (Terminated feed entries). */
  constructor(
    readonly host: OpsHost,
    recovered: OpsSnapshotModel | null = null,
  ) {
    if (recovered === null) return;
    this.feed.push(...recovered.feed.slice(-FEED_LIMIT));
    for (const id of recovered.live) this.feed.push([id, "Terminated"]);
    if (this.feed.length > FEED_LIMIT) this.feed.splice(0, this.feed.length - FEED_LIMIT);
  }

  snapshot(): OpsSnapshotModel {
    return { feed: [...this.feed], live: [...this.state.status].filter(([, st]) => LIVE.has(st)).map(([id]) => id) };
  }

  /** Applies one trigger; refusals map to the registry's typed errors. */
  apply(trigger: OpsLifecycleTrigger, payload: { result?: JsonValue; error?: string } = {}): OpsResult {
    const before = this.state;
    const r = transition(before, trigger);
    if (!r.ok) {
      if (r.code === "GuardRejected" && r.guard === "registered") return { ok: false, code: "OpNotFound" };
      // Closed is the terminated owner: a new op is refused as SessionDestroyed, an unknown op is not found.
      if (r.code === "NoMatchingTransition" && r.phase === "Closed") {
        if (trigger.kind === "RegisterOp") return { ok: false, code: "SessionDestroyed" };
        if ("op" in trigger && !before.status.has(trigger.op)) return { ok: false, code: "OpNotFound" };
      }
      return { ok: false, code: "OpRefused" };
    }
    this.state = r.state;
    this.#derive(before, r.state, r.effects, payload);
    return { ok: true };
  }

  #derive(before: OpsLifecycleState, after: OpsLifecycleState, effects: readonly OpsLifecycleEffect[], payload: { result?: JsonValue; error?: string }): void {
    let backgroundFinished = false;
    const finished = new Map<string, OpStatus>();
    for (const e of effects) if (e.effect === "OpFinished") finished.set(e.op, e.outcome as OpStatus);
    for (const [id, was] of before.status) {
      if (!LIVE.has(was)) continue;
      const now = after.status.get(id);
      if (now !== undefined && LIVE.has(now)) continue;
      const status = now ?? finished.get(id) ?? "Terminated";
      if ((before.kinds.get(id) ?? "BackgroundToolOp") === "BackgroundToolOp") backgroundFinished = true;
      const outcome: ModelOpOutcome = { opId: id, status, ...payload };
      this.outcomes.set(id, outcome);
      this.feed.push([id, status]);
      if (this.feed.length > FEED_LIMIT) this.feed.shift();
      const ws = this.watchers.get(id) ?? [];
      this.watchers.delete(id);
      for (const w of ws) this.host.resolveHandle(w, outcome);
    }
    for (const e of effects) {
      if (e.effect !== "WaitAllSatisfied") continue;
      const wait = this.wait;
      if (wait === null || wait.id !== e.wait) continue;
      this.wait = null;
      const outs = wait.members.map((id) => this.outcomes.get(id) ?? { opId: id, status: this.state.status.get(id) ?? "Terminated" });
      const released = transition(this.state, { kind: "CancelWaitAll", wait: e.wait });
      if (released.ok) this.state = released.state;
      this.host.resolveHandle(wait.handle, outs);
    }
    for (const id of [...this.outcomes.keys()]) if (!this.state.status.has(id)) this.outcomes.delete(id);
    if (backgroundFinished) this.host.onQuiescence();
  }

  watch(opId: string, handle: number): void {
    const status = this.state.status.get(opId);
    if (status === undefined) return this.host.rejectHandle(handle, "OpNotFound");
    const known = this.outcomes.get(opId);
    if (!LIVE.has(status) && known !== undefined) return this.host.resolveHandle(handle, known);
    const list = this.watchers.get(opId);
    if (list === undefined) this.watchers.set(opId, [handle]);
    else list.push(handle);
  }

  waitAll(ids: readonly string[], handle: number): void {
    const members = new Set(ids);
    if (members.size !== ids.length) return this.host.rejectHandle(handle, "OpRefused");
    for (const id of ids) if (!this.state.status.has(id)) return this.host.rejectHandle(handle, "OpNotFound");
    this.#waits += 1;
    const previous = this.wait;
    const id = `wait-${this.#waits}`;
    this.wait = { handle, members: ids, id };
    const r = this.apply({ kind: "RequestWaitAll", wait: id, members });
    if (!r.ok) {
      this.wait = previous;
      this.host.rejectHandle(handle, r.code);
    }
  }
}

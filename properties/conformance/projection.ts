// The comparable projection of a runtime (or of the reference model): per session the machine state
// as the snapshot/`machineState` show it (maps as sorted entries, run ids and detached-wake input
// ids normalized), the visible phase, the waiter count, the transitions committed since the last
// projection and the ops registry; plus the executor calls in flight, every step's handle, every
// completion waiter and the executor hook counters. Entries keyed by caller-chosen ids are arrays,
// so ids such as `__proto__` are plain data.

import type { SessionRuntimeState } from "../../generated/session.machine.js";
import type { OpsLifecycleState } from "../../generated/ops.machine.js";
import type { CompletionOutcome, SessionSnapshot } from "../../runtime/index.js";
import type { HandleState, HookCounters } from "./handles.js";
import type { ReferenceModel } from "./model.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SessionProjection {
  readonly name: string;
  /** `machineState(id)`: the lifecycle authority. */
  readonly machine: Json;
  /** `snapshot(id)`: phases, binding, current run, input phases/lanes/attempts, lanes, waiter count. */
  readonly snapshot: Json;
  readonly visiblePhase: string;
  readonly waiters: number;
  readonly ops: Json;
}

/** The snapshot `snapshot(id)` must show for a machine state and a waiter count (runtime/README "snapshot"). */
export function expectedSnapshot(name: string, s: SessionRuntimeState, waiters: number, input: Normalize, run: Normalize): Json {
  const visible = s.phase === "Running" && s.runFrom === "Retired" ? "Retired" : s.phase;
  return {
    sessionId: name,
    phase: s.phase,
    visiblePhase: visible,
    registered: s.registered,
    binding: { runtimeId: s.boundRuntime, fence: s.boundFence, highestFence: s.highestFence, generation: s.boundGeneration },
    currentRun: s.currentRun === null ? null : run(s.currentRun),
    stopRequested: s.stopRequested,
    inputs: [...s.inputs]
      .map(([id, phase]) => ({ id: input(id), phase, lane: s.laneOf.get(id) ?? null, attempts: s.attempts.get(id) ?? 0, abandonReason: s.abandoned.get(id) ?? null, replacedBy: s.replacedBy.has(id) ? input(s.replacedBy.get(id)!) : null }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    lanes: { queue: s.queue.map(input), steer: s.steer.map(input), staged: s.staged.map(input) },
    waiters,
  };
}

/** A runtime snapshot, normalized like the machine state (inputs sorted by id). */
export function projectSnapshot(snap: SessionSnapshot, input: Normalize, run: Normalize): Json {
  return {
    sessionId: snap.sessionId,
    phase: snap.phase,
    visiblePhase: snap.visiblePhase,
    registered: snap.registered,
    binding: { ...snap.binding },
    currentRun: snap.currentRun === null ? null : run(snap.currentRun),
    stopRequested: snap.stopRequested,
    inputs: snap.inputs
      .map((i) => ({ id: input(i.id), phase: i.phase, lane: i.lane, attempts: i.attempts, abandonReason: i.abandonReason, replacedBy: i.replacedBy === null ? null : input(i.replacedBy) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    lanes: { queue: snap.lanes.queue.map(input), steer: snap.lanes.steer.map(input), staged: snap.lanes.staged.map(input) },
    waiters: snap.waiters,
  };
}

export interface Projection {
  readonly sessions: readonly SessionProjection[];
  readonly transitions: readonly (readonly [string, readonly string[]])[];
  readonly opsTransitions: readonly (readonly [string, readonly string[]])[];
  readonly calls: readonly { readonly session: string; readonly runId: string; readonly kind: string; readonly contributors: readonly string[] }[];
  readonly handles: readonly (readonly [number, HandleState])[];
  readonly waiters: readonly (readonly [number, { readonly inputId: string; readonly outcome: CompletionOutcome | null }])[];
  readonly counters: HookCounters;
  readonly store: Json;
}

export type Normalize = (id: string) => string;

function entries<V>(m: ReadonlyMap<string, V>, key: Normalize, value: (v: V) => Json): Json {
  return [...m].map(([k, v]) => [key(k), value(v)] as [string, Json]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The machine state with maps as sorted entries; `input` and `run` rename ids. */
export function projectMachine(s: SessionRuntimeState, input: Normalize, run: Normalize): Json {
  const same = <T extends Json>(v: T): Json => v;
  return {
    phase: s.phase,
    registered: s.registered,
    boundRuntime: s.boundRuntime,
    boundFence: s.boundFence,
    highestFence: s.highestFence,
    boundGeneration: s.boundGeneration,
    currentRun: s.currentRun === null ? null : run(s.currentRun),
    runFrom: s.runFrom,
    stopRequested: s.stopRequested,
    silentIntents: s.silentIntents,
    inputs: entries(s.inputs, input, same),
    laneOf: entries(s.laneOf, input, same),
    attempts: entries(s.attempts, input, same),
    abandoned: entries(s.abandoned, input, same),
    replacedBy: entries(s.replacedBy, input, (v) => input(v)),
    queue: s.queue.map(input),
    steer: s.steer.map(input),
    staged: s.staged.map(input),
    lastRun: s.lastRun === null ? null : run(s.lastRun),
  };
}

/** The ops registry's machine state (the wait id, a random UUID in the runtime, as presence only) and its completion feed. */
export function projectOps(s: OpsLifecycleState | null, feed: readonly (readonly [string, string])[] = []): Json {
  if (s === null) return null;
  const same = <T extends Json>(v: T): Json => v;
  const id: Normalize = (x) => x;
  return {
    status: entries(s.status, id, same),
    kinds: entries(s.kinds, id, same),
    live: [...s.live].sort(),
    activeCount: s.activeCount,
    peerReady: [...s.peerReady].sort(),
    progress: entries(s.progress, id, same),
    retained: [...s.retained],
    wait: s.waitId !== null,
    waitMembers: [...s.waitMembers].sort(),
    waitSatisfied: s.waitSatisfied,
    wakePending: s.wakePending,
    unobservedCompletions: s.unobservedCompletions,
    feed: feed.map(([id, status]) => [id, status]),
  };
}

/** Paths where two JSON-like values differ (at most `limit`). */
export function diff(expected: unknown, actual: unknown, limit = 8): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (Object.is(a, b)) return;
    if (typeof a !== typeof b || a === null || b === null || typeof a !== "object" || Array.isArray(a) !== Array.isArray(b)) {
      out.push(`${path || "/"}: expected ${show(a)}, actual ${show(b)}`);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length && a.every((x) => typeof x !== "object")) {
        out.push(`${path || "/"}: expected ${show(a)}, actual ${show(b)}`);
        return;
      }
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}/${i}`);
      return;
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) walk(ao[k], bo[k], `${path}/${k}`);
  };
  walk(expected, actual, "");
  return out;
}

export function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (x === undefined ? "undefined" : x));
  if (s === undefined) return String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** The reference model's projection (same shape as World.project); drains the model's transition logs. */
export function projectModel(m: ReferenceModel): Projection {
  const id: Normalize = (x) => x;
  const sessions: SessionProjection[] = [];
  for (const name of [...m.sessions.keys()].sort()) {
    const sm = m.sessions.get(name)!;
    const s = sm.state;
    let waiters = 0;
    for (const ws of sm.waiters.values()) waiters += ws.length;
    sessions.push({
      name,
      machine: projectMachine(s, id, id),
      snapshot: expectedSnapshot(name, s, waiters, id, id),
      visiblePhase: s.phase === "Running" && s.runFrom === "Retired" ? "Retired" : s.phase,
      waiters,
      ops: sm.ops === null ? null : projectOps(sm.ops.state, sm.ops.feed),
    });
  }
  const drainLog = (log: Map<string, string[]>): [string, string[]][] => {
    const out = [...log].filter(([, v]) => v.length > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    log.clear();
    return out;
  };
  return {
    sessions,
    transitions: drainLog(m.transitions),
    opsTransitions: drainLog(m.opsTransitions),
    calls: m.calls.map((c) => ({ session: c.session, runId: c.run.runId, kind: c.run.kind, contributors: [...c.run.contributors] })),
    handles: [...m.handles].sort((a, b) => a[0] - b[0]),
    waiters: [...m.waiters].map(([w, s]) => [w, { inputId: s.inputId, outcome: s.outcome }] as const),
    counters: { ...m.counters },
    store: null,
  };
}

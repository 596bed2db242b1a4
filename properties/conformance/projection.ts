// The comparable projection of a runtime (or of the reference model), as the public API shows it:
// per session its snapshot (phases, binding, current run, every input's phase, lane, attempts and
// outcome, the lanes, the waiter count; run ids and detached-wake input ids normalized) and its ops
// registry; plus the executor calls in flight, every step's handle, every completion waiter and the
// executor hook counters. Entries keyed by caller-chosen ids are arrays, so ids such as `__proto__`
// are plain data. The order in which the runtime committed transitions is not compared.

import type { SessionRuntimeState } from "../../generated/session.machine.js";
import type { OpsLifecycleState } from "../../generated/ops.machine.js";
import type { CompletionOutcome, SessionSnapshot } from "../../runtime/index.js";
import type { ReferenceModel } from "./model.js";
import { visiblePhaseOf } from "./model-session.js";
import type { HandleState, HookCounters } from "./steps.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Normalize = (id: string) => string;

export interface SessionProjection {
  readonly name: string;
  /** `snapshot(id)`: phases, binding, current run, input phases/lanes/attempts, lanes, waiter count. */
  readonly snapshot: Json;
  readonly ops: Json;
}

export interface Projection {
  readonly sessions: readonly SessionProjection[];
  readonly calls: readonly { readonly session: string; readonly runId: string; readonly kind: string; readonly contributors: readonly string[] }[];
  readonly handles: readonly (readonly [number, HandleState])[];
  readonly waiters: readonly (readonly [number, { readonly inputId: string; readonly outcome: CompletionOutcome | null }])[];
  readonly counters: HookCounters;
}

const byId = <T extends { readonly id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The snapshot `snapshot(id)` must show for a machine state and a waiter count (runtime/README "snapshot"). */
export function expectedSnapshot(name: string, s: SessionRuntimeState, waiters: number): Json {
  const inputs = [...s.inputs].map(([id, phase]) => ({ id, phase, lane: s.laneOf.get(id) ?? null, attempts: s.attempts.get(id) ?? 0, abandonReason: s.abandoned.get(id) ?? null, replacedBy: s.replacedBy.get(id) ?? null }));
  const binding = { runtimeId: s.boundRuntime, fence: s.boundFence, highestFence: s.highestFence, generation: s.boundGeneration };
  const lanes = { queue: [...s.queue], steer: [...s.steer], staged: [...s.staged] };
  return { sessionId: name, phase: s.phase, visiblePhase: visiblePhaseOf(s), registered: s.registered, binding, currentRun: s.currentRun, stopRequested: s.stopRequested, inputs: inputs.sort(byId), lanes, waiters };
}

/** A runtime snapshot, normalized like the model's (inputs sorted by id, ids renamed by `input` and `run`). */
export function projectSnapshot(snap: SessionSnapshot, input: Normalize, run: Normalize): Json {
  const inputs = snap.inputs.map((i) => ({ id: input(i.id), phase: i.phase, lane: i.lane, attempts: i.attempts, abandonReason: i.abandonReason, replacedBy: i.replacedBy === null ? null : input(i.replacedBy) }));
  const lanes = { queue: snap.lanes.queue.map(input), steer: snap.lanes.steer.map(input), staged: snap.lanes.staged.map(input) };
  const { sessionId, phase, visiblePhase, registered, stopRequested, waiters } = snap;
  return { sessionId, phase, visiblePhase, registered, binding: { ...snap.binding }, currentRun: snap.currentRun === null ? null : run(snap.currentRun), stopRequested, inputs: inputs.sort(byId), lanes, waiters };
}

/** A state as comparable JSON: maps as entries sorted by key, sets sorted, lists in order. */
export function plain(v: unknown): Json {
  const sorted = (xs: Json[]): Json[] => xs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v instanceof Map) return sorted([...v].map(([k, x]) => [plain(k), plain(x)]));
  if (v instanceof Set) return sorted([...v].map(plain));
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v as Json;
}

/** The ops registry's machine state (the wait id, a random UUID in the runtime, as presence only) and its completion feed. */
export function projectOps(s: OpsLifecycleState | null, feed: readonly (readonly [string, string])[] = []): Json {
  if (s === null) return null;
  const { waitId, ...rest } = s;
  return { ...(plain(rest) as { [key: string]: Json }), wait: waitId !== null, feed: feed.map(([id, status]) => [id, status]) };
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

/** The reference model's projection (same shape as World.project). */
export function projectModel(m: ReferenceModel): Projection {
  const sessions = [...m.sessions.keys()].sort().map((name): SessionProjection => {
    const sm = m.sessions.get(name)!;
    const waiters = [...sm.waiters.values()].reduce((n, ws) => n + ws.length, 0);
    return { name, snapshot: expectedSnapshot(name, sm.state, waiters), ops: sm.ops === null ? null : projectOps(sm.ops.state, sm.ops.feed) };
  });
  return {
    sessions,
    calls: m.calls.map((c) => ({ session: c.session, runId: c.run.runId, kind: c.run.kind, contributors: [...c.run.contributors] })),
    handles: [...m.handles].sort((a, b) => a[0] - b[0]),
    waiters: [...m.waiters].map(([w, s]) => [w, { inputId: s.inputId, outcome: s.outcome }] as const),
    counters: { ...m.counters },
  };
}

// Transition coverage: which spec transitions the property runs drove through the public API,
// counted by the runtime's `observer` option (every committed transition by its spec name,
// including the Archive of each terminal input).

import { opsLifecycleKernel } from "../../generated/ops.machine.js";
import { sessionRuntimeKernel } from "../../generated/session.machine.js";
import type { RuntimeObserver } from "../../runtime/index.js";

/**
 * Session transitions no public call can drive, and why. Everything else in the spec must be hit.
 * (Checked by the coverage test: each one listed here must indeed stay unhit.)
 */
export const UNREACHABLE: Readonly<Record<string, string>> = {
  RollbackToIdle:
    "RollbackRun fires only when the first StageInput of a freshly opened run is refused; the loop stages the head it just selected under the same mutex, and acceptInputAndRun stages the only live input",
  RollbackToAttached: "as RollbackToIdle",
  RollbackToRetired: "as RollbackToIdle",
  DestroyBeforeRegistration:
    "a session is never observable in Initializing with a bound runtime: every public entry point registers first (Register), and recovery registers before replaying a stored phase",
  DrainQueuedRun:
    "the runtime loop drains a retired session's queue through its own trigger OpenLoopRun (LoopDrainsQueuedRun, same guards and updates); the DrainQueuedRun signal is left to the session machine's check",
  CancelQueuedInput:
    "the runtime never sends CancelInput: no public call cancels a queued input, and a cancelled run's contributors are abandoned by its own Fail (abandon, AbandonRunTo*)",
  FailToIdle:
    "a run from Idle is acceptInputAndRun's, whose failure abandons its input (AbandonRunToIdle); it re-queues only when a store write fails (the boundary commit, or the staging write), which these fault-free runs never do",
  ExecutorExitedAgain:
    "RuntimeExecutorExited is only sent while a stop is pending, and a stop is never pending in Stopped (StopRuntimeExecutor has no transition from Stopped)",
};

export class Coverage {
  readonly session = new Map<string, number>();
  readonly ops = new Map<string, number>();
  readonly observer: RuntimeObserver = {
    sessionTransition: (_sid, name) => void this.session.set(name, (this.session.get(name) ?? 0) + 1),
    opsTransition: (_sid, name) => void this.ops.set(name, (this.ops.get(name) ?? 0) + 1),
  };

  merge(other: Coverage): void {
    for (const [k, v] of other.session) this.session.set(k, (this.session.get(k) ?? 0) + v);
    for (const [k, v] of other.ops) this.ops.set(k, (this.ops.get(k) ?? 0) + v);
  }

  /** The report over the store-backed properties too (recovery transitions count as reachable). */
  report(): CoverageReport {
    const all: readonly string[] = sessionRuntimeKernel.transitions.map((t) => t.name);
    const reachable = all.filter((t) => UNREACHABLE[t] === undefined);
    const hit = all.filter((t) => (this.session.get(t) ?? 0) > 0);
    const opsAll = opsLifecycleKernel.transitions.map((t) => t.name);
    const opsHit = opsAll.filter((t) => (this.ops.get(t) ?? 0) > 0);
    return {
      session: { total: all.length, hit: hit.length, percent: pct(hit.length, all.length), reachable: reachable.length, reachableHit: reachable.filter((t) => hit.includes(t)).length },
      missedReachable: reachable.filter((t) => !hit.includes(t)),
      notHit: all.filter((t) => !hit.includes(t)).map((t) => ({ transition: t, why: UNREACHABLE[t] ?? "reachable, not hit" })),
      unexpectedlyHit: Object.keys(UNREACHABLE).filter((t) => hit.includes(t)),
      ops: { total: opsAll.length, hit: opsHit.length, percent: pct(opsHit.length, opsAll.length), notHit: opsAll.filter((t) => !opsHit.includes(t)) },
      counts: Object.fromEntries([...this.session].sort((a, b) => b[1] - a[1])),
    };
  }
}

export interface CoverageReport {
  readonly session: { readonly total: number; readonly hit: number; readonly percent: number; readonly reachable: number; readonly reachableHit: number };
  readonly missedReachable: readonly string[];
  readonly notHit: readonly { readonly transition: string; readonly why: string }[];
  readonly unexpectedlyHit: readonly string[];
  readonly ops: { readonly total: number; readonly hit: number; readonly percent: number; readonly notHit: readonly string[] };
  readonly counts: Readonly<Record<string, number>>;
}

function pct(a: number, b: number): number {
  return b === 0 ? 100 : Math.round((1000 * a) / b) / 10;
}

export function formatCoverage(r: CoverageReport): string {
  const lines = [
    `session transitions: ${r.session.hit}/${r.session.total} hit (${r.session.percent}%); reachable through the API: ${r.session.reachableHit}/${r.session.reachable}`,
    `ops transitions: ${r.ops.hit}/${r.ops.total} hit (${r.ops.percent}%)${r.ops.notHit.length > 0 ? `; not hit: ${r.ops.notHit.join(", ")}` : ""}`,
  ];
  for (const n of r.notHit) lines.push(`  not hit: ${n.transition} — ${n.why}`);
  return lines.join("\n");
}

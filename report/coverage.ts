// Coverage of a check for the report: per transition how often it fired (when counted), what never
// fired or was never reached, invariants held, witnesses reached, and the run's figures.

import type { ExploreResult } from "../properties/explorer/index.js";
import type { GraphTransition } from "./graph.js";
import type { Coverage, InvariantView, TransitionCoverage } from "./model.js";

export function transitionCoverage(transitions: readonly GraphTransition[], result: ExploreResult | null, fired: ReadonlyMap<string, number> | null): TransitionCoverage[] {
  const unfired = new Set(result?.coverage.unfiredTransitions ?? []);
  return transitions.map((t) => ({
    name: t.name,
    trigger: t.trigger,
    guards: t.guards,
    fired: fired ? (fired.get(t.name) ?? 0) : null,
    unfired: result !== null && unfired.has(t.name),
  }));
}

/**
 * `traceOf(i)` is the index, among the report's traces, of violation i's trace (null: it has none).
 */
export function coverageOf(result: ExploreResult, transitions: readonly TransitionCoverage[], invariants: readonly InvariantView[], traceOf: (i: number) => number | null): Coverage {
  const broken = new Set(result.violations.filter((v) => v.kind === "invariant").map((v) => v.name));
  return {
    profile: result.profile,
    ok: result.ok,
    complete: result.complete,
    states: result.distinctStates,
    depth: result.depth,
    maxDepth: result.maxDepth,
    durationMs: Math.round(result.durationMs),
    symmetry: result.symmetry,
    pruned: result.pruned,
    checked: result.coverage.checked,
    transitions,
    unreachedPhases: result.coverage.unreachedPhases,
    invariants: invariants.map((i) => ({ name: i.name, source: i.source, held: !broken.has(i.name) })),
    witnesses: result.witnesses.map((w) => ({ name: w.name, source: w.source, reached: w.reached, depth: w.depth })),
    violations: result.violations.map((v, i) => ({ kind: v.kind, name: v.name, message: v.message, trace: traceOf(i) })),
  };
}

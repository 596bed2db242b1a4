// Judges a composition's instance-transition coverage once its exploration is complete: every
// instance transition must fire, unless the composition declares it left out (with a reason);
// and a transition declared left out must not fire (the declaration would be stale).

import type { ExploreResult, Violation } from "./result.js";

export function judgeCompositionCoverage(result: ExploreResult, leftOut: Readonly<Record<string, string>>): ExploreResult {
  const declared = Object.keys(leftOut);
  const unfired = new Set(result.coverage.unfiredTransitions);
  const coverage = { ...result.coverage, checked: true, leftOut: declared };
  // An incomplete exploration (state limit, stopped early) proves nothing about coverage.
  if (!result.complete) return { ...result, coverage };
  const found: Violation[] = [];
  for (const t of result.coverage.unfiredTransitions) {
    if (Object.prototype.hasOwnProperty.call(leftOut, t)) continue;
    found.push({
      kind: "unfired-transition",
      name: t,
      message: `instance transition ${t} never fires in the composition under profile ${result.profile}; let the entries reach it (an entry input, an environment assumption, a route, a profile) or declare it in "leftOut" with the reason`,
      trace: null,
    });
  }
  for (const t of declared) {
    if (unfired.has(t)) continue;
    found.push({
      kind: "left-out-fired",
      name: t,
      message: `instance transition ${t} is declared left out ("${leftOut[t] ?? ""}") but fires under profile ${result.profile}; remove it from "leftOut"`,
      trace: null,
    });
  }
  if (found.length === 0) return { ...result, coverage };
  const violations = [...result.violations, ...found];
  return { ...result, coverage, violations, ok: false };
}

// An exploration that also counts, per transition, the edges of the reachable state graph it labels
// (how often it fired: once per explored state in which it fires, per concrete trigger). The
// explorer keeps only a fired/unfired bit, so the counting wraps the system's step function instead
// of slowing down every `meerkat check`.

import { explore } from "../properties/explorer/engine.js";
import { compositionSystem, DEFAULT_MAX_STATES, machineSystem, type ExploreProgress, type ExploreResult, type System } from "../properties/explorer/index.js";
import { selectProfile } from "../properties/explorer/profile.js";
import type { ReportTarget } from "./graph.js";

export interface CountedResult {
  readonly result: ExploreResult;
  /** Fire count per declared transition (qualified in compositions); every declared one is present. */
  readonly fired: ReadonlyMap<string, number>;
}

export interface CountOptions {
  readonly profile: string;
  readonly maxStates?: number;
  readonly symmetry?: boolean;
  readonly onProgress?: (p: ExploreProgress) => void;
}

function counting<S>(sys: System<S>, fired: Map<string, number>): System<S> {
  for (const t of sys.transitionNames) fired.set(t, 0);
  const step = sys.step;
  const initialStates = sys.initialStates;
  // The engine asks for the initial state once to explore and again for every trace it rebuilds
  // afterwards (replaying recorded steps): only steps of the exploration itself are counted.
  // test/report.test.ts checks the counts against an independent walk.
  let exploring = 0;
  return {
    ...sys,
    initialStates: () => {
      exploring++;
      return initialStates();
    },
    step: (s, c) => {
      const r = step(s, c);
      if (r.ok && exploring === 1) fired.set(r.transition, (fired.get(r.transition) ?? 0) + 1);
      return r;
    },
  };
}

/** Explores like `meerkat check` (same profile, bounds and symmetry) and counts firings. */
export function exploreCounting(target: ReportTarget, options: CountOptions): CountedResult {
  const fired = new Map<string, number>();
  const profiles = target.kernel.profiles;
  const subject = target.kind === "machine" ? `machine ${target.kernel.machine}` : `composition ${target.kernel.composition}`;
  const profile = selectProfile(subject, profiles, options.profile);
  const engine = {
    maxStates: options.maxStates ?? profile.maxStates ?? DEFAULT_MAX_STATES,
    symmetry: options.symmetry ?? profile.symmetry,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const result =
    target.kind === "machine" ? explore(counting(machineSystem(target.kernel, profile), fired), engine) : explore(counting(compositionSystem(target.kernel, profile), fired), engine);
  return { result, fired };
}

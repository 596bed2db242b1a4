// Rebuilds shortest traces from the store's parent links: replays the recorded choices from the
// initial state. With symmetry reduction the stored states are canonical representatives, so each
// step picks the choice whose successor has the recorded (canonical) key, which keeps the trace a
// real, concrete run.

import { rootChoice } from "./initial-states.js";
import type { StateKey } from "./state-key.js";
import type { StateStore } from "./store.js";
import type { StepResult, System } from "./system.js";
import type { Trace, TraceStep } from "./trace.js";

export interface FinalStep<S> {
  readonly choice: number;
  /** Whether an outcome is the violating one (used to find the matching choice under symmetry). */
  accept(r: StepResult<S>): boolean;
}

export interface TraceMeta {
  readonly kind: string;
  readonly name: string;
  readonly message: string;
}

function indicesTo(store: StateStore, at: number): number[] {
  const out: number[] = [];
  for (let i = at; i >= 0; i = store.parentOf(i)) out.push(i);
  return out.reverse();
}

export function buildTrace<S>(sys: System<S>, store: StateStore, keyOf: (s: S) => StateKey, at: number, final: FinalStep<S> | null, meta: TraceMeta): Trace {
  const path = indicesTo(store, at);
  // The root's stored choice is the index of the concrete initial state it was seeded from.
  let state = sys.initialStates()[rootChoice(store, path[0] as number)] as S;
  const initial = sys.stateJson(state);
  const steps: TraceStep[] = [];
  for (let j = 1; j < path.length; j++) {
    const q = path[j] as number;
    const want = store.keyAt(q);
    const found = pick(sys, state, store.choiceOf(q), (r) => r.ok && keyOf(r.state) === want);
    if (!found || !found.result.ok) throw new Error(`${sys.name}: cannot replay the path to state ${q} (step ${j})`);
    steps.push(sys.stepJson(state, found.choice, found.result));
    state = found.result.state;
  }
  if (final) {
    const found = pick(sys, state, final.choice, (r) => final.accept(r));
    if (!found) throw new Error(`${sys.name}: cannot replay the violating step of ${meta.kind} ${meta.name}`);
    steps.push(sys.stepJson(state, found.choice, found.result));
  }
  return { machine: sys.name, subject: sys.subject, specFile: sys.specFile, profile: sys.profile.name, ...meta, initial, steps };
}

/** The recorded choice if it gives the wanted outcome, else the first choice that does. */
function pick<S>(sys: System<S>, s: S, preferred: number, ok: (r: StepResult<S>) => boolean): { choice: number; result: StepResult<S> } | null {
  const from = sys.choicesFrom(s);
  const to = sys.choicesTo(s);
  if (preferred >= from && preferred < to) {
    const first = sys.step(s, preferred);
    if (ok(first)) return { choice: preferred, result: first };
  }
  for (let c = from; c < to; c++) {
    const r = sys.step(s, c);
    if (ok(r)) return { choice: c, result: r };
  }
  return null;
}

// What a violation found on the way records, and how its last step is recognised again when the
// trace is rebuilt. The serial engine and the parallel coordinator both describe findings this
// way, so their traces and messages are the same.

import { describeRefusal } from "../../kernel/result.js";
import { OUT_OF_DOMAIN } from "./dense.js";
import type { FinalStep } from "./paths.js";
import type { ViolationKind } from "./result.js";
import type { KeyCodec, StateKey } from "./state-key.js";
import type { RouteRefused, StepResult, System } from "./system.js";

/** Which step outcome a finding is about (null: the state itself, as for invariants and deadlocks). */
export type FinalTag = "determinism" | "route-refused" | "effect-range" | "state-range";

export interface Finding {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  /** State the violation was found in (or whose step violated). */
  readonly at: number;
  /** The violating choice taken in `at` (with tag), or null for a finding about the state. */
  readonly final: { readonly tag: FinalTag; readonly choice: number } | null;
}

/** The field that makes s unstorable, with a message naming it. */
export function badKeyOf<S>(sys: System<S>, codec: KeyCodec<S>): (s: S) => { name: string; message: string } {
  return (s) => {
    const range = sys.stateRangeProblem(s);
    if (range) return range;
    const p = codec.problem(s);
    const name = p ? (sys.layout.names[p.component] ?? "state") : "state";
    return { name, message: `${name} holds a value outside its type's domain under profile ${sys.profile.name}` };
  };
}

/** How buildTrace finds the violating step of a finding again. */
export function finalStepOf<S>(sys: System<S>, keyOf: (s: S) => StateKey, badKey: (s: S) => { name: string }, f: Finding): FinalStep<S> | null {
  if (f.final === null) return null;
  const { tag, choice } = f.final;
  const name = f.name;
  switch (tag) {
    case "determinism":
      return { choice, accept: (x) => !x.ok && x.code === "AmbiguousTransition" && x.transitions.join("|") === name };
    case "route-refused":
      return { choice, accept: (x) => !x.ok && x.code === "RouteRefused" && x.route === name };
    case "effect-range":
      return { choice, accept: (x) => x.ok && sys.effectRangeProblem(x)?.name === name };
    case "state-range":
      return { choice, accept: (x: StepResult<S>) => x.ok && badKey(x.state).name === name && keyOf(x.state) === OUT_OF_DOMAIN };
  }
}

/**
 * A refused step that still counts as an enabled choice, as the finding it raises: two transitions
 * enabled at once (determinism) or a route the receiving instance refused. Null for every other
 * refusal (no transition, a guard), which is simply not enabled.
 */
export function enabledRefusal(r: Exclude<StepResult<unknown>, { readonly ok: true }>): { readonly kind: "determinism" | "route-refused"; readonly name: string; readonly message: string } | null {
  if (r.code === "AmbiguousTransition") return { kind: "determinism", name: r.transitions.join("|"), message: describeRefusal(r) };
  if (r.code === "RouteRefused") return { kind: "route-refused", name: r.route, message: routeRefusedMessage(r) };
  return null;
}

export function routeRefusedMessage(r: RouteRefused): string {
  return `route ${r.route} delivered ${r.refusal.trigger} to ${r.instance}, which refused it: ${describeRefusal(r.refusal)}`;
}

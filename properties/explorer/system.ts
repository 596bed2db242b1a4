// What the exploration engine explores: a machine or a composition seen as a transition system with
// numbered choices (concrete triggers), flat-encodable states and named checks.

import type { AnyEffect, ProfileDesc } from "../../kernel/descriptor.js";
import type { Refusal } from "../../kernel/result.js";
import type { IdSpace } from "./ids.js";
import type { Layout } from "./layout.js";
import type { RangeProblem } from "./ranges.js";
import type { JsonObject, TraceStep } from "./trace.js";

export interface StepFired<S> {
  readonly ok: true;
  /** Qualified for compositions ("gate.InsertCoin"). */
  readonly transition: string;
  readonly state: S;
  readonly effects: readonly AnyEffect[];
  /** The instance that fired (compositions only). */
  readonly instance?: number;
}

export interface RouteRefused {
  readonly ok: false;
  readonly code: "RouteRefused";
  readonly route: string;
  readonly instance: string;
  readonly refusal: Refusal<string>;
}

/**
 * A composition entry input whose environment assumption (`when`) is false in this state: the
 * environment does not offer it there. Neither a step nor a violation.
 */
export interface NotOffered {
  readonly ok: false;
  readonly code: "NotOffered";
  readonly instance: string;
  readonly trigger: string;
}

export type StepResult<S> = StepFired<S> | Refusal<string> | RouteRefused | NotOffered;

export interface NamedCheck<S> {
  readonly name: string;
  readonly source: string;
  holds(s: S): boolean;
}

export interface System<S> {
  readonly subject: "machine" | "composition";
  readonly name: string;
  readonly specFile: string;
  readonly profile: ProfileDesc;
  /** The profile's identifier domains (symmetry reduction renames within them). */
  readonly ids: IdSpace;
  /** Every phase (qualified "instance.Phase" in compositions). */
  readonly phaseNames: readonly string[];
  /** Every declared transition (qualified in compositions). */
  readonly transitionNames: readonly string[];
  /**
   * Whether unreachable phases and dead transitions are violations. True for machines; false for
   * compositions, which often drive only part of each instance (the machine's own check covers the
   * rest) and report them as coverage only.
   */
  readonly coverageIsChecked: boolean;
  readonly invariants: readonly NamedCheck<S>[];
  readonly witnesses: readonly NamedCheck<S>[];
  readonly layout: Layout<S>;
  /** Every initial state (at least one), in order: the roots of the exploration. */
  initialStates(): readonly S[];
  /** Choices to try in s: [choicesFrom(s), choicesTo(s)). */
  choicesFrom(s: S): number;
  choicesTo(s: S): number;
  step(s: S, choice: number): StepResult<S>;
  /**
   * The choices worth trying in s, ascending, or null for all of [choicesFrom, choicesTo). Every
   * choice left out must be refused with NoMatchingTransition (no transition for its trigger leaves
   * the phase of s), an outcome the engine ignores; they still count in stepsTried.
   */
  choicesIn?(s: S): Int32Array | null;
  /** Indexes (into phaseNames) of the phases s is in. */
  phasesOf(s: S): readonly number[];
  /** Terminal: no step is expected (every instance in a terminal phase). */
  isTerminal(s: S): boolean;
  /** Non-terminal but listed in profile.allowDeadlockIn. */
  deadlockAllowed(s: S): boolean;
  /** A short name for where s is stuck ("Locked", "gate=Broken,audit=Counting"). */
  whereStuck(s: S): string;
  /** An int in the step's effect payloads outside its type, or null. */
  effectRangeProblem(result: StepFired<S>): RangeProblem | null;
  /** An int field of s outside its type, or null. */
  stateRangeProblem(s: S): RangeProblem | null;
  stateJson(s: S): JsonObject;
  /** The trace step for taking `choice` in s with the given outcome. */
  stepJson(s: S, choice: number, result: StepResult<S>): TraceStep;
}

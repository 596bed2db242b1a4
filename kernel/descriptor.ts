// What every generated machine module exports as its `kernel`: the pure transition function plus
// enough description (types, triggers, predicates, check profiles) for the explorer and the codec.

import type { TransitionResult } from "./result.js";
import type { TypeDesc } from "./types.js";

export interface FieldDesc {
  readonly name: string;
  readonly type: TypeDesc;
}

export interface TriggerDesc {
  readonly kind: "input" | "signal";
  readonly name: string;
  readonly fields: readonly FieldDesc[];
}

export interface EffectDesc {
  readonly name: string;
  readonly fields: readonly FieldDesc[];
}

/** One transition as data; the name parameters are the generated module's literal unions. */
export interface TransitionDesc<TName extends string = string, P extends string = string, K extends string = string, G extends string = string> {
  readonly name: TName;
  readonly from: readonly P[];
  readonly on: K;
  /** `null` when the transition stays in the phase it fired from. */
  readonly to: P | null;
  readonly guards: readonly G[];
}

/** The phase names of a state type (`string` for a loosely typed state). */
export type PhaseOf<S> = S extends { readonly phase: infer P extends string } ? P : string;
/** The trigger names of a trigger union (`string` for a loosely typed trigger). */
export type KindOf<T> = T extends { readonly kind: infer K extends string } ? K : string;

export interface PredicateDesc<S> {
  readonly name: string;
  /** The expression as written in the spec, for reports. */
  readonly source: string;
  /**
   * The state fields `holds` reads ("phase" included). A predicate is a pure function of them, so
   * it keeps its value while none of them changes. Absent: it may read anything.
   */
  readonly reads?: readonly string[];
  holds(state: S): boolean;
}

export interface OrderDependentLoopDesc {
  /** JSON pointer of the update in the spec file. */
  readonly pointer: string;
  readonly transition: string;
  readonly idType: string;
  readonly reason: string;
}

export interface ProfileDesc {
  readonly name: string;
  /** Number of symbolic values per identifier type. */
  readonly domains: Readonly<Record<string, number>>;
  readonly maxDepth: number | null;
  /** Upper bound on the size of every Set, Map and Seq field during exploration. */
  readonly maxCollectionSize: number;
  /**
   * Per-field bounds that replace maxCollectionSize for one field (every collection inside it):
   * machine field names, or `instance.field` and `queue` in a composition. Absent: none.
   */
  readonly collectionSizes?: Readonly<Record<string, number>>;
  /**
   * Narrower ranges for int types during exploration only (declared ranges stay the run-time
   * bounds). Reached values beyond them are pruned like oversized collections.
   */
  readonly intBounds: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  readonly maxStates: number | null;
  /** Non-terminal phases in which having no enabled trigger is acceptable. */
  readonly allowDeadlockIn: readonly string[];
  readonly symmetry: boolean;
  /** Fail the check if anything was pruned or left beyond maxDepth (absent: false). */
  readonly complete?: boolean;
}

/**
 * `G` is the machine's guard-name union: refusals carry it, so a renamed guard is a type error
 * wherever code still names the old one.
 */
export interface MachineKernel<S, T, E, TName extends string = string, G extends string = string> {
  readonly machine: string;
  readonly version: number;
  /** Spec file the module was generated from, relative to the repository root. */
  readonly specFile: string;
  readonly phases: readonly PhaseOf<S>[];
  readonly initialPhase: PhaseOf<S>;
  readonly terminalPhases: readonly PhaseOf<S>[];
  readonly fields: readonly FieldDesc[];
  readonly triggers: readonly TriggerDesc[];
  readonly queryOnly: readonly string[];
  readonly effects: readonly EffectDesc[];
  readonly transitions: readonly TransitionDesc<TName, PhaseOf<S>, KindOf<T>, G>[];
  readonly invariants: readonly PredicateDesc<S>[];
  readonly witnesses: readonly PredicateDesc<S>[];
  readonly profiles: Readonly<Record<string, ProfileDesc>>;
  /**
   * `for` loops over ids whose outcome depends on the order they visit them in (absent: none).
   * Renaming ids does not commute with such a machine, so symmetry reduction is refused for it.
   */
  readonly orderDependentLoops?: readonly OrderDependentLoopDesc[];
  /**
   * Named id constants by id type (absent: none), each spelled as its value. The explorer gives them
   * the first values of their type's domain and symmetry reduction never renames them.
   */
  readonly idConstants?: Readonly<Record<string, readonly string[]>>;
  /** The state a new instance starts in (the first of initialStates()). */
  initialState(): S;
  /**
   * Every initial state, initialState() first (several when a field's `init` is a `oneOf`): the
   * explorer seeds all of them. Absent in hand-written kernels: then initialState() is the only one.
   */
  initialStates?(): readonly S[];
  transition(state: S, trigger: T): TransitionResult<S, TName, E, G, PhaseOf<S>, KindOf<T>>;
  /**
   * Every state `transition` builds is one object literal of `phase` and then every field in
   * declaration order (generated kernels: true), so an instance keeps it as it is; otherwise the
   * instance re-lays out each new state (kernel/state-layout.ts).
   */
  readonly laidOutStates?: boolean;
  /**
   * Which state properties differ between two states (compared with `!==`, so a shared collection
   * counts as unchanged): bit 0 is the phase, bit i + 1 is `fields[i]`. Generated for machines with
   * at most 31 fields; the invariant checker compares property by property without it.
   */
  changedFields?(a: S, b: S): number;
}

/** The loosest kernel type: what the explorer and other generic tools accept. */
export type AnyKernel = MachineKernel<AnyState, AnyTrigger, AnyEffect, string, string>;
export type AnyState = { readonly phase: string } & Readonly<Record<string, unknown>>;
export type AnyTrigger = { readonly kind: string } & Readonly<Record<string, unknown>>;
export type AnyEffect = { readonly effect: string } & Readonly<Record<string, unknown>>;

export interface RouteDesc<P, Q> {
  readonly name: string;
  readonly from: { readonly instance: string; readonly effect: string };
  readonly to: { readonly instance: string; readonly trigger: string; readonly kind: "input" | "signal" };
  /** Builds the consumer's trigger from the producer's effect payload. */
  deliver(effect: P): Q;
}

export interface EntryInputDesc<S> {
  readonly instance: string;
  readonly trigger: string;
  /**
   * The environment assumption: the input is injected only in composed states where this holds
   * (absent: in every state). It states a protocol the hand-written runtime keeps.
   */
  when?(state: S): boolean;
}

export interface CompositionKernel<S> {
  readonly composition: string;
  readonly version: number;
  readonly specFile: string;
  readonly instances: Readonly<Record<string, AnyKernel>>;
  /** Inputs the environment may inject: `instance.Input`. Routed-only triggers are not listed. */
  readonly entryInputs: readonly EntryInputDesc<S>[];
  readonly routes: readonly RouteDesc<AnyEffect, AnyTrigger>[];
  /**
   * Instance transitions ("instance.Transition") the composition deliberately does not exercise,
   * each with its reason. Every other instance transition must fire in the composition's check.
   */
  readonly leftOut: Readonly<Record<string, string>>;
  readonly invariants: readonly PredicateDesc<S>[];
  readonly witnesses: readonly PredicateDesc<S>[];
  readonly profiles: Readonly<Record<string, ProfileDesc>>;
}

/**
 * A route's `deliver` from a typed function of the producer's effect payload (the route table
 * checks the routed names; the composition's explorer hands each route only its own effect).
 */
export function delivery<P, Q>(deliver: (payload: P) => Q): (effect: AnyEffect) => AnyTrigger {
  return deliver as unknown as (effect: AnyEffect) => AnyTrigger;
}

/** `leftOut` from the spec's groups: every transition of a group shares its reason. */
export function leftOutGroups(groups: readonly { readonly transitions: readonly string[]; readonly reason: string }[]): Readonly<Record<string, string>> {
  return Object.fromEntries(groups.flatMap((g) => g.transitions.map((t) => [t, g.reason] as const)));
}

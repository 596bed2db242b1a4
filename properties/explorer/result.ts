// What an exploration reports.

import type { Trace } from "./trace.js";

export type ViolationKind =
  | "invariant"
  | "determinism"
  | "deadlock"
  | "unreachable-phase"
  | "dead-transition"
  | "unreachable-witness"
  | "out-of-range"
  | "route-refused"
  | "unfired-transition"
  | "left-out-fired"
  | "state-limit"
  | "incomplete";

export interface Violation {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  /** Shortest path to the violation; null for kinds about the whole state space. */
  readonly trace: Trace | null;
}

export interface WitnessResult {
  readonly name: string;
  readonly source: string;
  readonly reached: boolean;
  /** BFS depth at which it first held. */
  readonly depth: number | null;
  readonly trace: Trace | null;
}

export interface ExploreResult {
  readonly machine: string;
  readonly subject: "machine" | "composition";
  readonly specFile: string;
  readonly profile: string;
  readonly ok: boolean;
  /** False when exploration stopped at the state limit. */
  readonly complete: boolean;
  readonly distinctStates: number;
  /** Distinct initial states (the roots of the exploration; canonical ones under symmetry). */
  readonly initialStates: number;
  /** Deepest BFS level reached. */
  readonly depth: number;
  readonly maxDepth: number | null;
  readonly durationMs: number;
  /** CPU time of the exploration itself (user + system), less sensitive to a busy machine than durationMs. */
  readonly cpuMs: number;
  readonly statesPerSecond: number;
  /** Transition attempts made (triggers applied to states). */
  readonly stepsTried: number;
  readonly transitions: { readonly declared: number; readonly fired: number };
  /**
   * Phases never entered and transitions never fired within the bounds. For machines each is also
   * a violation. For compositions a transition never fired is a violation (unfired-transition)
   * unless the composition declares it in `leftOut` (listed here); phases are informational.
   */
  readonly coverage: {
    readonly checked: boolean;
    readonly unreachedPhases: readonly string[];
    readonly unfiredTransitions: readonly string[];
    /** Compositions: the instance transitions declared left out. */
    readonly leftOut?: readonly string[];
  };
  readonly violations: readonly Violation[];
  readonly witnesses: readonly WitnessResult[];
  readonly invariantsChecked: number;
  /** Successors dropped because a collection or the delivery queue exceeded maxCollectionSize. */
  readonly pruned: number;
  /**
   * Why the verdict covers only part of the state space (null: nothing was cut off): successors
   * pruned at the profile's bounds, and new successors of states at maxDepth left unexplored.
   */
  readonly bounded: Bounded | null;
  readonly symmetry: boolean;
  /** How symmetry picks representatives (see canonical.ts); null without symmetry. */
  readonly canonicalMethod: "full" | "refined" | null;
  readonly keyKind: "number" | "string";
  readonly storeBytes: number;
  readonly bytesPerState: number;
  /** Peak of heap used plus array buffers, sampled during the run. */
  readonly peakMemoryBytes: number;
  /**
   * How successors were computed: by the spec's compiled successor functions, or by the generic
   * kernel interpreter with the reason (absent for compositions, which are always generic).
   */
  readonly successors?: SuccessorPath;
}

export interface SuccessorPath {
  readonly path: "compiled" | "generic";
  /** Why the generic path was taken (null when compiled). */
  readonly reason: string | null;
}

export interface Bounded {
  readonly pruned: number;
  readonly beyondMaxDepth: number;
  readonly maxDepth: number | null;
}

/** "980 successors pruned, 12 beyond maxDepth 14". */
export function boundedText(b: Bounded): string {
  const parts: string[] = [];
  if (b.pruned > 0) parts.push(`${b.pruned.toLocaleString("en-US")} successors pruned`);
  if (b.beyondMaxDepth > 0) parts.push(`${b.beyondMaxDepth.toLocaleString("en-US")} new successors beyond maxDepth ${b.maxDepth ?? ""}`.trimEnd());
  return parts.join(", ");
}

export interface ExploreProgress {
  readonly states: number;
  readonly frontier: number;
  readonly depth: number;
  readonly rate: number;
}

export interface ExploreOptions {
  readonly profile: string;
  readonly maxStates?: number;
  /** Overrides the profile's symmetry (true: on, false: off). */
  readonly symmetry?: boolean;
  /** How symmetry picks representatives (tests force the refined method). */
  readonly canonical?: { readonly fullLimit?: number };
  readonly onProgress?: (p: ExploreProgress) => void;
  /**
   * End the exploration as soon as this violation is recorded (its trace is still a shortest one).
   * The result is then incomplete: coverage and witnesses are not judged and no state-limit is reported.
   */
  readonly stopOnViolation?: { readonly kind: ViolationKind; readonly name: string };
  /** "generic" forces the generic successor path for a machine (default "auto": compiled when the spec compiles). */
  readonly successors?: "auto" | "generic";
}

export const DEFAULT_MAX_STATES = 5_000_000;

// The one transition-selection algorithm every generated machine uses. A machine module is data:
// a table of transitions (phases, named guards, a fire function each); `dispatcher` indexes it by
// trigger and phase once, and the returned function picks the enabled transition or explains why
// there is none (the first failing guard) or more than one.

import type { KindOf, PhaseOf, TransitionDesc } from "./descriptor.js";
import type { Fired, TransitionResult } from "./result.js";

/** A named guard. `holds` reads the pre-state and the trigger payload. */
export interface Guard<S, T, G extends string> {
  readonly name: G;
  holds(state: S, trigger: T): boolean;
}

/** One transition of a machine for trigger `K`: where it fires from, its guards in order, its effect. */
export interface TransitionRow<S, T, E, TName extends string, G extends string, K extends string> {
  readonly name: TName;
  readonly on: K;
  readonly from: readonly PhaseOf<S>[];
  /** `null`: the transition stays in the phase it fired from. */
  readonly to: PhaseOf<S> | null;
  readonly guards: readonly Guard<S, T, G>[];
  /**
   * Applies the transition; called only when every guard holds, with the row's name and target
   * phase (its own phase when it stays), so rows whose effect reads the same share one function.
   */
  fire(state: S, trigger: T, name: TName, to: PhaseOf<S>): Fired<S, TName, E>;
}

/** A machine's transitions in declaration order; each row's `fire` takes its own trigger type. */
export type TransitionTable<S, T extends { readonly kind: string }, E, TName extends string, G extends string> = readonly {
  readonly [K in KindOf<T>]: TransitionRow<S, Extract<T, { readonly kind: K }>, E, TName, G, K>;
}[KindOf<T>][];

type AnyRow<S, T, E, TName extends string, G extends string> = TransitionRow<S, T, E, TName, G, string>;

/** A transition row as the generated table writes it: one line per transition (see TransitionRow). */
export type TransitionTuple<S, T, E, TName extends string, G extends string, K extends string> = readonly [
  name: TName,
  on: K,
  from: readonly PhaseOf<S>[],
  to: PhaseOf<S> | null,
  guards: readonly Guard<S, T, G>[],
  fire: (state: S, trigger: T, name: TName, to: PhaseOf<S>) => Fired<S, TName, E>,
];

/** Tuple rows for a table; each row's `fire` and guards take its own trigger type. */
export type TransitionTuples<S, T extends { readonly kind: string }, E, TName extends string, G extends string> = readonly {
  readonly [K in KindOf<T>]: TransitionTuple<S, Extract<T, { readonly kind: K }>, E, TName, G, K>;
}[KindOf<T>][];

/** The table of tuple rows, as named rows. */
export function transitionRows<S, T extends { readonly kind: string }, E, TName extends string, G extends string>(
  rows: TransitionTuples<S, T, E, TName, G>,
): TransitionTable<S, T, E, TName, G> {
  type Tuple = TransitionTuple<S, T, E, TName, G, string>;
  return (rows as unknown as readonly Tuple[]).map(([name, on, from, to, guards, fire]) => ({ name, on, from, to, guards, fire })) as unknown as TransitionTable<S, T, E, TName, G>;
}

/**
 * The transition function of a table. Among the transitions for the trigger that fire from the
 * current phase (in declaration order): exactly one with every guard true fires; none gives the
 * first candidate's first false guard (or NoMatchingTransition when no transition fires from the
 * phase); two or more is AmbiguousTransition naming the first two.
 */
export function dispatcher<S extends { readonly phase: string }, T extends { readonly kind: string }, E, TName extends string, G extends string>(
  table: TransitionTable<S, T, E, TName, G>,
): (state: S, trigger: T) => TransitionResult<S, TName, E, G, PhaseOf<S>, KindOf<T>> {
  type Result = TransitionResult<S, TName, E, G, PhaseOf<S>, KindOf<T>>;
  const index = new Map<string, Map<string, AnyRow<S, T, E, TName, G>[]>>();
  for (const row of table as readonly AnyRow<S, T, E, TName, G>[]) {
    let byPhase = index.get(row.on);
    if (byPhase === undefined) index.set(row.on, (byPhase = new Map()));
    for (const phase of row.from) {
      const rows = byPhase.get(phase);
      if (rows === undefined) byPhase.set(phase, [row]);
      else rows.push(row);
    }
  }
  return (s, t) => {
    const phase = s.phase as PhaseOf<S>;
    const trigger = t.kind as KindOf<T>;
    const candidates = index.get(trigger)?.get(phase);
    if (candidates === undefined) return { ok: false, code: "NoMatchingTransition", phase, trigger };
    let enabled: AnyRow<S, T, E, TName, G> | null = null;
    let rejected: AnyRow<S, T, E, TName, G> | null = null;
    let rejectedGuard: G | null = null;
    for (let i = 0; i < candidates.length; i++) {
      const row = candidates[i] as AnyRow<S, T, E, TName, G>;
      const failed = firstFalse(row.guards, s, t);
      if (failed === null) {
        if (enabled !== null) return { ok: false, code: "AmbiguousTransition", phase, trigger, transitions: [enabled.name, row.name] };
        enabled = row;
      } else if (rejected === null) {
        rejected = row;
        rejectedGuard = failed;
      }
    }
    if (enabled !== null) return enabled.fire(s, t, enabled.name, enabled.to ?? phase) as Result;
    // Every candidate has a guard (a guardless one is always enabled), so one was recorded.
    return { ok: false, code: "GuardRejected", phase, trigger, transition: (rejected as AnyRow<S, T, E, TName, G>).name, guard: rejectedGuard as G };
  };
}

function firstFalse<S, T, G extends string>(guards: readonly Guard<S, T, G>[], s: S, t: T): G | null {
  for (let i = 0; i < guards.length; i++) {
    const g = guards[i] as Guard<S, T, G>;
    if (!g.holds(s, t)) return g.name;
  }
  return null;
}

/** The descriptor view of a table (what the explorer and the docs read). */
export function transitionDescs<S, T extends { readonly kind: string }, E, TName extends string, G extends string>(
  table: TransitionTable<S, T, E, TName, G>,
): readonly TransitionDesc<TName, PhaseOf<S>, KindOf<T>, G>[] {
  return (table as readonly AnyRow<S, T, E, TName, G>[]).map((row) => ({
    name: row.name,
    from: row.from,
    on: row.on as KindOf<T>,
    to: row.to,
    guards: row.guards.map((g) => g.name),
  }));
}

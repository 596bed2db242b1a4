// Invariants and witnesses as a generated module writes them: one row per predicate,
// `[name, source, reads, holds]` (a composition's rows have no `reads`), so each takes a line or
// two instead of an object literal's four.

import type { PredicateDesc } from "./descriptor.js";

/** `[name, spec source, state fields read ("phase" included), holds]`; without `reads`: it may read anything. */
export type PredicateRow<S> =
  | readonly [name: string, source: string, reads: readonly string[], holds: (state: S) => boolean]
  | readonly [name: string, source: string, holds: (state: S) => boolean];

/** The descriptors of predicate rows, in order. */
export function predicates<S>(rows: readonly PredicateRow<S>[]): readonly PredicateDesc<S>[] {
  return rows.map((row) => (row.length === 4 ? { name: row[0], source: row[1], reads: row[2], holds: row[3] } : { name: row[0], source: row[1], holds: row[2] }));
}

// A machine state re-laid out as one object literal of its fields, in declaration order: for kernels
// whose transitions do not build states that way already (generated kernels do, and say so with
// `laidOutStates`; the instance then skips this copy).
//
// Why: a transition that builds the next state as `{ ...s, field: value }` gets a spread copy. V8 gives a spread
// object only a few in-object property slots and puts the rest in a separate property array, and
// copying such an object by spread again takes its slow path: for a state of ~20 fields each
// transition then costs about a microsecond in the copy alone. A state written as a literal with
// every field in-object is copied by the next spread on the fast path (about 10× cheaper). The
// copy is shallow (collections stay shared), so comparing fields by reference — what the
// incremental invariant check and copy-on-write rely on — sees exactly the same values.

import type { FieldDesc } from "./descriptor.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const layouts = new WeakMap<readonly FieldDesc[], (s: object) => object>();

/**
 * The re-layout function of a machine's state: `phase` then every field, read by name. Built once
 * per field list (as source, so V8 sees one literal with a fixed shape). Null when a field name is
 * not a plain identifier (then states are kept as they come).
 */
export function stateLayout<S extends object>(fields: readonly FieldDesc[]): ((s: S) => S) | null {
  const known = layouts.get(fields);
  if (known !== undefined) return known as unknown as (s: S) => S;
  const names = ["phase", ...fields.map((f) => f.name)];
  if (!names.every((n) => IDENTIFIER.test(n)) || new Set(names).size !== names.length) return null;
  // The names are identifiers checked above, so the source below is exactly `{ a: s.a, ... }`.
  const made = new Function("s", `return { ${names.map((n) => `${n}: s.${n}`).join(", ")} };`) as (s: object) => object;
  layouts.set(fields, made);
  return made as unknown as (s: S) => S;
}

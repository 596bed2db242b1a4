// Every concrete trigger of a trigger kind: the cartesian product of its payload fields' bounded
// domains (ids from the profile, int ranges, enums, bools, Option and bounded collections).

import type { AnyTrigger, FieldDesc } from "../../kernel/descriptor.js";
import type { Value } from "../../kernel/types.js";
import { allValues, denseOf, type DenseContext } from "./dense.js";
import { ExploreSetupError } from "./errors.js";

/** Most concrete triggers one trigger kind may expand to. */
export const MAX_PAYLOADS = 100_000;

export function concreteTriggers(kind: string, fields: readonly FieldDesc[], ctx: DenseContext): AnyTrigger[] {
  let out: Record<string, Value>[] = [{}];
  for (const f of fields) {
    const values = allValues(denseOf(f.type, ctx), MAX_PAYLOADS);
    if (out.length * values.length > MAX_PAYLOADS) {
      throw new ExploreSetupError(`trigger ${kind} has more than ${MAX_PAYLOADS} payloads under this profile`);
    }
    const next: Record<string, Value>[] = [];
    for (const partial of out) for (const v of values) next.push({ ...partial, [f.name]: v });
    out = next;
  }
  return out.map((p) => ({ kind, ...p }));
}

// Refuses `symmetry` in a profile when the spec has a `for` loop whose outcome depends on the order
// it visits ids in: symmetry reduction is sound only when renaming ids commutes with every
// transition, and such a loop treats the first id it meets differently from the others.

import type { ProfileDesc } from "../kernel/descriptor.js";
import { pointerOf } from "./diagnostics.js";
import type { OrderDependentLoop } from "./model.js";

export type { OrderDependentLoop } from "./model.js";

export interface SymmetryRefusal {
  readonly pointer: string;
  readonly message: string;
  readonly hint: string;
}

const HINT =
  "iterate a Seq (its order is renamed with the ids), keep the body order-insensitive (only put/remove/add at the loop variable, or set a loop-invariant value nobody in the loop reads), or drop symmetry from the profile";

function describe(loop: OrderDependentLoop): string {
  const text = loop.source.length > 90 ? `${loop.source.slice(0, 87)}...` : loop.source;
  return `transition ${loop.transition}: \`${text}\` visits ${loop.dependence.idType} ids in id order and its outcome depends on that order (${loop.dependence.reason})`;
}

/**
 * One refusal per order-dependent loop when some profile sets symmetry. For a machine (`machineFile`
 * empty) it points at the loop's update; for a composition at the profile's `symmetry`, naming the
 * instance machine's file and pointer.
 */
export function symmetryRefusals(loops: readonly OrderDependentLoop[], profiles: readonly ProfileDesc[], composed: readonly { readonly instance: string; readonly file: string; readonly loops: readonly OrderDependentLoop[] }[]): SymmetryRefusal[] {
  const symmetric = profiles.filter((p) => p.symmetry).map((p) => p.name);
  if (symmetric.length === 0) return [];
  const which = symmetric.length > 1 ? `profiles ${symmetric.join(", ")} set` : `profile ${symmetric[0] as string} sets`;
  const out: SymmetryRefusal[] = loops.map((l) => ({ pointer: l.pointer, message: `${which} symmetry, but ${describe(l)}, so ids are not interchangeable`, hint: HINT }));
  for (const inst of composed) {
    for (const l of inst.loops) {
      out.push({
        pointer: pointerOf("check", "profiles", symmetric[0] as string, "symmetry"),
        message: `${which} symmetry, but instance ${inst.instance} (${inst.file} at ${l.pointer}) has an order-dependent loop: ${describe(l)}, so ids are not interchangeable`,
        hint: HINT,
      });
    }
  }
  return out;
}

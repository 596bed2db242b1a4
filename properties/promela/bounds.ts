// The profile's collection bound: a successor in which any Set, Map or Seq (nested ones included,
// as the explorer's dense codecs count them) has more than maxCollectionSize elements is out of
// bounds. It is not a state: the step that would produce it leaves the state unchanged instead.

import { sizeOf } from "./expr.js";
import { and, or } from "./pml.js";
import { range, type View } from "./view.js";

/** Promela condition: some collection inside the value has more than `max` elements. */
export function overBound(v: View, max: number): string {
  switch (v.k) {
    case "scalar":
      return "0";
    case "option":
      return and([v.has, overBound(v.of, max)]);
    case "set":
      return v.size > max ? `(${sizeOf(v)} > ${max})` : "0";
    case "seq":
      return `(${v.len} > ${max})`;
    case "map":
      return or([v.size > max ? `(${sizeOf(v)} > ${max})` : "0", ...range(v.size).map((i) => and([v.has(i), overBound(v.val(i), max)]))]);
  }
}

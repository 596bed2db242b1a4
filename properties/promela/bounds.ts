// The profile's bounds: a successor in which any Set, Map or Seq (nested ones included, as the
// explorer's dense codecs count them) has more than maxCollectionSize elements, or an int lies
// outside the profile's narrower bound for its type (profile `ints`), is out of bounds. It is not a
// state: the step that would produce it leaves the state unchanged instead.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import { sizeOf } from "./expr.js";
import { and, not, or } from "./pml.js";
import { inBound, scalarDomain } from "./scalar.js";
import { compoundUnsupported } from "./errors.js";
import { expect, range, type View } from "./view.js";

/** Promela condition: some part of the value (of type t) is outside the profile's bounds. */
export function overBound(v: View, t: TypeDesc, profile: ProfileDesc): string {
  const max = profile.maxCollectionSize;
  switch (t.kind) {
    case "bool":
    case "enum":
    case "id":
      return "0";
    case "int":
      return not(inBound(scalarDomain(t, profile), expect(v, "scalar").e));
    case "option": {
      const o = expect(v, "option");
      return and([o.has, overBound(o.of, t.of, profile)]);
    }
    case "set": {
      const s = expect(v, "set");
      return s.size > max ? `(${sizeOf(s)} > ${max})` : "0";
    }
    case "seq": {
      const q = expect(v, "seq");
      return or([`(${q.len} > ${max})`, ...range(q.cap).map((j) => and([`(${j} < ${q.len})`, overBound(q.at(j), t.of, profile)]))]);
    }
    case "map": {
      const m = expect(v, "map");
      return or([m.size > max ? `(${sizeOf(m)} > ${max})` : "0", ...range(m.size).map((i) => and([m.has(i), overBound(m.val(i), t.value, profile)]))]);
    }
    case "record":
    case "tuple":
      return compoundUnsupported(t);
  }
}

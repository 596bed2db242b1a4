// Symmetry reduction: rename the id values of a state in order of first appearance, walking the
// scalar components (ids, Option<id>) first, then the collections in index order. The result is
// always a renaming of the state, so exploring it instead is sound; symmetric states usually, not
// always, meet the same form (scalars first makes it exact for one Set next to Option fields).

import type { Dense } from "./dense.js";
import type { IdSpace } from "./ids.js";
import type { Layout } from "./layout.js";
import { Renaming } from "./renaming.js";

/**
 * A function from a state to its canonical representative (the very same object when the state is
 * already canonical), or null when no component holds ids.
 */
export function canonicalizer<S>(layout: Layout<S>, ids: IdSpace): ((s: S) => S) | null {
  const comps = layout.components;
  if (!comps.some((c) => c.hasIds)) return null;
  const r = new Renaming(ids);
  const vals = new Array<unknown>(comps.length);
  const walk = comps.map((c, i) => ({ c, i })).filter((x) => x.c.hasIds);
  const order = [...walk.filter((x) => !x.c.collection), ...walk.filter((x) => x.c.collection)].map((x) => x.i);
  return (s) => {
    layout.flatten(s, vals);
    r.reset();
    for (const i of order) (comps[i] as Dense<unknown>).visitIds(vals[i], r);
    if (r.isIdentity()) return s;
    for (const i of order) vals[i] = (comps[i] as Dense<unknown>).rename(vals[i], r);
    return layout.build(vals);
  };
}

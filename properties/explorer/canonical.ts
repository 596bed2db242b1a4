// Symmetry reduction: rename the id values of a state in order of first appearance (walking the
// components in order, collections in index order). The result is always a renaming of the state,
// so exploring it instead is sound; symmetric states usually, not always, meet the same form.

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
  return (s) => {
    layout.flatten(s, vals);
    r.reset();
    for (let i = 0; i < comps.length; i++) {
      const c = comps[i] as Dense<unknown>;
      if (c.hasIds) c.visitIds(vals[i], r);
    }
    if (r.isIdentity()) return s;
    for (let i = 0; i < comps.length; i++) {
      const c = comps[i] as Dense<unknown>;
      if (c.hasIds) vals[i] = c.rename(vals[i], r);
    }
    return layout.build(vals);
  };
}

// Several initial states: the explorer seeds every one of them as a root of the BFS (level 0,
// parent -1). A root's stored choice is its index in sys.initialStates(), so a trace is rebuilt
// from the concrete initial state it started in, even when symmetry stored a canonical key.

import type { AnyKernel, AnyState } from "../../kernel/descriptor.js";
import { ExploreSetupError } from "./errors.js";
import type { Keying } from "./keying.js";
import type { StateStore } from "./store.js";
import type { System } from "./system.js";

/** A kernel's initial states (hand-written kernels without initialStates have one). */
export function kernelInitialStates(kernel: AnyKernel): readonly AnyState[] {
  return kernel.initialStates?.() ?? [kernel.initialState()];
}

/** Every combination of one item per list, the first list varying slowest. */
export function product<T>(lists: readonly (readonly T[])[]): T[][] {
  let out: T[][] = [[]];
  for (const items of lists) out = out.flatMap((prefix) => items.map((x) => [...prefix, x]));
  return out;
}

/**
 * Adds every initial state to the empty store, as roots, and returns the new ones with their
 * store index. Initial states equal to an earlier one (the same key, canonical under symmetry)
 * are stored once. A state the profile cannot encode is a setup error naming it.
 */
export function seedInitialStates<S>(sys: System<S>, keys: Keying<S>, store: StateStore, keyError: (s: S, key: number) => string): { readonly index: number; readonly state: S }[] {
  const all = sys.initialStates();
  if (all.length === 0) throw new ExploreSetupError(`${sys.name}: there is no initial state to explore`);
  const roots: { index: number; state: S }[] = [];
  all.forEach((s, n) => {
    const k = keys.keyOf(s);
    if (typeof k === "number" && k < 0) {
      const which = all.length === 1 ? "the initial state" : `initial state ${n + 1} of ${all.length}`;
      throw new ExploreSetupError(`${sys.name}: ${which} cannot be explored: ${keyError(s, k)}`);
    }
    const index = store.add(k, -1, n);
    if (index >= 0) roots.push({ index, state: s });
  });
  return roots;
}

/** The root a stored state descends from, as an index into sys.initialStates(). */
export function rootChoice(store: StateStore, root: number): number {
  return Math.max(0, store.choiceOf(root));
}

/** How many initial states the store holds (they come first, with no parent). */
export function rootCount(store: StateStore): number {
  let n = 0;
  while (n < store.size && store.parentOf(n) < 0) n++;
  return n;
}

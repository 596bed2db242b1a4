// Symmetry reduction: maps a state (as its component indexes) to the canonical representative of
// its orbit under every permutation of every id type at once: the renaming whose component index
// tuple is lexicographically smallest. Two states get the same representative exactly when one is
// a renaming of the other.
//
// Small domains ("full"): every combined permutation is tried, with per-component tables of
// permuted indexes filled on demand. Larger ones ("refined"): each id gets a signature that
// renaming cannot change (the sum of codes for where it occurs), the ids of each type are sorted by
// it, and only the permutations that produce this sorted order are tried, every order within a tie
// included. Ids that occur nowhere keep a fixed order (it changes nothing). Both are exact.

import type { Dense } from "./dense.js";
import type { IdSpace } from "./ids.js";
import type { Layout } from "./layout.js";
import { factorial, permutations } from "./permutations.js";
import { mixCode, Renaming } from "./renaming.js";

export interface Canonicalizer {
  /** Replaces idx, a state's component indexes, by those of its orbit's representative. */
  canonical(idx: Float64Array): void;
  readonly method: "full" | "refined";
  /** The components that hold ids (the only ones a renaming changes). */
  readonly idComponents: readonly number[];
}

export interface CanonicalOptions {
  /** Most combined permutations tried by the full method (default 720); beyond it, refined. */
  readonly fullLimit?: number;
}

const DEFAULT_FULL_LIMIT = 720;
/** Entries of permuted-index tables kept in all (Int32, so 4 bytes each). */
const TABLE_BUDGET = 1 << 23;

/** null when no component holds ids, or no id type has two values. */
export function canonicalizer<S>(layout: Layout<S>, ids: IdSpace, opts: CanonicalOptions = {}): Canonicalizer | null {
  const comps = layout.components as readonly Dense<unknown>[];
  const domains = ids.all;
  const idComps = comps.map((c, i) => (c.hasIds ? i : -1)).filter((i) => i >= 0);
  if (idComps.length === 0 || !domains.some((d) => d.values.length - d.fixed > 1)) return null;
  const combined = domains.reduce((a, d) => a * factorial(d.values.length - d.fixed), 1);
  return combined <= (opts.fullLimit ?? DEFAULT_FULL_LIMIT) ? fullCanonicalizer(comps, ids, idComps) : refinedCanonicalizer(comps, ids, idComps);
}

function permutedIndex(c: Dense<unknown>, ix: number, r: Renaming): number {
  return c.index(c.rename(c.value(ix), r));
}

/** The lexicographically smaller of best and the tuple `at` produces (written into best). */
function keepSmaller(idx: Float64Array, idComps: readonly number[], best: Float64Array, tmp: Float64Array, at: (j: number, ix: number) => number): void {
  const m = idComps.length;
  let cmp = 0;
  for (let j = 0; j < m; j++) {
    const v = at(j, idx[idComps[j] as number] as number);
    if (cmp === 0) {
      const b = best[j] as number;
      if (v > b) return;
      if (v < b) cmp = -1;
    }
    tmp[j] = v;
  }
  if (cmp < 0) best.set(tmp);
}

function fullCanonicalizer(comps: readonly Dense<unknown>[], ids: IdSpace, idComps: readonly number[]): Canonicalizer {
  const domains = ids.all;
  // Every combination of one permutation per id type, as renamings (index 0 is the identity).
  let renamings: Renaming[] = [new Renaming(ids)];
  domains.forEach((d, slot) => {
    // Named id constants (the first d.fixed values) stay where they are; the rest are permuted.
    const perms = permutations(d.values.length - d.fixed).map((p) => Int32Array.from({ length: d.values.length }, (_, i) => (i < d.fixed ? i : d.fixed + (p[i - d.fixed] as number))));
    renamings = renamings.flatMap((base) =>
      perms.map((p) => {
        const r = new Renaming(ids);
        base.map.forEach((m, s) => (r.map[s] as Int32Array).set(s === slot ? p : m));
        return r;
      }),
    );
  });
  const isIdentity = (r: Renaming): boolean => r.map.every((m) => m.every((v, i) => v === i));
  renamings.sort((a, b) => Number(isIdentity(b)) - Number(isIdentity(a)));
  const count = renamings.length;
  const m = idComps.length;
  let budget = TABLE_BUDGET;
  const tables = idComps.map((c) => {
    const size = (comps[c] as Dense<unknown>).size * count;
    if (size > budget) return null;
    budget -= size;
    return new Int32Array(size).fill(-1);
  });
  const sizes = idComps.map((c) => (comps[c] as Dense<unknown>).size);
  const best = new Float64Array(m);
  const tmp = new Float64Array(m);
  let p = 0;
  const at = (j: number, ix: number): number => {
    const t = tables[j];
    const comp = comps[idComps[j] as number] as Dense<unknown>;
    if (!t) return permutedIndex(comp, ix, renamings[p] as Renaming);
    const slot = p * (sizes[j] as number) + ix;
    let v = t[slot] as number;
    if (v < 0) {
      v = permutedIndex(comp, ix, renamings[p] as Renaming);
      t[slot] = v;
    }
    return v;
  };
  return {
    method: "full",
    idComponents: idComps,
    canonical: (idx) => {
      for (let j = 0; j < m; j++) best[j] = idx[idComps[j] as number] as number;
      for (p = 1; p < count; p++) keepSmaller(idx, idComps, best, tmp, at);
      for (let j = 0; j < m; j++) idx[idComps[j] as number] = best[j] as number;
    },
  };
}

function refinedCanonicalizer(comps: readonly Dense<unknown>[], ids: IdSpace, idComps: readonly number[]): Canonicalizer {
  const domains = ids.all;
  const sig = domains.map((d) => new Int32Array(d.values.length));
  const seen = domains.map((d) => new Uint8Array(d.values.length));
  const sink = (slot: number, id: number, code: number): void => {
    const s = sig[slot] as Int32Array;
    s[id] = ((s[id] as number) + code) | 0;
    (seen[slot] as Uint8Array)[id] = 1;
  };
  const m = idComps.length;
  const best = new Float64Array(m);
  const tmp = new Float64Array(m);
  const r = new Renaming(ids);
  const seeds = idComps.map((c) => mixCode(0x5bd1e995, c));
  return {
    method: "refined",
    idComponents: idComps,
    canonical: (idx) => {
      for (let slot = 0; slot < domains.length; slot++) {
        (sig[slot] as Int32Array).fill(0);
        (seen[slot] as Uint8Array).fill(0);
      }
      for (let j = 0; j < m; j++) {
        const c = comps[idComps[j] as number] as Dense<unknown>;
        c.idFeatures(c.value(idx[idComps[j] as number] as number), seeds[j] as number, sink);
      }
      // Per type: the ids that occur, sorted by signature, in cells of equal signature.
      const cells = domains.map((d, slot) => {
        const s = sig[slot] as Int32Array;
        // Named id constants (the first d.fixed values) are never renamed: only the others are ranked.
        const free = d.values.map((_, i) => i).filter((i) => i >= d.fixed);
        const present = free.filter((i) => (seen[slot] as Uint8Array)[i] === 1);
        present.sort((a, b) => (s[a] as number) - (s[b] as number));
        const absent = free.filter((i) => (seen[slot] as Uint8Array)[i] === 0);
        const groups: number[][] = [];
        for (const i of present) {
          const last = groups[groups.length - 1];
          if (last && s[last[0] as number] === s[i]) last.push(i);
          else groups.push([i]);
        }
        return { groups, absent };
      });
      let first = true;
      const assign = (slot: number): void => {
        if (slot === domains.length) {
          if (first) {
            for (let j = 0; j < m; j++) {
              const c = idComps[j] as number;
              best[j] = permutedIndex(comps[c] as Dense<unknown>, idx[c] as number, r);
            }
            first = false;
          } else {
            keepSmaller(idx, idComps, best, tmp, (j, ix) => permutedIndex(comps[idComps[j] as number] as Dense<unknown>, ix, r));
          }
          return;
        }
        const { groups, absent } = cells[slot] as (typeof cells)[number];
        const map = r.map[slot] as Int32Array;
        const fixed = (domains[slot] as (typeof domains)[number]).fixed;
        for (let i = 0; i < fixed; i++) map[i] = i;
        let next = fixed;
        for (const g of groups) next += g.length;
        absent.forEach((i, k) => (map[i] = next + k));
        const perGroup = (g: number): void => {
          if (g === groups.length) {
            assign(slot + 1);
            return;
          }
          const group = groups[g] as number[];
          let start = fixed;
          for (let k = 0; k < g; k++) start += (groups[k] as number[]).length;
          for (const p of permutations(group.length)) {
            group.forEach((id, k) => (map[id] = start + (p[k] as number)));
            perGroup(g + 1);
          }
        };
        perGroup(0);
      };
      assign(0);
      for (let j = 0; j < m; j++) idx[idComps[j] as number] = best[j] as number;
    },
  };
}

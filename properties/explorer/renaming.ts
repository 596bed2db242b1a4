// A renaming of identifier values for symmetry reduction: per id type, old index → new index (a
// permutation of the profile's domain). The identity until set.

import type { IdSpace } from "./ids.js";

export class Renaming {
  readonly map: Int32Array[];

  constructor(space: IdSpace) {
    this.map = space.all.map((d) => Int32Array.from(d.values, (_, i) => i));
  }

  /** The new index of `old` in slot `slot`. */
  to(slot: number, old: number): number {
    return (this.map[slot] as Int32Array)[old] as number;
  }
}

/** Receives, for every id occurrence in a value, its slot, index and a rename-invariant context code. */
export type FeatureSink = (slot: number, id: number, code: number) => void;

/** Mixes a context code with a small number (position, enum index...) into a new 32-bit code. */
export function mixCode(code: number, x: number): number {
  let h = Math.imul(code ^ Math.imul(x + 0x61c88647, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 13);
}

// A renaming of identifier values for symmetry reduction: per id type, old index → new index,
// assigned in order of first appearance while a state is walked.

import type { IdSpace } from "./ids.js";

export class Renaming {
  readonly map: Int32Array[];
  readonly next: Int32Array;

  constructor(space: IdSpace) {
    const domains = space.all;
    this.map = domains.map((d) => new Int32Array(d.values.length).fill(-1));
    this.next = new Int32Array(domains.length);
  }

  reset(): void {
    for (const m of this.map) m.fill(-1);
    this.next.fill(0);
  }

  /** Whether every id seen so far keeps its index (the walked state is already canonical). */
  isIdentity(): boolean {
    for (const m of this.map) {
      for (let i = 0; i < m.length; i++) {
        const v = m[i] as number;
        if (v >= 0 && v !== i) return false;
      }
    }
    return true;
  }

  /** The new index of `old` in slot `slot`, assigning the next free one on first sight. */
  see(slot: number, old: number): number {
    const m = this.map[slot] as Int32Array;
    let v = m[old] as number;
    if (v < 0) {
      v = this.next[slot] as number;
      m[old] = v;
      this.next[slot] = v + 1;
    }
    return v;
  }
}

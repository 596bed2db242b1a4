// Binomial coefficients and the combinatorial number system (colex rank of k-subsets), which give
// bounded Sets and Map key sets a dense index.

export class Binomials {
  readonly #c: Float64Array;
  readonly #cols: number;

  /** C(x, j) for 0 <= x <= n, 0 <= j <= k. */
  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    this.#cols = k + 1;
    this.#c = new Float64Array((n + 1) * this.#cols);
    for (let x = 0; x <= n; x++) {
      this.#c[x * this.#cols] = 1;
      for (let j = 1; j <= k && j <= x; j++) {
        this.#c[x * this.#cols + j] = this.get(x - 1, j - 1) + (j <= x - 1 ? this.get(x - 1, j) : 0);
      }
    }
  }

  get(x: number, j: number): number {
    if (j > x) return 0;
    return this.#c[x * this.#cols + j] as number;
  }

  /** Colex rank of the sorted distinct indices e[0] < ... < e[len-1]. */
  rank(e: Float64Array, len: number): number {
    let r = 0;
    for (let j = 0; j < len; j++) r += this.get(e[j] as number, j + 1);
    return r;
  }

  /** Inverse of `rank`: writes the sorted indices of the len-subset with rank r into e. */
  unrank(r: number, len: number, e: Float64Array): void {
    let hi = this.n - 1;
    for (let j = len; j >= 1; j--) {
      // Largest c in [j-1, hi] with C(c, j) <= r.
      let lo = j - 1;
      let top = hi;
      while (lo < top) {
        const mid = (lo + top + 1) >>> 1;
        if (this.get(mid, j) <= r) lo = mid;
        else top = mid - 1;
      }
      e[j - 1] = lo;
      r -= this.get(lo, j);
      hi = lo - 1;
    }
  }
}

/** Sorts the first len entries of a (insertion sort: collections here are tiny). */
export function sortPrefix(a: Float64Array, len: number): void {
  for (let i = 1; i < len; i++) {
    const x = a[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > x) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Sorts the first len keys of a, moving the paired entries of b along. */
export function sortPairs(a: Float64Array, b: Float64Array, len: number): void {
  for (let i = 1; i < len; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > x) {
      a[j + 1] = a[j] as number;
      b[j + 1] = b[j] as number;
      j--;
    }
    a[j + 1] = x;
    b[j + 1] = y;
  }
}

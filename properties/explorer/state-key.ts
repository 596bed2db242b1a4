// Canonical compact keys for states. When the product of the component sizes fits in 2^53 a state
// is one number (mixed radix over the component indexes); otherwise it is a short one-byte string
// of fixed-width big-endian component indexes. Either way equal states get equal keys and the
// state can be rebuilt from its key, so the store keeps keys only.

import { OUT_OF_DOMAIN } from "./dense.js";
import type { Dense } from "./dense.js";
import type { Layout } from "./layout.js";

export type StateKey = number | string;

export interface KeyCodec<S> {
  readonly kind: "number" | "string";
  /** Number of possible keys (the product of the component sizes). */
  readonly keySpace: number;
  /** The key, or OUT_OF_DOMAIN / OVER_BOUND (negative numbers) when s cannot be stored. */
  encode(s: S): StateKey;
  decode(key: StateKey): S;
  /**
   * Same as encode, but reuses the component indexes of the state last decoded wherever s holds
   * the identical value (transitions share unchanged fields by reference), which skips most of
   * the work for successors of that state.
   */
  encodeNear(s: S): StateKey;
  /** The first component whose index is negative, with that code; null when s encodes. */
  problem(s: S): { readonly component: number; readonly code: number } | null;
  /**
   * Writes the component indexes of s into out and returns 0, or OUT_OF_DOMAIN / OVER_BOUND as
   * encode would. With `near`, reuses the indexes of the state last decoded as encodeNear does.
   */
  indexes(s: S, out: Float64Array, near: boolean): number;
  /** The key of a state given by its component indexes. */
  fromIndexes(idx: Float64Array): StateKey;
  /** The component indexes of the state last decoded. */
  readonly decoded: Float64Array;
}

function indexesOf<S>(layout: Layout<S>, scratch: unknown[], last: unknown[], lastIdx: Float64Array): (s: S, out: Float64Array, near: boolean) => number {
  const comps = layout.components;
  const n = comps.length;
  return (s, out, near) => {
    layout.flatten(s, scratch);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const v = scratch[i];
      const ix = near && v === last[i] ? (lastIdx[i] as number) : (comps[i] as Dense<unknown>).index(v);
      if (ix < 0) {
        if (ix === OUT_OF_DOMAIN) return ix;
        bad = ix;
      }
      out[i] = ix;
    }
    return bad;
  };
}

export function keyCodec<S>(layout: Layout<S>): KeyCodec<S> {
  let product = 1;
  for (const c of layout.components) product *= c.size;
  return product <= Number.MAX_SAFE_INTEGER ? numberCodec(layout) : stringCodec(layout);
}

function problemOf<S>(layout: Layout<S>, scratch: unknown[]): (s: S) => { component: number; code: number } | null {
  const comps = layout.components;
  return (s) => {
    layout.flatten(s, scratch);
    let found: { component: number; code: number } | null = null;
    for (let i = 0; i < comps.length; i++) {
      const code = (comps[i] as Dense<unknown>).index(scratch[i]);
      if (code === OUT_OF_DOMAIN) return { component: i, code };
      if (code < 0 && found === null) found = { component: i, code };
    }
    return found;
  };
}

function numberCodec<S>(layout: Layout<S>): KeyCodec<S> {
  const comps = layout.components;
  const n = comps.length;
  const sizes = comps.map((c) => c.size);
  const scratch = new Array<unknown>(n);
  const out = new Array<unknown>(n);
  const baseIdx = new Float64Array(n);
  return {
    kind: "number",
    keySpace: sizes.reduce((a, b) => a * b, 1),
    encode: (s) => {
      layout.flatten(s, scratch);
      let key = 0;
      let bad = 0;
      for (let i = 0; i < n; i++) {
        const ix = (comps[i] as Dense<unknown>).index(scratch[i]);
        if (ix < 0) {
          if (ix === OUT_OF_DOMAIN) return ix;
          bad = ix;
        }
        key = key * (sizes[i] as number) + ix;
      }
      return bad < 0 ? bad : key;
    },
    decode: (k) => {
      let key = k as number;
      for (let i = n - 1; i >= 0; i--) {
        const size = sizes[i] as number;
        const ix = key % size;
        key = (key - ix) / size;
        baseIdx[i] = ix;
        out[i] = (comps[i] as Dense<unknown>).value(ix);
      }
      return layout.build(out);
    },
    encodeNear: (s) => {
      layout.flatten(s, scratch);
      let key = 0;
      let bad = 0;
      for (let i = 0; i < n; i++) {
        const v = scratch[i];
        const ix = v === out[i] ? (baseIdx[i] as number) : (comps[i] as Dense<unknown>).index(v);
        if (ix < 0) {
          if (ix === OUT_OF_DOMAIN) return ix;
          bad = ix;
        }
        key = key * (sizes[i] as number) + ix;
      }
      return bad < 0 ? bad : key;
    },
    problem: problemOf(layout, new Array<unknown>(n)),
    indexes: indexesOf(layout, new Array<unknown>(n), out, baseIdx),
    decoded: baseIdx,
    fromIndexes: (idx) => {
      let key = 0;
      for (let i = 0; i < n; i++) key = key * (sizes[i] as number) + (idx[i] as number);
      return key;
    },
  };
}

function bytesFor(size: number): number {
  let b = 0;
  for (let cap = 1; cap < size; cap *= 256) b++;
  return b;
}

function stringCodec<S>(layout: Layout<S>): KeyCodec<S> {
  const comps = layout.components;
  const n = comps.length;
  const widths = comps.map((c) => bytesFor(c.size));
  const total = widths.reduce((a, b) => a + b, 0);
  const scratch = new Array<unknown>(n);
  const out = new Array<unknown>(n);
  const codes = new Array<number>(total).fill(0);
  const baseIdx = new Float64Array(n);
  const encodeWith = (s: S, near: boolean): StateKey => {
    layout.flatten(s, scratch);
    let at = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const v = scratch[i];
      let ix = near && v === out[i] ? (baseIdx[i] as number) : (comps[i] as Dense<unknown>).index(v);
      if (ix < 0) {
        if (ix === OUT_OF_DOMAIN) return ix;
        bad = ix;
        ix = 0;
      }
      const w = widths[i] as number;
      for (let j = w - 1; j >= 0; j--) {
        const byte = ix % 256;
        codes[at + j] = byte;
        ix = (ix - byte) / 256;
      }
      at += w;
    }
    return bad < 0 ? bad : String.fromCharCode(...codes);
  };
  return {
    kind: "string",
    keySpace: Infinity,
    encode: (s) => encodeWith(s, false),
    encodeNear: (s) => encodeWith(s, true),
    decode: (k) => {
      const key = k as string;
      let at = 0;
      for (let i = 0; i < n; i++) {
        let ix = 0;
        const w = widths[i] as number;
        for (let j = 0; j < w; j++) ix = ix * 256 + key.charCodeAt(at + j);
        at += w;
        baseIdx[i] = ix;
        out[i] = (comps[i] as Dense<unknown>).value(ix);
      }
      return layout.build(out);
    },
    problem: problemOf(layout, new Array<unknown>(n)),
    indexes: indexesOf(layout, new Array<unknown>(n), out, baseIdx),
    decoded: baseIdx,
    fromIndexes: (idx) => {
      let at = 0;
      for (let i = 0; i < n; i++) {
        let ix = idx[i] as number;
        const w = widths[i] as number;
        for (let j = w - 1; j >= 0; j--) {
          const byte = ix % 256;
          codes[at + j] = byte;
          ix = (ix - byte) / 256;
        }
        at += w;
      }
      return String.fromCharCode(...codes);
    },
  };
}

// Canonical compact keys for states. When the product of the component sizes fits in 2^53 a state
// is one number (mixed radix over the component indexes); otherwise it is a short string of
// fixed-width 16-bit words packing the component indexes (packed-key.ts). Either way equal states
// get equal keys and the state can be rebuilt from its key, so the store keeps keys only.

import { OUT_OF_DOMAIN } from "./dense.js";
import type { Dense } from "./dense.js";
import type { Layout } from "./layout.js";
import { stringToWords, wordCodec, wordsToString } from "./packed-key.js";

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
  /** For string keys: the same keys as fixed-width words, without building strings. */
  readonly words?: WordKeys<S>;
}

/** A string key's words: one 16-bit word per character of the key. */
export interface WordKeys<S> {
  readonly width: number;
  /** Where encodeInto and fromIndexesInto write the key. */
  readonly scratch: Uint16Array;
  /** Writes the key of s into scratch and returns 0, or returns OUT_OF_DOMAIN / OVER_BOUND (see indexes). */
  encodeInto(s: S, near: boolean): number;
  fromIndexesInto(idx: Float64Array): void;
  /** The state whose key is src[at..at+width) (it becomes the state last decoded). */
  decodeFrom(src: Uint16Array, at: number): S;
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
  return product <= Number.MAX_SAFE_INTEGER ? numberCodec(layout) : packedCodec(layout);
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

/**
 * Keys beyond 2^53: the component indexes packed into 16-bit words (packed-key.ts), as a string of
 * one code unit per word; `words` gives the engine the same key without building the string.
 */
function packedCodec<S>(layout: Layout<S>): KeyCodec<S> {
  const comps = layout.components;
  const n = comps.length;
  const wc = wordCodec(comps.map((c) => c.size));
  const width = wc.width;
  const out = new Array<unknown>(n);
  const baseIdx = new Float64Array(n);
  const idx = new Float64Array(n);
  const scratch = new Uint16Array(width);
  const indexes = indexesOf(layout, new Array<unknown>(n), out, baseIdx);
  const decodeFrom = (src: Uint16Array, at: number): S => {
    wc.unpack(src, at, baseIdx);
    for (let i = 0; i < n; i++) out[i] = (comps[i] as Dense<unknown>).value(baseIdx[i] as number);
    return layout.build(out);
  };
  const encodeInto = (s: S, near: boolean): number => {
    const code = indexes(s, idx, near);
    if (code < 0) return code;
    wc.pack(idx, scratch, 0);
    return 0;
  };
  const encode = (s: S, near: boolean): StateKey => {
    const code = encodeInto(s, near);
    return code < 0 ? code : wordsToString(scratch, 0, width);
  };
  const fromKey = new Uint16Array(width);
  return {
    kind: "string",
    keySpace: Infinity,
    encode: (s) => encode(s, false),
    encodeNear: (s) => encode(s, true),
    decode: (k) => {
      stringToWords(k as string, fromKey, 0);
      return decodeFrom(fromKey, 0);
    },
    problem: problemOf(layout, new Array<unknown>(n)),
    indexes,
    decoded: baseIdx,
    fromIndexes: (ix) => {
      wc.pack(ix, scratch, 0);
      return wordsToString(scratch, 0, width);
    },
    words: {
      width,
      scratch,
      encodeInto,
      fromIndexesInto: (ix) => wc.pack(ix, scratch, 0),
      decodeFrom,
    },
  };
}

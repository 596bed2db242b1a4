// How the explorer keys states: the key codec, and with symmetry reduction the canonical
// representative's key. Shared by the serial engine and the parallel workers, so both key every
// state identically.

import { canonicalizer, type CanonicalOptions, type Canonicalizer } from "./canonical.js";
import { keyCodec, type KeyCodec, type StateKey } from "./state-key.js";
import { PackedStore } from "./packed-store.js";
import type { StateStore } from "./store.js";
import type { System } from "./system.js";

export interface Keying<S> {
  readonly codec: KeyCodec<S>;
  readonly canon: Canonicalizer | null;
  /** The key of any state. */
  keyOf(s: S): StateKey;
  /** The key of a successor of the state last decoded (reuses its unchanged components). */
  successorKey(s: S): StateKey;
  /**
   * For word keys (codec.words): successorKey's key written into codec.words.scratch instead of
   * returned as a string; returns 0, or OUT_OF_DOMAIN / OVER_BOUND.
   */
  successorInto?(s: S): number;
}

/** How the engine walks a store: state i, successor keys and adds, with or without strings. */
export interface StoreWalk<S> {
  stateAt(i: number): S;
  /** The successor's key, or 0 when it is in the store's scratch words; negative when it cannot be stored. */
  successor(s: S): StateKey;
  has(k: StateKey): boolean;
  add(k: StateKey, parent: number, choice: number): number;
}

export function storeWalk<S>(keys: Keying<S>, store: StateStore): StoreWalk<S> {
  const words = keys.codec.words;
  const into = keys.successorInto;
  if (words && into && store instanceof PackedStore && store.scratch === words.scratch) {
    return {
      stateAt: (i) => words.decodeFrom(store.keyPageOf(i), store.keyOffsetOf(i)),
      successor: into,
      has: () => store.hasWords(),
      add: (_k, parent, choice) => store.addWords(parent, choice),
    };
  }
  const codec = keys.codec;
  return {
    stateAt: (i) => codec.decode(store.keyAt(i)),
    successor: keys.successorKey,
    has: (k) => store.has(k),
    add: (k, parent, choice) => store.add(k, parent, choice),
  };
}

export function keying<S>(sys: System<S>, symmetry: boolean, canonical?: CanonicalOptions): Keying<S> {
  const codec = keyCodec(sys.layout);
  const canon = symmetry ? canonicalizer(sys.layout, sys.ids, canonical) : null;
  const idx = new Float64Array(sys.layout.components.length);
  // Successors of the state just decoded (near): reuse its component indexes for unchanged fields.
  const idComps = canon?.idComponents ?? [];
  const decoded = codec.decoded;
  // A successor whose id components all equal those of the (canonical) state just decoded is
  // canonical as it is: only id components take part in the minimisation.
  const sameIdsAsDecoded = (): boolean => {
    for (let j = 0; j < idComps.length; j++) {
      const c = idComps[j] as number;
      if (idx[c] !== decoded[c]) return false;
    }
    return true;
  };
  const canonicalIndexes = (s: S, near: boolean): number => {
    const code = codec.indexes(s, idx, near);
    if (code < 0) return code;
    if (!(near && sameIdsAsDecoded())) canon?.canonical(idx);
    return 0;
  };
  const canonicalKey = (s: S, near: boolean): StateKey => {
    const code = canonicalIndexes(s, near);
    return code < 0 ? code : codec.fromIndexes(idx);
  };
  const words = codec.words;
  const successorInto = words
    ? canon
      ? (s: S): number => {
          const code = canonicalIndexes(s, true);
          if (code < 0) return code;
          words.fromIndexesInto(idx);
          return 0;
        }
      : (s: S): number => words.encodeInto(s, true)
    : undefined;
  return {
    codec,
    canon,
    keyOf: canon ? (s) => canonicalKey(s, false) : (s) => codec.encode(s),
    successorKey: canon ? (s) => canonicalKey(s, true) : (s) => codec.encodeNear(s),
    ...(successorInto ? { successorInto } : {}),
  };
}

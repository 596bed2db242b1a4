// How the explorer keys states: the key codec, and with symmetry reduction the canonical
// representative's key. Shared by the serial engine and the parallel workers, so both key every
// state identically.

import { canonicalizer, type CanonicalOptions, type Canonicalizer } from "./canonical.js";
import { keyCodec, type KeyCodec, type StateKey } from "./state-key.js";
import type { System } from "./system.js";

export interface Keying<S> {
  readonly codec: KeyCodec<S>;
  readonly canon: Canonicalizer | null;
  /** The key of any state. */
  keyOf(s: S): StateKey;
  /** The key of a successor of the state last decoded (reuses its unchanged components). */
  successorKey(s: S): StateKey;
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
  const canonicalKey = (s: S, near: boolean): StateKey => {
    const code = codec.indexes(s, idx, near);
    if (code < 0) return code;
    if (!(near && sameIdsAsDecoded())) canon?.canonical(idx);
    return codec.fromIndexes(idx);
  };
  return {
    codec,
    canon,
    keyOf: canon ? (s) => canonicalKey(s, false) : (s) => codec.encode(s),
    successorKey: canon ? (s) => canonicalKey(s, true) : (s) => codec.encodeNear(s),
  };
}

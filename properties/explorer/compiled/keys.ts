// Keys of the compiled path for the code shared with the generic path (trace replay, the parallel
// coordinator, findings): object states keyed the compiled way (slots -> words, as a string of
// one code unit per word), with the generic codec's codes for states that cannot be stored.

import type { AnyState } from "../../../kernel/descriptor.js";
import { keying, type Keying } from "../keying.js";
import { stringToWords, wordCodec, wordsToString } from "../packed-key.js";
import type { KeyCodec, StateKey } from "../state-key.js";
import type { CompiledRun } from "./engine.js";
import { fromSlots, toSlots } from "./slots.js";

export function compiledKeying(run: CompiledRun): Keying<AnyState> {
  const { machine } = run;
  const layout = machine.layout;
  const width = wordCodec(layout.digitSizes).width;
  const generic = keying(run.sys, false);
  const T = new Float64Array(layout.size);
  const scratch = new Uint16Array(width);
  const fromKey = new Uint16Array(width);
  const encodeInto = (s: AnyState): number => {
    const bad = generic.codec.problem(s);
    if (bad) return bad.code;
    toSlots(layout, s, T);
    machine.keyWords(T, scratch);
    return 0;
  };
  const keyOf = (s: AnyState): StateKey => {
    const code = encodeInto(s);
    return code < 0 ? code : wordsToString(scratch, 0, width);
  };
  const decodeFrom = (src: Uint16Array, at: number): AnyState => {
    machine.fromWords(src, at, T);
    return fromSlots(layout, T) as AnyState;
  };
  const codec: KeyCodec<AnyState> = {
    ...generic.codec,
    kind: "string",
    keySpace: Infinity,
    encode: keyOf,
    encodeNear: keyOf,
    decode: (k) => {
      stringToWords(k as string, fromKey, 0);
      return decodeFrom(fromKey, 0);
    },
    words: {
      width,
      scratch,
      encodeInto,
      fromIndexesInto: () => {
        throw new Error("compiled keys are not built from dense component indexes");
      },
      decodeFrom,
    },
  };
  return { codec, canon: null, keyOf, successorKey: keyOf };
}

// Fixed-width keys for key spaces beyond 2^53: a state's component indexes packed into a few
// 16-bit words. Small components share a word in mixed radix (first fit, the product of their sizes
// at most 2^16); a component with more than 2^16 values takes its own words, base 2^16 digits. The
// packing and unpacking are compiled per layout into straight-line functions (`new Function`, only
// numbers are spliced into the source), since they run once per successor and per expanded state.
//
// As a StateKey the words are a string with one UTF-16 code unit per word, which is what the trace
// builder and the parallel protocol pass around; the serial engine and PackedStore skip the string
// and work on the words directly.

export const WORD = 65536;

/** Where each component sits in the words. */
export interface WordPlan {
  /** Words per key. */
  readonly width: number;
  /** Per word, the components packed into it (most significant first), or one wide component's digit. */
  readonly words: readonly WordSlot[];
}

export type WordSlot = { readonly kind: "mixed"; readonly parts: readonly number[] } | { readonly kind: "digit"; readonly component: number; readonly digit: number };

export function wordPlan(sizes: readonly number[]): WordPlan {
  const groups: { parts: number[]; product: number }[] = [];
  const wide: { component: number; digits: number }[] = [];
  sizes.forEach((size, c) => {
    if (size > WORD) {
      let digits = 0;
      for (let cap = 1; cap < size; cap *= WORD) digits++;
      wide.push({ component: c, digits });
      return;
    }
    const g = groups.find((x) => x.product * size <= WORD);
    if (g) {
      g.parts.push(c);
      g.product *= size;
    } else groups.push({ parts: [c], product: size });
  });
  const words: WordSlot[] = groups.map((g) => ({ kind: "mixed", parts: g.parts }));
  for (const w of wide) for (let d = 0; d < w.digits; d++) words.push({ kind: "digit", component: w.component, digit: d });
  return { width: Math.max(1, words.length), words };
}

export interface WordCodec {
  readonly width: number;
  /** Writes the words of the component indexes idx into out[at..at+width). */
  pack(idx: Float64Array, out: Uint16Array, at: number): void;
  /** Reads the component indexes back from src[at..at+width). */
  unpack(src: Uint16Array, at: number, idx: Float64Array): void;
}

/** The compiled pack/unpack pair of a plan over components of the given sizes. */
export function wordCodec(sizes: readonly number[]): WordCodec {
  const plan = wordPlan(sizes);
  const pack: string[] = [];
  const unpack: string[] = [];
  plan.words.forEach((w, j) => {
    if (w.kind === "mixed") {
      pack.push(`out[at + ${j}] = ${w.parts.reduce((acc, c, k) => (k === 0 ? `idx[${c}]` : `(${acc}) * ${sizes[c]} + idx[${c}]`), "")};`);
      const lines = [`r = src[at + ${j}];`];
      for (let k = w.parts.length - 1; k >= 0; k--) {
        const c = w.parts[k] as number;
        lines.push(k === 0 ? `idx[${c}] = r;` : `d = r % ${sizes[c]}; idx[${c}] = d; r = (r - d) / ${sizes[c]};`);
      }
      unpack.push(lines.join(" "));
    } else {
      const scale = WORD ** w.digit;
      pack.push(`out[at + ${j}] = Math.floor(idx[${w.component}] / ${scale}) % ${WORD};`);
      unpack.push(`${w.digit === 0 ? `idx[${w.component}] = 0; ` : ""}idx[${w.component}] += src[at + ${j}] * ${scale};`);
    }
  });
  return {
    width: plan.width,
    pack: new Function("idx", "out", "at", pack.join("\n")) as WordCodec["pack"],
    unpack: new Function("src", "at", "idx", `let r = 0; let d = 0;\n${unpack.join("\n")}`) as WordCodec["unpack"],
  };
}

/** The string form of width words from src[at..]. */
export function wordsToString(src: Uint16Array, at: number, width: number): string {
  return String.fromCharCode.apply(null, src.subarray(at, at + width) as unknown as number[]);
}

export function stringToWords(key: string, out: Uint16Array, at: number): void {
  for (let j = 0; j < key.length; j++) out[at + j] = key.charCodeAt(j);
}

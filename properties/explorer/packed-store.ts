// The store for fixed-width word keys (packed-key.ts): keys, parents and choices in pages of typed
// arrays (so growing never copies and wastes at most one page), and an open-addressing table of
// state numbers keyed by a hash of the words. About 2 bytes per key word plus 8 for the parent and
// choice and 4-8 for the table: a fraction of a Map of strings.

import { ExploreSetupError } from "./errors.js";
import type { StateKey } from "./state-key.js";
import type { StateStore } from "./store.js";
import { stringToWords, wordsToString } from "./packed-key.js";

const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** Table slots hold state number + 1 (and hash bits, see #find) in an Int32Array; 0 is empty. */
const MAX_STATES = 2 ** 31 - 2;

export class PackedStore implements StateStore {
  readonly width: number;
  /** Where callers put a key for addWords / hasWords (the codec's scratch). */
  readonly scratch: Uint16Array;
  readonly #keyPages: Uint16Array[] = [];
  readonly #parentPages: Int32Array[] = [];
  readonly #choicePages: Int32Array[] = [];
  #table = new Int32Array(1024);
  #mask = 1023;
  size = 0;

  constructor(width: number, scratch: Uint16Array = new Uint16Array(width)) {
    this.width = width;
    this.scratch = scratch;
  }

  /** The hash of the width words src[at..] (the slot in its low bits, see #find). */
  hashOf(src: Uint16Array, at: number): number {
    let h = 0x811c9dc5;
    const w = this.width;
    let j = 0;
    for (; j + 1 < w; j += 2) {
      h = Math.imul(h ^ ((src[at + j] as number) | ((src[at + j + 1] as number) << 16)), 0x9e3779b1);
      h ^= h >>> 15;
    }
    if (j < w) h = Math.imul(h ^ (src[at + j] as number), 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return h;
  }

  /**
   * The slot holding the key src[at..] of hash h, or the empty slot where it belongs (as ~slot). A
   * slot holds state number + 1 in its low bits (the capacity's) and the hash's high bits above
   * them: a probe passing another key's slot skips that key's words unless those bits agree, which
   * saves a cache miss on the key pages for almost every such slot.
   */
  #find(src: Uint16Array, at: number, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const w = this.width;
    const tag = h & ~mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot] as number;
      if (v === 0) return ~slot;
      if ((v & ~mask) !== tag) continue;
      const i = (v & mask) - 1;
      const page = this.#keyPages[i >>> PAGE_BITS] as Uint16Array;
      const off = (i & PAGE_MASK) * w;
      let j = 0;
      while (j < w && page[off + j] === src[at + j]) j++;
      if (j === w) return slot;
    }
  }

  /**
   * The table and key pages are far bigger than the caches and a lookup is two dependent misses
   * (the slot, then the key it points to). Reading the slots of several keys in a row (touchSlot),
   * then the keys those slots point to (touchKey), lets the processor wait for their misses at once
   * instead of one after the other; the lookups that follow find both in the cache. The results mean
   * nothing: callers keep them only so the reads are not optimised away.
   */
  touchSlot(h: number): number {
    return this.#table[h & this.#mask] as number;
  }

  /** See touchSlot: v is what touchSlot(h) returned. */
  touchKey(v: number, h: number): number {
    const mask = this.#mask;
    if (v === 0 || (v & ~mask) !== (h & ~mask)) return 0;
    const i = (v & mask) - 1;
    const page = this.#keyPages[i >>> PAGE_BITS] as Uint16Array;
    const off = (i & PAGE_MASK) * this.width;
    // Its first and last word: a key may straddle two cache lines.
    return (page[off] as number) ^ (page[off + this.width - 1] as number);
  }

  hasWords(): boolean {
    return this.hasWordsAt(this.scratch, 0, this.hashOf(this.scratch, 0));
  }

  /** Whether the key src[at..] of hash h (hashOf) is stored. */
  hasWordsAt(src: Uint16Array, at: number, h: number): boolean {
    return this.#find(src, at, h) >= 0;
  }

  /** Adds the key in scratch; returns its state number, or -1 if it is already stored. */
  addWords(parent: number, choice: number): number {
    return this.addWordsAt(this.scratch, 0, this.hashOf(this.scratch, 0), parent, choice);
  }

  /** Adds the key src[at..] of hash h (hashOf); returns its state number, or -1 if it is already stored. */
  addWordsAt(src: Uint16Array, at: number, h: number, parent: number, choice: number): number {
    const found = this.#find(src, at, h);
    if (found >= 0) return -1;
    const i = this.size;
    if (i >= MAX_STATES) throw new ExploreSetupError(`more than ${MAX_STATES} states; lower --max-states or the profile's bounds`);
    const p = i >>> PAGE_BITS;
    if (p === this.#keyPages.length) {
      this.#keyPages.push(new Uint16Array(PAGE * this.width));
      this.#parentPages.push(new Int32Array(PAGE));
      this.#choicePages.push(new Int32Array(PAGE));
    }
    const o = i & PAGE_MASK;
    const w = this.width;
    const page = this.#keyPages[p] as Uint16Array;
    for (let j = 0; j < w; j++) page[o * w + j] = src[at + j] as number;
    (this.#parentPages[p] as Int32Array)[o] = parent;
    (this.#choicePages[p] as Int32Array)[o] = choice;
    this.#table[~found] = (h & ~this.#mask) | (i + 1);
    this.size = i + 1;
    // Keep the table at most 3/4 full.
    if (this.size * 4 > this.#table.length * 3) this.#rehash();
    return i;
  }

  #rehash(): void {
    const cap = this.#table.length * 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    const w = this.width;
    for (let i = 0; i < this.size; i++) {
      const page = this.#keyPages[i >>> PAGE_BITS] as Uint16Array;
      const h = this.hashOf(page, (i & PAGE_MASK) * w);
      let slot = h & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = (h & ~mask) | (i + 1);
    }
    this.#table = table;
    this.#mask = mask;
  }

  has(key: StateKey): boolean {
    stringToWords(key as string, this.scratch, 0);
    return this.hasWords();
  }

  add(key: StateKey, parent: number, choice: number): number {
    stringToWords(key as string, this.scratch, 0);
    return this.addWords(parent, choice);
  }

  /** The page holding state i's key and where in it the key starts. */
  keyPageOf(i: number): Uint16Array {
    return this.#keyPages[i >>> PAGE_BITS] as Uint16Array;
  }

  keyOffsetOf(i: number): number {
    return (i & PAGE_MASK) * this.width;
  }

  keyAt(i: number): StateKey {
    return wordsToString(this.keyPageOf(i), this.keyOffsetOf(i), this.width);
  }

  parentOf(i: number): number {
    return (this.#parentPages[i >>> PAGE_BITS] as Int32Array)[i & PAGE_MASK] as number;
  }

  choiceOf(i: number): number {
    return (this.#choicePages[i >>> PAGE_BITS] as Int32Array)[i & PAGE_MASK] as number;
  }

  bytes(): number {
    let b = this.#table.byteLength;
    for (let p = 0; p < this.#keyPages.length; p++) {
      b += (this.#keyPages[p] as Uint16Array).byteLength + (this.#parentPages[p] as Int32Array).byteLength + (this.#choicePages[p] as Int32Array).byteLength;
    }
    return b;
  }
}

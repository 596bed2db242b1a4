// The visited-state store: state keys in discovery (BFS) order, each with its parent's index and the
// choice that led to it, plus a set of the keys seen. Number keys live in typed arrays: with a
// visited bitset when the key space is small (about 12-24 bytes a state), else an open-addressing
// key set (about 30-60 bytes a state). Word keys (packed-key.ts) live in a PackedStore (about 2
// bytes a word plus 12-16); other string keys in a Map.

import { ExploreSetupError } from "./errors.js";
import { PackedStore } from "./packed-store.js";
import type { StateKey } from "./state-key.js";

export interface StateStore {
  readonly size: number;
  /** Adds a state; returns its index, or -1 if the key is already stored. */
  add(key: StateKey, parent: number, choice: number): number;
  has(key: StateKey): boolean;
  keyAt(i: number): StateKey;
  parentOf(i: number): number;
  choiceOf(i: number): number;
  /** Bytes held by the store (typed arrays exactly; Map and strings estimated). */
  bytes(): number;
}

/** V8 Maps hold at most 2^24 entries. */
const STRING_STORE_LIMIT = 2 ** 24 - 1;

/** Key spaces up to this size use a visited bitset (at most 16 MiB) instead of a hash set. */
export const BITSET_MAX_KEYS = 2 ** 27;

/**
 * A store for keys of the given kind; `keySpace` bounds number keys (all keys are below it).
 * String keys of fixed-width words (`words`, see packed-key.ts) go to a PackedStore sharing the
 * codec's scratch words; other string keys to a Map.
 */
export function createStore(kind: "number" | "string", keySpace: number, words?: { readonly width: number; readonly scratch: Uint16Array }): StateStore {
  if (kind === "string") return words ? new PackedStore(words.width, words.scratch) : new StringStore();
  return keySpace <= BITSET_MAX_KEYS ? new BitsetStore(keySpace) : new NumberStore();
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}

function hashNumber(k: number): number {
  const lo = k >>> 0;
  const hi = (k / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/**
 * Small key spaces: one visited bit per possible key, so a membership test touches a few hundred
 * kilobytes that stay in cache, and keys in discovery order fit 32 bits.
 */
class BitsetStore implements StateStore {
  readonly #seen: Int32Array;
  #keys = new Uint32Array(1024);
  #parent = new Int32Array(1024);
  #choice = new Int32Array(1024);
  size = 0;

  constructor(keySpace: number) {
    this.#seen = new Int32Array(Math.ceil(keySpace / 32));
  }

  has(key: StateKey): boolean {
    const k = key as number;
    return ((this.#seen[k >>> 5] as number) & (1 << (k & 31))) !== 0;
  }

  add(key: StateKey, parent: number, choice: number): number {
    const k = key as number;
    const word = k >>> 5;
    const bit = 1 << (k & 31);
    const w = this.#seen[word] as number;
    if ((w & bit) !== 0) return -1;
    this.#seen[word] = w | bit;
    const i = this.size;
    if (i === this.#keys.length) {
      this.#keys = grow(this.#keys, (n) => new Uint32Array(n));
      this.#parent = grow(this.#parent, (n) => new Int32Array(n));
      this.#choice = grow(this.#choice, (n) => new Int32Array(n));
    }
    this.#keys[i] = k;
    this.#parent[i] = parent;
    this.#choice[i] = choice;
    this.size = i + 1;
    return i;
  }

  keyAt(i: number): StateKey {
    return this.#keys[i] as number;
  }

  parentOf(i: number): number {
    return this.#parent[i] as number;
  }

  choiceOf(i: number): number {
    return this.#choice[i] as number;
  }

  bytes(): number {
    return this.#seen.byteLength + this.#keys.byteLength + this.#parent.byteLength + this.#choice.byteLength;
  }
}

class NumberStore implements StateStore {
  #keys = new Float64Array(1024);
  #parent = new Int32Array(1024);
  #choice = new Int32Array(1024);
  /** Open-addressing set of keys (-1 = empty): membership needs one probe into one array. */
  #table = new Float64Array(2048).fill(-1);
  #mask = 2047;
  size = 0;

  has(key: StateKey): boolean {
    const k = key as number;
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = hashNumber(k) & mask; ; slot = (slot + 1) & mask) {
      const at = table[slot] as number;
      if (at === -1) return false;
      if (at === k) return true;
    }
  }

  add(key: StateKey, parent: number, choice: number): number {
    const k = key as number;
    const table = this.#table;
    const mask = this.#mask;
    let slot = hashNumber(k) & mask;
    for (;;) {
      const at = table[slot] as number;
      if (at === -1) break;
      if (at === k) return -1;
      slot = (slot + 1) & mask;
    }
    table[slot] = k;
    const i = this.size;
    if (i === this.#keys.length) {
      this.#keys = grow(this.#keys, (n) => new Float64Array(n));
      this.#parent = grow(this.#parent, (n) => new Int32Array(n));
      this.#choice = grow(this.#choice, (n) => new Int32Array(n));
    }
    this.#keys[i] = k;
    this.#parent[i] = parent;
    this.#choice[i] = choice;
    this.size = i + 1;
    if (this.size * 2 > mask + 1) this.#rehash();
    return i;
  }

  #rehash(): void {
    const cap = (this.#mask + 1) * 2;
    const table = new Float64Array(cap).fill(-1);
    const mask = cap - 1;
    const keys = this.#keys;
    for (let i = 0; i < this.size; i++) {
      const k = keys[i] as number;
      let slot = hashNumber(k) & mask;
      while (table[slot] !== -1) slot = (slot + 1) & mask;
      table[slot] = k;
    }
    this.#table = table;
    this.#mask = mask;
  }

  keyAt(i: number): StateKey {
    return this.#keys[i] as number;
  }

  parentOf(i: number): number {
    return this.#parent[i] as number;
  }

  choiceOf(i: number): number {
    return this.#choice[i] as number;
  }

  bytes(): number {
    return this.#keys.byteLength + this.#parent.byteLength + this.#choice.byteLength + this.#table.byteLength;
  }
}

class StringStore implements StateStore {
  readonly #index = new Map<string, number>();
  readonly #keys: string[] = [];
  #parent = new Int32Array(1024);
  #choice = new Int32Array(1024);
  #keyChars = 0;

  get size(): number {
    return this.#keys.length;
  }

  has(key: StateKey): boolean {
    return this.#index.has(key as string);
  }

  add(key: StateKey, parent: number, choice: number): number {
    const k = key as string;
    if (this.#index.has(k)) return -1;
    const i = this.#keys.length;
    if (i >= STRING_STORE_LIMIT) {
      throw new ExploreSetupError(`more than ${STRING_STORE_LIMIT} states with string keys (a JavaScript Map limit); lower --max-states or the profile's bounds`);
    }
    if (i === this.#parent.length) {
      this.#parent = grow(this.#parent, (n) => new Int32Array(n));
      this.#choice = grow(this.#choice, (n) => new Int32Array(n));
    }
    this.#index.set(k, i);
    this.#keys.push(k);
    this.#parent[i] = parent;
    this.#choice[i] = choice;
    this.#keyChars += k.length;
    return i;
  }

  keyAt(i: number): StateKey {
    return this.#keys[i] as string;
  }

  parentOf(i: number): number {
    return this.#parent[i] as number;
  }

  choiceOf(i: number): number {
    return this.#choice[i] as number;
  }

  bytes(): number {
    // Per state: a Map entry (~40 bytes with its hash bucket), an array slot (8) and a one-byte
    // string (16-byte header plus its characters, rounded to 8).
    const n = this.#keys.length;
    return n * 48 + n * 16 + Math.ceil(this.#keyChars / 8) * 8 + this.#parent.byteLength + this.#choice.byteLength;
  }
}

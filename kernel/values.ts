// Immutable-value helpers that generated transition functions call. States are never mutated:
// a transition copies a collection once, on its first write, and edits the copy.

import { compareValues, isPlainRecord } from "./intern.js";
import type { Value } from "./types.js";

/**
 * A transition's private copy of a Map. `forEach` with a receiver copies without the per-entry
 * `[key, value]` arrays that `new Map(map)` allocates through the iterator protocol.
 */
export function copyMap<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  const out = new Map<K, V>();
  map.forEach(putInto, out);
  return out;
}

function putInto<K, V>(this: Map<K, V>, value: V, key: K): void {
  this.set(key, value);
}

/**
 * A copy of a Map without one key: built without it rather than copied and then deleted from, since
 * a delete that leaves the table sparse makes V8 allocate a smaller one again.
 */
export function copyMapWithout<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const out = new Map<K, V>();
  const values = map.values();
  for (const k of map.keys()) {
    const v = values.next().value as V;
    if (k !== key) out.set(k, v);
  }
  return out;
}

/** A copy of a Set without one item (see copyMapWithout). */
export function copySetWithout<T>(set: ReadonlySet<T>, item: T): Set<T> {
  const out = new Set<T>();
  for (const x of set) if (x !== item) out.add(x);
  return out;
}

/** A transition's private copy of a Set (see copyMap). */
export function copySet<T>(set: ReadonlySet<T>): Set<T> {
  const out = new Set<T>();
  set.forEach(addInto, out);
  return out;
}

function addInto<T>(this: Set<T>, value: T): void {
  this.add(value);
}

export function setOf<T>(items: readonly T[]): ReadonlySet<T> {
  return new Set(items);
}

export function headOf<T>(seq: readonly T[]): T | null {
  return seq.length > 0 ? (seq[0] as T) : null;
}

export function lastOf<T>(seq: readonly T[]): T | null {
  return seq.length > 0 ? (seq[seq.length - 1] as T) : null;
}

export function lookup<K, V>(map: ReadonlyMap<K, V>, key: K): V | null {
  const v = map.get(key);
  return v === undefined ? null : v;
}

export function keysOf<K, V>(map: ReadonlyMap<K, V>): ReadonlySet<K> {
  return new Set(map.keys());
}

/**
 * The elements of a Set (or a Map's keys) in canonical order: enum values in declared order when
 * `order` is given, otherwise numbers ascending, strings by code unit, records and tuples by their
 * fields (kernel/intern.ts compareValues). Generated loops iterate in this order so a loop's result
 * never depends on insertion history, only on the value; that is what the explorer, which rebuilds
 * states from canonical keys, has checked.
 */
export function inOrder<T extends Value>(items: Iterable<T>, order?: readonly T[]): T[] {
  const out = Array.from(items);
  if (order) return out.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return out.sort(compareValues);
}

export function allOf<T>(items: Iterable<T>, pred: (x: T) => boolean): boolean {
  for (const x of items) if (!pred(x)) return false;
  return true;
}

export function anyOf<T>(items: Iterable<T>, pred: (x: T) => boolean): boolean {
  for (const x of items) if (pred(x)) return true;
  return false;
}

/** Whether a Seq holds an element equal to `item` (the test `removeAll` uses). */
export function includesValue<T>(seq: readonly T[], item: T): boolean {
  for (let i = 0; i < seq.length; i++) if (valueEquals(seq[i] as Value, item as Value)) return true;
  return false;
}

export function removeAll<T>(seq: T[], item: T): void {
  let w = 0;
  for (let r = 0; r < seq.length; r++) {
    const x = seq[r] as T;
    if (!valueEquals(x as Value, item as Value)) seq[w++] = x;
  }
  seq.length = w;
}

export function inRange(v: number, min: number, max: number): boolean {
  return Number.isInteger(v) && v >= min && v <= max;
}

/** Structural equality over spec values (sets and maps compare by content, not identity). */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const x of a) if (!setHas(b, x as Value)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k)) return false;
      if (!valueEquals(v as Value, b.get(k) as Value)) return false;
    }
    return true;
  }
  // Records: interned values are equal only when identical (above); this compares ones built elsewhere.
  if (isPlainRecord(a)) {
    if (!isPlainRecord(b)) return false;
    const names = Object.keys(a);
    if (names.length !== Object.keys(b).length) return false;
    for (const name of names) {
      const y = b[name];
      if (y === undefined || !valueEquals(a[name] as Value, y)) return false;
    }
    return true;
  }
  return false;
}

function setHas(s: ReadonlySet<Value>, x: Value): boolean {
  if (x === null || typeof x !== "object") return s.has(x);
  for (const y of s) if (valueEquals(x, y)) return true;
  return false;
}

/** `a % b` for `b >= 1`, never negative (TLA+'s `%`): `floorMod(-7, 2) === 1`. */
export function floorMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The union of two sets of scalars, as a new set (neither argument is changed). */
export function setUnion<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Set(a);
  for (const x of b) out.add(x);
  return out;
}

/** The elements of `a` that are not in `b` (sets of scalars). */
export function setMinus<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  if (a.size === 0 || b.size === 0) return a;
  const out = new Set<T>();
  for (const x of a) if (!b.has(x)) out.add(x);
  return out;
}

/** The elements in both sets (sets of scalars). */
export function setIntersect<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  const out = new Set<T>();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

/** Whether every element of `a` is in `b` (sets of scalars). */
export function subsetOf<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size > b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** The item at index `i` of a sequence, or null when `i` is outside it. */
export function atIndex<T>(seq: readonly T[], i: number): T | null {
  return i >= 0 && i < seq.length ? (seq[i] as T) : null;
}

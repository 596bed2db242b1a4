// Pure collection updates for generated fire functions: each mirrors one spec update method
// (`pendingOps.add(o)` -> `setAdd(s.pendingOps, o)`), returns a new collection with the change and
// returns its argument itself when the update changes nothing, so an unchanged field keeps sharing
// the previous state's object (what `changedFields` and the copy-on-write tests rely on).
// A field a transition writes more than once uses a working copy instead (see
// generator/emit/ts-code.ts, `stmtsCode`); these cover the common single write.

import { copyMap, copyMapWithout, copySet, copySetWithout, includesValue, removeAll } from "./values.js";

// The empty collection a single-write removal or clear leaves behind is one of these shared ones,
// not a new object: nothing edits a state's collections in place (the `...Own` updates below copy
// any collection they did not make and never return these; a working copy cleared is a fresh one,
// `...ClearOwn`, since later updates edit it), so one empty Map, Set and Seq serve every state, and
// a session that has gone quiet holds no empty collections of its own (nor promotes them to the
// old generation: with thousands of sessions a state lives long between two of its inputs).
const EMPTY_MAP: ReadonlyMap<never, never> = new Map<never, never>();
const EMPTY_SET: ReadonlySet<never> = new Set<never>();
const EMPTY_SEQ: readonly never[] = [];

export function setAdd<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (set.has(item)) return set;
  const out = copySet(set);
  out.add(item);
  return out;
}

export function setRemove<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (!set.has(item)) return set;
  return set.size === 1 ? EMPTY_SET : copySetWithout(set, item);
}

export function setClear<T>(set: ReadonlySet<T>): ReadonlySet<T> {
  return set.size === 0 ? set : EMPTY_SET;
}

/** `map.put(key, value)`: unchanged when `key` already maps to that very value (`===`). */
export function mapPut<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  if (map.get(key) === value) return map;
  const out = copyMap(map);
  out.set(key, value);
  return out;
}

export function mapRemove<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  return map.size === 1 ? EMPTY_MAP : copyMapWithout(map, key);
}

export function mapClear<K, V>(map: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return map.size === 0 ? map : EMPTY_MAP;
}

export function seqPush<T>(seq: readonly T[], item: T): readonly T[] {
  return [...seq, item];
}

export function seqPushFront<T>(seq: readonly T[], item: T): readonly T[] {
  return [item, ...seq];
}

/** `seq.remove(item)` for items compared by identity (ids, enums, scalars): drops every occurrence. */
export function seqRemove<T>(seq: readonly T[], item: T): readonly T[] {
  if (!seq.includes(item)) return seq;
  if (seq.length === 1) return EMPTY_SEQ;
  const out = seq.slice();
  removeAll(out, item);
  return out.length === 0 ? EMPTY_SEQ : out;
}

/** `seq.remove(item)` for items compared by value (collections): drops every equal occurrence. */
export function seqRemoveValue<T>(seq: readonly T[], item: T): readonly T[] {
  if (!includesValue(seq, item)) return seq;
  const out = seq.slice();
  removeAll(out, item);
  return out.length === 0 ? EMPTY_SEQ : out;
}

export function seqPopFront<T>(seq: readonly T[]): readonly T[] {
  if (seq.length === 0) return seq;
  return seq.length === 1 ? EMPTY_SEQ : seq.slice(1);
}

/** `seq.removeAt(i)`: unchanged when `i` is outside the sequence. */
export function seqRemoveAt<T>(seq: readonly T[], i: number): readonly T[] {
  if (!(i >= 0 && i < seq.length)) return seq;
  if (seq.length === 1) return EMPTY_SEQ;
  const out = seq.slice();
  out.splice(i, 1);
  return out;
}

export function seqClear<T>(seq: readonly T[]): readonly T[] {
  return seq.length === 0 ? seq : EMPTY_SEQ;
}

// Updates of a field a transition writes several times: `current` is the field's value so far
// and `base` its pre-state value. While `current === base` nothing is copied yet, so the first
// change copies; after that `current` is the transition's private copy (never stored anywhere
// else: the emitter uses these only for such fields) and is edited in place.

export function setAddOwn<T>(current: ReadonlySet<T>, base: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (current.has(item)) return current;
  const out = current === base ? copySet(current) : (current as Set<T>);
  out.add(item);
  return out;
}

export function setRemoveOwn<T>(current: ReadonlySet<T>, base: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (!current.has(item)) return current;
  if (current === base) return copySetWithout(current, item);
  (current as Set<T>).delete(item);
  return current;
}

export function mapPutOwn<K, V>(current: ReadonlyMap<K, V>, base: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  if (current.get(key) === value) return current;
  const out = current === base ? copyMap(current) : (current as Map<K, V>);
  out.set(key, value);
  return out;
}

export function mapRemoveOwn<K, V>(current: ReadonlyMap<K, V>, base: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!current.has(key)) return current;
  if (current === base) return copyMapWithout(current, key);
  (current as Map<K, V>).delete(key);
  return current;
}

export function seqPushOwn<T>(current: readonly T[], base: readonly T[], item: T): readonly T[] {
  if (current === base) return [...current, item];
  (current as T[]).push(item);
  return current;
}

export function seqPushFrontOwn<T>(current: readonly T[], base: readonly T[], item: T): readonly T[] {
  if (current === base) return [item, ...current];
  (current as T[]).unshift(item);
  return current;
}

export function seqRemoveOwn<T>(current: readonly T[], base: readonly T[], item: T): readonly T[] {
  if (!current.includes(item)) return current;
  const out = current === base ? current.slice() : (current as T[]);
  removeAll(out, item);
  return out;
}

export function seqRemoveValueOwn<T>(current: readonly T[], base: readonly T[], item: T): readonly T[] {
  if (!includesValue(current, item)) return current;
  const out = current === base ? current.slice() : (current as T[]);
  removeAll(out, item);
  return out;
}

export function seqPopFrontOwn<T>(current: readonly T[], base: readonly T[]): readonly T[] {
  if (current.length === 0) return current;
  if (current === base) return current.slice(1);
  (current as T[]).shift();
  return current;
}

/** A cleared working value: a fresh empty collection (later updates edit it), or `current` if already empty. */
export function setClearOwn<T>(current: ReadonlySet<T>): ReadonlySet<T> {
  return current.size === 0 ? current : new Set<T>();
}

export function mapClearOwn<K, V>(current: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return current.size === 0 ? current : new Map<K, V>();
}

export function seqClearOwn<T>(current: readonly T[]): readonly T[] {
  return current.length === 0 ? current : [];
}

export function seqRemoveAtOwn<T>(current: readonly T[], base: readonly T[], i: number): readonly T[] {
  if (!(i >= 0 && i < current.length)) return current;
  const out = current === base ? current.slice() : (current as T[]);
  out.splice(i, 1);
  return out;
}

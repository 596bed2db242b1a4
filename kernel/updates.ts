// Pure collection updates for generated fire functions: each mirrors one spec update method
// (`pendingOps.add(o)` -> `setAdd(s.pendingOps, o)`), returns a new collection with the change and
// returns its argument itself when the update changes nothing, so an unchanged field keeps sharing
// the previous state's object (what `changedFields` and the copy-on-write tests rely on).
// A field a transition writes more than once uses a working copy instead (see
// generator/emit/ts-code.ts, `stmtsCode`); these cover the common single write.

import { copyMap, copySet, includesValue, removeAll } from "./values.js";

export function setAdd<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (set.has(item)) return set;
  const out = copySet(set);
  out.add(item);
  return out;
}

export function setRemove<T>(set: ReadonlySet<T>, item: T): ReadonlySet<T> {
  if (!set.has(item)) return set;
  const out = copySet(set);
  out.delete(item);
  return out;
}

export function setClear<T>(set: ReadonlySet<T>): ReadonlySet<T> {
  return set.size === 0 ? set : new Set<T>();
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
  const out = copyMap(map);
  out.delete(key);
  return out;
}

export function mapClear<K, V>(map: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return map.size === 0 ? map : new Map<K, V>();
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
  const out = seq.slice();
  removeAll(out, item);
  return out;
}

/** `seq.remove(item)` for items compared by value (collections): drops every equal occurrence. */
export function seqRemoveValue<T>(seq: readonly T[], item: T): readonly T[] {
  if (!includesValue(seq, item)) return seq;
  const out = seq.slice();
  removeAll(out, item);
  return out;
}

export function seqPopFront<T>(seq: readonly T[]): readonly T[] {
  return seq.length === 0 ? seq : seq.slice(1);
}

/** `seq.removeAt(i)`: unchanged when `i` is outside the sequence. */
export function seqRemoveAt<T>(seq: readonly T[], i: number): readonly T[] {
  if (!(i >= 0 && i < seq.length)) return seq;
  const out = seq.slice();
  out.splice(i, 1);
  return out;
}

export function seqClear<T>(seq: readonly T[]): readonly T[] {
  return seq.length === 0 ? seq : [];
}

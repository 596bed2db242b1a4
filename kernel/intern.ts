// Records and tuples are value types: two with equal fields are one value in a Set, as a Map key and
// under `===`. JavaScript compares objects by identity, so every record and tuple value is interned:
// made once per distinct content, frozen and shared. Generated code, the snapshot codec and the
// explorer build them only through `intern`, and a generated machine whose payloads hold records
// interns each trigger's payload before dispatching it (`internAs`). The table holds its values
// weakly, so values nothing refers to any more are collected and a long-running process does not grow.

import type { RecordValue, TypeDesc, Value } from "./types.js";

/** A record or tuple value. */
export type Compound = RecordValue | readonly Value[];

const codes = new WeakMap<object, number>();
const table = new Map<string, WeakRef<Compound>>();
const sweep = new FinalizationRegistry<string>((key) => {
  const ref = table.get(key);
  if (ref !== undefined && ref.deref() === undefined) table.delete(key);
});
let nextCode = 1;

/** The shared value equal to `v` (fields compared by value, records and tuples inside interned too). */
export function intern<T extends Compound>(v: T): T {
  if (codes.has(v)) return v;
  let key: string;
  let copy: Compound;
  if (Array.isArray(v)) {
    const items = (v as readonly Value[]).map(internPart);
    key = `[${items.map(partKey).join(",")}]`;
    copy = items;
  } else {
    const rec = v as RecordValue;
    const out: Record<string, Value> = {};
    const parts: string[] = [];
    for (const name of Object.keys(rec)) out[name] = internPart(rec[name] as Value);
    for (const name of Object.keys(out).sort()) parts.push(`${JSON.stringify(name)}:${partKey(out[name] as Value)}`);
    key = `{${parts.join(",")}}`;
    copy = out;
  }
  const known = table.get(key)?.deref();
  if (known !== undefined) return known as T;
  Object.freeze(copy);
  codes.set(copy, nextCode++);
  table.set(key, new WeakRef(copy));
  sweep.register(copy, key);
  return copy as T;
}

/** Whether `v` is an interned record or tuple. */
export function isInterned(v: Value): boolean {
  return typeof v === "object" && v !== null && codes.has(v);
}

function internPart(x: Value): Value {
  if (x === null || typeof x !== "object") return x;
  if (Array.isArray(x) || isPlainRecord(x)) return intern(x as Compound);
  throw new TypeError("a record or tuple holds only bool, int, enum, id, Option, record and tuple values");
}

function partKey(x: Value): string {
  if (x === null) return "z";
  switch (typeof x) {
    case "boolean":
      return x ? "t" : "f";
    case "number":
      return `n${x}`;
    case "string":
      return JSON.stringify(x);
    default:
      return `#${codes.get(x) as number}`;
  }
}

/** A plain object (a record), as opposed to a Set, a Map or an array. */
export function isPlainRecord(x: Value): x is RecordValue {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Set) && !(x instanceof Map);
}

/** Whether values of `t` may hold a record or tuple (and so must be interned when they come from outside). */
export function holdsCompound(t: TypeDesc): boolean {
  switch (t.kind) {
    case "record":
    case "tuple":
      return true;
    case "option":
    case "set":
    case "seq":
      return holdsCompound(t.of);
    case "map":
      return holdsCompound(t.key) || holdsCompound(t.value);
    default:
      return false;
  }
}

/**
 * `v` (a value of type `t` from outside: a caller's payload) with every record and tuple in it
 * interned. Returns `v` itself when nothing in it needed interning.
 */
export function internAs(t: TypeDesc, v: Value): Value {
  if (!holdsCompound(t) || v === null) return v;
  switch (t.kind) {
    case "record":
    case "tuple":
      return intern(v as Compound);
    case "option":
      return internAs(t.of, v);
    case "seq": {
      const seq = v as readonly Value[];
      const out = seq.map((x) => internAs(t.of, x));
      return out.every((x, i) => x === seq[i]) ? seq : out;
    }
    case "set": {
      const set = v as ReadonlySet<Value>;
      const out = new Set<Value>();
      let same = true;
      for (const x of set) {
        const y = internAs(t.of, x);
        if (y !== x) same = false;
        out.add(y);
      }
      return same ? set : out;
    }
    case "map": {
      const map = v as ReadonlyMap<Value, Value>;
      const out = new Map<Value, Value>();
      let same = true;
      for (const [k, x] of map) {
        const k2 = internAs(t.key, k);
        const x2 = internAs(t.value, x);
        if (k2 !== k || x2 !== x) same = false;
        out.set(k2, x2);
      }
      return same ? map : out;
    }
    default:
      return v;
  }
}

/**
 * The canonical order of spec values: numbers ascending, other scalars by their text (code units),
 * tuples item by item, records field by field in field-name order. Loops over Sets and Map keys
 * visit elements in this order and snapshots list them in it, so neither depends on insertion history.
 */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    if (a === b) return 0;
    if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(a[i] as Value, b[i] as Value);
        if (c !== 0) return c;
      }
      return a.length - b.length;
    }
    if (isPlainRecord(a) && isPlainRecord(b)) {
      const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const name of names) {
        const x = a[name];
        const y = b[name];
        if (x === undefined || y === undefined) {
          if (x !== y) return x === undefined ? -1 : 1;
          continue;
        }
        const c = compareValues(x, y);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * A transition function that first interns the records and tuples in a trigger's payload (callers
 * build payloads as plain objects), so guards and updates compare them by identity safely.
 * `payloads` lists, per trigger kind, the payload fields whose types hold records or tuples.
 */
export function withInternedPayloads<S, T extends { readonly kind: string }, R>(
  transition: (s: S, t: T) => R,
  payloads: Readonly<Record<string, readonly { readonly name: string; readonly type: TypeDesc }[]>>,
): (s: S, t: T) => R {
  return (s, t) => {
    const fields = payloads[t.kind];
    if (fields === undefined) return transition(s, t);
    const given = t as unknown as Readonly<Record<string, Value>>;
    let copy: Record<string, Value> | null = null;
    for (const f of fields) {
      const v = given[f.name] as Value;
      const w = internAs(f.type, v);
      if (w !== v) {
        copy ??= { ...given };
        copy[f.name] = w;
      }
    }
    return transition(s, (copy ?? t) as T);
  };
}

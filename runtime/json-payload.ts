// Inputs must be plain JSON: what the runtime keeps, hands to the executor and stores must be the
// same value in memory and after a round trip through any store. One pass checks the value and
// makes a frozen copy of it (so a caller mutating its object after acceptance changes nothing).

import type { InputProblem } from "./errors.js";

/** Deeper nesting is refused (a recursion guard; no real input comes close). */
export const MAX_JSON_DEPTH = 256;

export type PlainJsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: InputProblem };

/**
 * Thrown inside the copy; each enclosing container adds its key on the way out, so the happy path
 * builds no JSON pointer strings at all (they are only needed for the refusal).
 */
class NotJson {
  /** Keys from the offending value up to the root (innermost first). */
  readonly path: Array<string | number> = [];
  constructor(readonly message: string) {}
  get problem(): InputProblem {
    let pointer = "";
    for (let i = this.path.length - 1; i >= 0; i--) pointer += `/${escape(String(this.path[i]))}`;
    return { pointer, message: this.message };
  }
}

/**
 * A frozen deep copy of `value` if it is plain JSON; otherwise the first offending value's JSON
 * pointer. The common case, plain JSON, takes a fast copy that keeps no path and no ancestors; the
 * first value it does not take (anything not plain, a cycle, which shows as nesting too deep, or an
 * own `__proto__` key) sends the value through the checked copy below, which decides and names it.
 */
export function plainJsonCopy(value: unknown): PlainJsonResult {
  try {
    return { ok: true, value: fastCopy(value, 0) };
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
  }
  try {
    return { ok: true, value: copy(value, [], 0) };
  } catch (e) {
    if (e instanceof NotJson) return { ok: false, problem: e.problem };
    throw e;
  }
}

/** What the fast copy throws at the first value it leaves to the checked copy. */
const NOT_PLAIN: object = Object.freeze({ notPlain: true });

const hasOwn = Object.prototype.hasOwnProperty;

function fastCopy(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (Number.isFinite(v)) return v;
      throw NOT_PLAIN;
    case "object":
      if (v === null) return null;
      if (depth >= MAX_JSON_DEPTH || Object.getOwnPropertySymbols(v).length > 0) throw NOT_PLAIN;
      return Array.isArray(v) ? fastArray(v, depth) : fastRecord(v, depth);
    default:
      throw NOT_PLAIN;
  }
}

function fastArray(v: readonly unknown[], depth: number): unknown {
  const items: unknown[] = [];
  for (let i = 0; i < v.length; i++) {
    if (!(i in v)) throw NOT_PLAIN;
    items.push(fastCopy(v[i], depth + 1));
  }
  return Object.freeze(items);
}

function fastRecord(v: object, depth: number): unknown {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
  const record: Record<string, unknown> = {};
  // for-in visits the own enumerable keys in Object.keys order (the prototype is Object.prototype
  // or null; an inherited enumerable key is skipped as Object.keys skips it) without an array.
  for (const key in v) {
    if (!hasOwn.call(v, key)) continue;
    if (key === "__proto__") throw NOT_PLAIN;
    record[key] = fastCopy((v as Record<string, unknown>)[key], depth + 1);
  }
  return Object.freeze(record);
}

/**
 * `ancestors`: the containers from the root down to `v`'s parent (a stack; an input is a few levels
 * deep, so a linear scan beats a Set's hashing and allocation).
 */
function copy(v: unknown, ancestors: object[], depth: number): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw new NotJson(`must be a finite number, got ${String(v)}`);
      return v;
    case "object":
      if (v === null) return null;
      return copyObject(v, ancestors, depth);
    case "undefined":
      throw new NotJson("must be a JSON value, got undefined (JSON drops it)");
    default:
      throw new NotJson(`must be a JSON value, got a ${typeof v}`);
  }
}

/** Copies one member, adding its key to the pointer of a refusal raised below it. */
function member(v: unknown, key: string | number, ancestors: object[], depth: number): unknown {
  try {
    return copy(v, ancestors, depth);
  } catch (e) {
    if (e instanceof NotJson) e.path.push(key);
    throw e;
  }
}

function copyObject(v: object, ancestors: object[], depth: number): unknown {
  if (ancestors.includes(v)) throw new NotJson("is a cycle (refers to an object that contains it)");
  if (depth >= MAX_JSON_DEPTH) throw new NotJson(`is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Object.getOwnPropertySymbols(v).length > 0) throw new NotJson("has symbol keys (JSON drops them)");
  ancestors.push(v);
  let out: unknown;
  if (Array.isArray(v)) {
    const items: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) {
        const hole = new NotJson("is a hole in a sparse array");
        hole.path.push(i);
        throw hole;
      }
      items.push(member(v[i], i, ancestors, depth + 1));
    }
    out = Object.freeze(items);
  } else {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      throw new NotJson(`must be a plain object or array, got ${typeof name === "string" && name !== "" ? `a ${name}` : "an object with a prototype"}`);
    }
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const value = member((v as Record<string, unknown>)[key], key, ancestors, depth + 1);
      // defineProperty only for an own "__proto__" key (so it stays a key instead of setting the
      // prototype); plain assignment elsewhere is much cheaper, and the freeze below makes it read-only.
      if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
      else record[key] = value;
    }
    out = Object.freeze(record);
  }
  ancestors.pop();
  return out;
}

/** JSON pointer escaping (RFC 6901). */
function escape(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

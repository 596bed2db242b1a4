// How scalar values (bool, bounded int, enum, id) are encoded as Promela integers, and the bounded
// domain each one ranges over under a check profile.
//
// bool → 0/1; int → the value itself; enum → index of the value; id → 0..N-1 with N from the
// profile. Every scalar domain is the contiguous interval lo..hi of its encodings.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import { PromelaUnsupportedError } from "./errors.js";

export type ScalarType = Extract<TypeDesc, { kind: "bool" | "int" | "enum" | "id" }>;

export type PromelaType = "bit" | "byte" | "short" | "int";

export interface ScalarDomain {
  /** Smallest encoding; also the canonical filler for unused slots (none, absent key, past a Seq's end). */
  readonly lo: number;
  readonly hi: number;
  /**
   * For int types the profile bounds more narrowly (profile `ints`): the declared range. Values
   * outside lo..hi but inside it are legal at run time and pruned during exploration.
   */
  readonly declared?: { readonly lo: number; readonly hi: number };
  /** Number of values: hi - lo + 1. */
  readonly size: number;
  /** Narrowest Promela type that holds every encoding (what a state-vector slot uses). */
  readonly storage: PromelaType;
}

export function isScalarType(t: TypeDesc): t is ScalarType {
  return t.kind === "bool" || t.kind === "int" || t.kind === "enum" || t.kind === "id";
}

export function asScalar(t: TypeDesc, what: string): ScalarType {
  if (!isScalarType(t)) throw new PromelaUnsupportedError(`${what} must be a scalar type here`);
  return t;
}

export function scalarDomain(t: ScalarType, profile: ProfileDesc): ScalarDomain {
  switch (t.kind) {
    case "bool":
      return { lo: 0, hi: 1, size: 2, storage: "bit" };
    case "int": {
      if (!Number.isFinite(t.min) || !Number.isFinite(t.max)) throw new PromelaUnsupportedError(`int type ${t.name} has no finite range`);
      const bound = profile.intBounds?.[t.name];
      const lo = bound?.min ?? t.min;
      const hi = bound?.max ?? t.max;
      const narrower = lo > t.min || hi < t.max;
      return { lo, hi, size: hi - lo + 1, storage: storageFor(lo, hi), ...(narrower ? { declared: { lo: t.min, hi: t.max } } : {}) };
    }
    case "enum":
      return { lo: 0, hi: t.values.length - 1, size: t.values.length, storage: storageFor(0, t.values.length - 1) };
    case "id": {
      const n = profile.domains[t.name];
      if (n === undefined || n < 1) throw new PromelaUnsupportedError(`profile ${profile.name} gives no domain size for id type ${t.name}`);
      return { lo: 0, hi: n - 1, size: n, storage: storageFor(0, n - 1) };
    }
  }
}

function storageFor(lo: number, hi: number): PromelaType {
  if (lo >= 0 && hi <= 255) return "byte";
  if (lo >= -32768 && hi <= 32767) return "short";
  if (lo >= -2147483648 && hi <= 2147483647) return "int";
  throw new PromelaUnsupportedError(`range ${lo}..${hi} does not fit a Promela int`);
}

/** Every encoding of the domain, in order. */
export function domainValues(d: ScalarDomain): number[] {
  return Array.from({ length: d.size }, (_, i) => d.lo + i);
}

/** Promela expression: the 0-based index of an encoded value (for Set bits and Map keys). */
export function indexOf(d: ScalarDomain, value: string): string {
  const i = d.lo === 0 ? value : `(${value} - ${num(d.lo)})`;
  // A profile-bounded int may hold a value outside the bound: read slot 0 then (callers also test inBound).
  return d.declared ? `(${inBound(d, value)} -> ${i} : 0)` : i;
}

/** Promela condition: the encoded value lies in the explored domain (always, unless a profile narrows an int type). */
export function inBound(d: ScalarDomain, value: string): string {
  if (!d.declared) return "1";
  const n = /^\(?(-?\d+)\)?$/.exec(value);
  if (n) return Number(n[1]) >= d.lo && Number(n[1]) <= d.hi ? "1" : "0";
  return `((${value} >= ${num(d.lo)}) && (${value} <= ${num(d.hi)}))`;
}

/** Promela expression: the encoded value at an index. */
export function valueAt(d: ScalarDomain, index: string | number): string {
  if (typeof index === "number") return num(index + d.lo);
  return d.lo === 0 ? index : `(${index} + ${num(d.lo)})`;
}

/** An integer literal, parenthesised when negative. */
export function num(n: number): string {
  return n < 0 ? `(${n})` : String(n);
}

/** The encoding of a literal of a scalar type. */
export function encodeLiteral(t: ScalarType, v: boolean | number | string): number {
  switch (t.kind) {
    case "bool":
      return v === true ? 1 : 0;
    case "int":
      return v as number;
    case "enum": {
      const i = t.values.indexOf(v as string);
      if (i < 0) throw new PromelaUnsupportedError(`"${String(v)}" is not a value of ${t.name}`);
      return i;
    }
    case "id":
      throw new PromelaUnsupportedError(`id type ${t.name} has no literals (the id constant ${String(v)} is not translated)`);
  }
}

// The packed state of the compiled path: one number per slot in a Float64Array. Slot 0 is the
// phase (its index); then, per field in declared order:
//   bool                      1 slot, 0 or 1
//   int                       1 slot, the value
//   enum, id                  1 slot, the value's index (ids: index in the profile's domain)
//   Option<enum | id | int>   1 slot, -1 for none, else the value's code (ints: min >= 0)
//   Set<enum | id>            1 slot, a bitmask of element indexes (at most 30 elements)
//   Map<enum | id, V>         one slot per key, -1 when absent, else V's code (V: enum, id, int >= 0)
//   Seq<enum | id | int>      a length slot, then `cap` element slots (unused ones 0)
// Equal values give equal slots, so the slots are a canonical key (packed into words for the
// store). A field of any other type makes the layout refuse the spec (the generic path explores it).

import type { FieldDesc, ProfileDesc } from "../../../kernel/descriptor.js";
import type { TypeDesc, Value } from "../../../kernel/types.js";
import type { IdSpace } from "../ids.js";

/** A Seq gets this many slots beyond its bound: room for a transition that grows it, then shrinks it back. */
export const SEQ_SLACK = 4;
const MAX_BITS = 30;

export type Scalar = { readonly kind: "bool" } | { readonly kind: "int"; readonly min: number; readonly max: number } | { readonly kind: "finite"; readonly n: number; readonly values: readonly string[] };

export type SlotField =
  | { readonly kind: "scalar"; readonly name: string; readonly at: number; readonly t: Scalar; readonly lo: number; readonly hi: number }
  | { readonly kind: "option"; readonly name: string; readonly at: number; readonly of: Scalar; readonly lo: number; readonly hi: number }
  | { readonly kind: "set"; readonly name: string; readonly at: number; readonly of: Scalar & { kind: "finite" }; readonly bound: number }
  | { readonly kind: "map"; readonly name: string; readonly at: number; readonly key: Scalar & { kind: "finite" }; readonly value: Scalar; readonly lo: number; readonly hi: number; readonly bound: number }
  | { readonly kind: "seq"; readonly name: string; readonly at: number; readonly of: Scalar; readonly lo: number; readonly hi: number; readonly bound: number; readonly cap: number };

export interface SlotLayout {
  readonly phases: readonly string[];
  readonly fields: readonly SlotField[];
  readonly byName: ReadonlyMap<string, SlotField>;
  /** Number of slots. */
  readonly size: number;
  /** Size of each key digit (see digits in compile.ts), in slot order. */
  readonly digitSizes: readonly number[];
}

export class NotCompilable extends Error {}

export function scalarOf(t: TypeDesc, ids: IdSpace): Scalar {
  switch (t.kind) {
    case "bool":
      return { kind: "bool" };
    case "int":
      return { kind: "int", min: t.min, max: t.max };
    case "enum":
      return { kind: "finite", n: t.values.length, values: t.values };
    case "id": {
      const d = ids.domain(t.name);
      return { kind: "finite", n: d.values.length, values: d.values };
    }
    default:
      throw new NotCompilable(`a ${t.kind} inside a collection or option`);
  }
}

function finite(t: TypeDesc, ids: IdSpace, what: string): Scalar & { kind: "finite" } {
  const s = scalarOf(t, ids);
  if (s.kind !== "finite") throw new NotCompilable(`${what} of ${t.kind}`);
  if (s.n > MAX_BITS) throw new NotCompilable(`${what} with more than ${MAX_BITS} values`);
  return s;
}

/** An element code range: ints must be non-negative (-1 marks none / absent). */
function codeRange(s: Scalar, bounds: ProfileDesc["intBounds"], t: TypeDesc, what: string): { lo: number; hi: number } {
  if (s.kind === "finite") return { lo: 0, hi: s.n - 1 };
  if (s.kind === "bool") throw new NotCompilable(`${what} of bool`);
  const b = t.kind === "int" ? bounds[t.name] : undefined;
  const lo = b?.min ?? s.min;
  if (s.min < 0 || lo < 0) throw new NotCompilable(`${what} of a possibly negative int`);
  return { lo, hi: b?.max ?? s.max };
}

export function slotLayout(phases: readonly string[], fields: readonly FieldDesc[], profile: ProfileDesc, ids: IdSpace): SlotLayout {
  let at = 1;
  const out: SlotField[] = [];
  const digitSizes: number[] = [phases.length];
  for (const f of fields) {
    const t = f.type;
    const bound = Math.max(0, profile.collectionSizes?.[f.name] ?? profile.maxCollectionSize);
    switch (t.kind) {
      case "bool":
      case "int":
      case "enum":
      case "id": {
        const s = scalarOf(t, ids);
        const b = t.kind === "int" ? profile.intBounds[t.name] : undefined;
        const lo = s.kind === "int" ? (b?.min ?? s.min) : 0;
        const hi = s.kind === "int" ? (b?.max ?? s.max) : s.kind === "bool" ? 1 : s.n - 1;
        if (s.kind === "int" && (Math.abs(s.min) > 2 ** 31 || Math.abs(s.max) > 2 ** 31)) throw new NotCompilable(`int field ${f.name} beyond 32 bits`);
        out.push({ kind: "scalar", name: f.name, at, t: s, lo, hi });
        digitSizes.push(hi - lo + 1);
        at += 1;
        break;
      }
      case "option": {
        const s = scalarOf(t.of, ids);
        const r = codeRange(s, profile.intBounds, t.of, "an Option");
        out.push({ kind: "option", name: f.name, at, of: s, ...r });
        digitSizes.push(r.hi - r.lo + 2);
        at += 1;
        break;
      }
      case "set": {
        const s = finite(t.of, ids, "a Set");
        out.push({ kind: "set", name: f.name, at, of: s, bound });
        digitSizes.push(2 ** s.n);
        at += 1;
        break;
      }
      case "map": {
        const key = finite(t.key, ids, "a Map key");
        const value = scalarOf(t.value, ids);
        const r = codeRange(value, profile.intBounds, t.value, "a Map value");
        out.push({ kind: "map", name: f.name, at, key, value, ...r, bound });
        for (let k = 0; k < key.n; k++) digitSizes.push(r.hi - r.lo + 2);
        at += key.n;
        break;
      }
      case "seq": {
        const s = scalarOf(t.of, ids);
        const r = codeRange(s, profile.intBounds, t.of, "a Seq");
        const cap = bound + SEQ_SLACK;
        out.push({ kind: "seq", name: f.name, at, of: s, ...r, bound, cap });
        digitSizes.push(bound + 1);
        for (let j = 0; j < bound; j++) digitSizes.push(r.hi - r.lo + 1);
        at += 1 + cap;
        break;
      }
      default:
        throw new NotCompilable(`a field of kind ${(t as { kind: string }).kind}`);
    }
  }
  return { phases, fields: out, byName: new Map(out.map((f) => [f.name, f])), size: at, digitSizes };
}

function codeOf(s: Scalar, v: Value): number {
  if (s.kind === "bool") return v === true ? 1 : 0;
  if (s.kind === "int") return v as number;
  return s.values.indexOf(v as string);
}

function valueOf(s: Scalar, c: number): Value {
  if (s.kind === "bool") return c === 1;
  if (s.kind === "int") return c;
  return s.values[c] as string;
}

/** Writes an object state (in every field's domain) into slots. */
export function toSlots(layout: SlotLayout, state: Readonly<Record<string, unknown>>, out: Float64Array): void {
  out.fill(0);
  out[0] = layout.phases.indexOf(state.phase as string);
  for (const f of layout.fields) {
    const v = state[f.name] as Value;
    switch (f.kind) {
      case "scalar":
        out[f.at] = codeOf(f.t, v);
        break;
      case "option":
        out[f.at] = v === null ? -1 : codeOf(f.of, v);
        break;
      case "set": {
        let m = 0;
        for (const x of v as ReadonlySet<Value>) m |= 1 << codeOf(f.of, x);
        out[f.at] = m;
        break;
      }
      case "map": {
        for (let k = 0; k < f.key.n; k++) out[f.at + k] = -1;
        for (const [k, x] of v as ReadonlyMap<Value, Value>) out[f.at + codeOf(f.key, k)] = codeOf(f.value, x);
        break;
      }
      case "seq": {
        const q = v as readonly Value[];
        out[f.at] = q.length;
        q.forEach((x, j) => (out[f.at + 1 + j] = codeOf(f.of, x)));
        break;
      }
    }
  }
}

/** The object state of slots (collections built in element index order, as the generic decoder does). */
export function fromSlots(layout: SlotLayout, s: Float64Array): Record<string, unknown> {
  const out: Record<string, unknown> = { phase: layout.phases[s[0] as number] };
  for (const f of layout.fields) {
    switch (f.kind) {
      case "scalar":
        out[f.name] = valueOf(f.t, s[f.at] as number);
        break;
      case "option":
        out[f.name] = s[f.at] === -1 ? null : valueOf(f.of, s[f.at] as number);
        break;
      case "set": {
        const set = new Set<Value>();
        const m = s[f.at] as number;
        for (let i = 0; i < f.of.n; i++) if ((m >>> i) & 1) set.add(valueOf(f.of, i));
        out[f.name] = set;
        break;
      }
      case "map": {
        const map = new Map<Value, Value>();
        for (let k = 0; k < f.key.n; k++) if (s[f.at + k] !== -1) map.set(valueOf(f.key, k), valueOf(f.value, s[f.at + k] as number));
        out[f.name] = map;
        break;
      }
      case "seq": {
        const len = s[f.at] as number;
        const q: Value[] = [];
        for (let j = 0; j < len; j++) q.push(valueOf(f.of, s[f.at + 1 + j] as number));
        out[f.name] = q;
        break;
      }
    }
  }
  return out;
}

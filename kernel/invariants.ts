// Incremental invariant checking. States are immutable and an invariant is a pure function of the
// fields it reads (PredicateDesc.reads), so when every one of those fields of the new state is the
// same value as in a state already known to satisfy all invariants (compared by reference, which
// copy-on-write transitions make meaningful for collections), the invariant still holds there and
// need not be evaluated again. The result is exactly that of evaluating every invariant.

import type { FieldDesc, PredicateDesc } from "./descriptor.js";

export interface InvariantChecker<S> {
  /**
   * The names of the invariants `next` breaks, in declaration order, or null when all hold.
   * `verified`: a state known to satisfy every invariant (then only the invariants reading a
   * property that differs from it are evaluated), or null to evaluate them all.
   */
  broken(verified: S | null, next: S): string[] | null;
}

/** What the checker needs of a kernel (MachineKernel has it). */
export interface CheckedKernel<S> {
  readonly fields: readonly FieldDesc[];
  readonly invariants: readonly PredicateDesc<S>[];
  changedFields?(a: S, b: S): number;
}

const checkers = new WeakMap<object, InvariantChecker<never>>();

/** The checker of a kernel's invariants (one per kernel object). */
export function invariantChecker<S>(kernel: CheckedKernel<S>): InvariantChecker<S> {
  const known = checkers.get(kernel) as InvariantChecker<S> | undefined;
  if (known !== undefined) return known;
  const made = new Checker(kernel);
  checkers.set(kernel, made as InvariantChecker<never>);
  return made;
}

/**
 * Bit sets over invariant indexes, 32 to a word. State property j ("phase", then the fields in
 * order, as in `changedFields`) has `masks[j * words ...]`: the invariants reading it. `always`:
 * the invariants without (usable) `reads`, evaluated every time.
 */
class Checker<S> implements InvariantChecker<S> {
  readonly #invariants: readonly PredicateDesc<S>[];
  readonly #keys: readonly string[];
  readonly #words: number;
  readonly #masks: Int32Array;
  readonly #always: Int32Array;
  readonly #someAlways: boolean;
  readonly #changed: ((a: S, b: S) => number) | null;

  constructor(kernel: CheckedKernel<S>) {
    const invariants = kernel.invariants;
    const keys = ["phase", ...kernel.fields.map((f) => f.name)];
    const words = Math.max(1, Math.ceil(invariants.length / 32));
    const masks = new Int32Array(keys.length * words);
    const always = new Int32Array(words);
    invariants.forEach((inv, i) => {
      const bit = 1 << (i & 31);
      const word = i >>> 5;
      const reads = inv.reads;
      if (reads === undefined || reads.some((r) => !keys.includes(r))) always[word] = (always[word] as number) | bit;
      else for (const r of reads) masks[keys.indexOf(r) * words + word] = (masks[keys.indexOf(r) * words + word] as number) | bit;
    });
    this.#invariants = invariants;
    this.#keys = keys;
    this.#words = words;
    this.#masks = masks;
    this.#always = always;
    this.#someAlways = always.some((w) => w !== 0);
    const changed = kernel.changedFields;
    // Called as a plain function: generated kernels define it without `this`.
    this.#changed = changed !== undefined && keys.length <= 32 ? changed : null;
  }

  broken(verified: S | null, next: S): string[] | null {
    const invariants = this.#invariants;
    if (verified === null) {
      let out: string[] | null = null;
      for (let i = 0; i < invariants.length; i++) {
        const inv = invariants[i] as PredicateDesc<S>;
        if (!inv.holds(next)) (out ??= []).push(inv.name);
      }
      return out;
    }
    if (verified === next && !this.#someAlways) return null;
    const words = this.#words;
    const masks = this.#masks;
    if (words === 1) {
      let due = this.#always[0] as number;
      const changed = this.#changed;
      if (changed !== null) {
        for (let bits = changed(verified, next); bits !== 0; bits &= bits - 1) due |= masks[31 - Math.clz32(bits & -bits)] as number;
      } else {
        const keys = this.#keys;
        const a = verified as unknown as Readonly<Record<string, unknown>>;
        const b = next as unknown as Readonly<Record<string, unknown>>;
        for (let j = 0; j < keys.length; j++) {
          const key = keys[j] as string;
          if (a[key] !== b[key]) due |= masks[j] as number;
        }
      }
      if (due === 0) return null;
      let out: string[] | null = null;
      for (let i = 0; i < invariants.length; i++) {
        if ((due & (1 << i)) === 0) continue;
        const inv = invariants[i] as PredicateDesc<S>;
        if (!inv.holds(next)) (out ??= []).push(inv.name);
      }
      return out;
    }
    const due = this.#always.slice();
    const keys = this.#keys;
    const a = verified as unknown as Readonly<Record<string, unknown>>;
    const b = next as unknown as Readonly<Record<string, unknown>>;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j] as string;
      if (a[key] !== b[key]) for (let w = 0; w < words; w++) due[w] = (due[w] as number) | (masks[j * words + w] as number);
    }
    let out: string[] | null = null;
    for (let i = 0; i < invariants.length; i++) {
      if (((due[i >>> 5] as number) & (1 << (i & 31))) === 0) continue;
      const inv = invariants[i] as PredicateDesc<S>;
      if (!inv.holds(next)) (out ??= []).push(inv.name);
    }
    return out;
  }
}

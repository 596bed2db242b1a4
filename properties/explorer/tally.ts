// What one breadth-first exploration has seen so far, shared by the generic engine (engine.ts) and
// the compiled one (compiled/engine.ts) so both report findings, invariants, witnesses, phases and
// fired transitions the same way. `T` is how a state is held: an object or packed slots.

import type { Finding, FinalTag } from "./findings.js";
import type { ViolationKind } from "./result.js";
import type { System } from "./system.js";

export type StateCheck<T> = (x: T) => boolean;

export class Tally<T> {
  readonly findings = new Map<string, Finding>();
  stopped = false;
  deepest = 0;
  firedCount = 0;
  readonly broken: Uint8Array;
  readonly witnessAt: Int32Array;
  readonly witnessDepth: Int32Array;
  readonly phaseSeen: Uint8Array;
  readonly fired: Uint8Array;
  #witnessesLeft: number;

  constructor(
    private readonly sys: System<unknown>,
    private readonly stopOn: { readonly kind: ViolationKind; readonly name: string } | undefined,
    /** Per invariant of sys, in order: does it hold. */
    private readonly invariants: readonly StateCheck<T>[],
    /** Per witness of sys, in order: does it hold. */
    private readonly witnesses: readonly StateCheck<T>[],
    /** Marks the phases of a state in `seen`. */
    private readonly markPhases: (x: T, seen: Uint8Array) => void,
  ) {
    this.broken = new Uint8Array(invariants.length);
    this.witnessAt = new Int32Array(witnesses.length).fill(-1);
    this.witnessDepth = new Int32Array(witnesses.length).fill(-1);
    this.#witnessesLeft = witnesses.length;
    this.phaseSeen = new Uint8Array(sys.phaseNames.length);
    this.fired = new Uint8Array(sys.transitionNames.length);
  }

  /** Records the first finding of each kind and name; stops when it is the one asked to stop on. */
  report(kind: ViolationKind, name: string, message: string, at: number, tag: FinalTag | null, choice: number): void {
    const id = `${kind}\u0000${name}`;
    if (!this.findings.has(id)) this.findings.set(id, { kind, name, message, at, final: tag === null ? null : { tag, choice } });
    if (this.stopOn && this.stopOn.kind === kind && this.stopOn.name === name) this.stopped = true;
  }

  markFired(t: number): void {
    if (this.fired[t] === 0) {
      this.fired[t] = 1;
      this.firedCount++;
    }
  }

  /** A newly stored state: its invariants, the witnesses it reaches first, its phases. */
  onNew(idx: number, x: T, depth: number): void {
    this.deepest = depth;
    const invariants = this.invariants;
    for (let v = 0; v < invariants.length; v++) {
      if (this.broken[v] === 1) continue;
      if (!(invariants[v] as StateCheck<T>)(x)) {
        this.broken[v] = 1;
        const inv = this.sys.invariants[v] as System<unknown>["invariants"][number];
        this.report("invariant", inv.name, `invariant ${inv.name} (${inv.source}) is false`, idx, null, -1);
      }
    }
    if (this.#witnessesLeft > 0) {
      const witnesses = this.witnesses;
      for (let w = 0; w < witnesses.length; w++) {
        if ((this.witnessAt[w] as number) < 0 && (witnesses[w] as StateCheck<T>)(x)) {
          this.witnessAt[w] = idx;
          this.witnessDepth[w] = depth;
          this.#witnessesLeft--;
        }
      }
    }
    this.markPhases(x, this.phaseSeen);
  }
}

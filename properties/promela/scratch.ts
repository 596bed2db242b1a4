// Hidden scratch variables: declared outside the state vector (`hidden`), written before they are
// read within one d_step, so they never distinguish two states. Each request gets a fresh name.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import { buildStore, cellsOf, declare, type Cell, type Store } from "./store.js";

export class Scratch {
  readonly #cells: Cell[] = [];
  #next = 0;

  constructor(
    readonly profile: ProfileDesc,
    /** Capacity of every scratch Seq (see capacity.ts). */
    readonly seqCap: number,
  ) {}

  /** A hidden int. */
  int(hint: string): string {
    const name = `t_${hint}${this.#next++}`;
    this.#cells.push({ name, count: 1, type: "int", hidden: true, fill: 0 });
    return name;
  }

  /** A hidden int with exactly this name (once per name): flags that name what an assertion checks. */
  named(name: string): string {
    if (!this.#cells.some((c) => c.name === name)) this.#cells.push({ name, count: 1, type: "int", hidden: true, fill: 0 });
    return name;
  }

  /** A hidden store for a value of type t. */
  store(t: TypeDesc, hint: string): Store {
    const s = buildStore(t, `t_${hint}${this.#next++}`, { profile: this.profile, seqCap: this.seqCap, hidden: true });
    this.#cells.push(...cellsOf(s));
    return s;
  }

  /** Registers the cells of a store built elsewhere (the working copies of fields). */
  adopt(s: Store): void {
    this.#cells.push(...cellsOf(s));
  }

  declarations(): string[] {
    return this.#cells.flatMap(declare);
  }
}

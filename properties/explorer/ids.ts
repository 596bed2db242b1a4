// The bounded identifier domains of a profile: each id type gets N symbolic values "Type#1".."Type#N"
// and a slot number, which symmetry reduction uses to rename values of that type.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import { ExploreSetupError } from "./errors.js";

export interface IdDomain {
  readonly type: string;
  readonly slot: number;
  readonly values: readonly string[];
  /** Value → index in `values`. */
  readonly index: ReadonlyMap<string, number>;
}

export class IdSpace {
  readonly #domains = new Map<string, IdDomain>();

  constructor(readonly profile: ProfileDesc) {}

  domain(type: string): IdDomain {
    const known = this.#domains.get(type);
    if (known) return known;
    const n = this.profile.domains[type];
    if (n === undefined) throw new ExploreSetupError(`profile ${this.profile.name} gives no domain size for id type ${type}`);
    const values = Array.from({ length: n }, (_, i) => idValue(type, i, n));
    const made: IdDomain = { type, slot: this.#domains.size, values, index: new Map(values.map((v, i) => [v, i])) };
    this.#domains.set(type, made);
    return made;
  }

  get all(): readonly IdDomain[] {
    return [...this.#domains.values()];
  }
}

/**
 * The i-th symbolic value of a domain of n. Numbers are zero-padded to the domain's width so that
 * string order (how generated code orders ids in loops) equals index order (how states are keyed).
 */
export function idValue(type: string, i: number, n: number = i + 1): string {
  return `${type}#${String(i + 1).padStart(String(n).length, "0")}`;
}

// The bounded identifier domains of a profile: each id type gets N symbolic values "Type#1".."Type#N"
// and a slot number, which symmetry reduction uses to rename values of that type.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import { ExploreSetupError } from "./errors.js";

export interface IdDomain {
  readonly type: string;
  readonly slot: number;
  readonly values: readonly string[];
  /** The first `fixed` values are named id constants: symmetry reduction never renames them. */
  readonly fixed: number;
  /** Value → index in `values`. */
  readonly index: ReadonlyMap<string, number>;
}

export class IdSpace {
  readonly #domains = new Map<string, IdDomain>();

  /** `constants`: named id constants by type (the kernel's idConstants), which take a domain's first values. */
  constructor(
    readonly profile: ProfileDesc,
    readonly constants: Readonly<Record<string, readonly string[]>> = {},
  ) {}

  domain(type: string): IdDomain {
    const known = this.#domains.get(type);
    if (known) return known;
    const n = this.profile.domains[type];
    if (n === undefined) throw new ExploreSetupError(`profile ${this.profile.name} gives no domain size for id type ${type}`);
    const fixed = this.constants[type] ?? [];
    if (n < fixed.length) throw new ExploreSetupError(`profile ${this.profile.name} gives id type ${type} ${n} values, fewer than its ${fixed.length} constants (${fixed.join(", ")})`);
    const values = Array.from({ length: n }, (_, i) => (i < fixed.length ? (fixed[i] as string) : idValue(type, i, n)));
    const made: IdDomain = { type, slot: this.#domains.size, values, fixed: fixed.length, index: new Map(values.map((v, i) => [v, i])) };
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

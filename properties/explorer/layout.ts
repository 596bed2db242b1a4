// How a state splits into components (phase, fields, queue...), each with a dense codec. The key
// codec and symmetry reduction work on this flat view, whatever the state looks like.

import type { Dense } from "./dense.js";

export interface Layout<S> {
  /** One codec per component, in a fixed order. */
  readonly components: readonly Dense<unknown>[];
  /** Names of the components, for messages (e.g. "coins", "gate.seen", "queue"). */
  readonly names: readonly string[];
  /** Writes the components of s into out[0..components.length). */
  flatten(s: S, out: unknown[]): void;
  build(values: readonly unknown[]): S;
}

// A hand-written transition table over kernel/dispatch.ts, small enough to reason about each case.

import { dispatcher, type Fired, type Guard, type TransitionTable } from "../../kernel/index.js";

type S = { readonly phase: "A" | "B"; readonly n: number };
type T = { readonly kind: "Go"; readonly by: number } | { readonly kind: "Stop"; readonly by: number };
type Name = "Step" | "Stay" | "Back" | "Halt";
type G = "small" | "zero";

const small: Guard<S, unknown, G> = { name: "small", holds: (s) => s.n < 3 };
const zero: Guard<S, T, G> = { name: "zero", holds: (_, t) => t.by === 0 };
const fire = (name: Name, phase: S["phase"]) => (s: S, t: T): Fired<S, Name, never> => ({ ok: true, transition: name, state: { phase, n: s.n + t.by }, effects: [] });

const table: TransitionTable<S, T, never, Name, G> = [
  { name: "Step", on: "Go", from: ["A"], to: "B", guards: [small], fire: fire("Step", "B") },
  { name: "Stay", on: "Go", from: ["B"], to: null, guards: [zero], fire: fire("Stay", "B") },
  { name: "Back", on: "Go", from: ["B"], to: "A", guards: [small, zero], fire: fire("Back", "A") },
  { name: "Halt", on: "Stop", from: ["B"], to: null, guards: [], fire: fire("Halt", "B") },
];

export function transitionKernel() {
  return { transition: dispatcher(table) };
}

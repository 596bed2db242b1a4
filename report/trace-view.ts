// A check trace (counterexample or witness, kernel/codec JSON) as the stepper shows it: states
// flattened to one entry per field, the fields each step changed, and the diagram row of the
// transition each step took.

import type { JsonValue } from "../kernel/codec.js";
import type { Trace, TraceStep } from "../properties/explorer/index.js";
import { phaseId } from "./graph.js";
import type { Diagram, InvariantView, StepView, TraceView } from "./model.js";

export type FlatState = Readonly<Record<string, JsonValue>>;

/** One entry per field; composition states ({instance: {...}}) get `instance.field` keys. */
export function flatten(subject: "machine" | "composition", state: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
  if (subject === "machine") return { ...state };
  const out: Record<string, JsonValue> = {};
  for (const [inst, s] of Object.entries(state)) {
    if (typeof s === "object" && s !== null && !Array.isArray(s)) for (const [k, v] of Object.entries(s)) out[`${inst}.${k}`] = v;
    else out[inst] = s;
  }
  return out;
}

export function changedFields(before: FlatState, after: FlatState): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** Looks up the diagram row of a transition taken from a phase. */
export function occurrenceIndex(d: Diagram): (transition: string, from: string) => string | null {
  const m = new Map(d.occurrences.map((o) => [`${o.transition}\u0000${o.from}`, o.id]));
  return (transition, from) => m.get(`${transition}\u0000${from}`) ?? null;
}

function phaseBefore(subject: "machine" | "composition", state: FlatState, step: TraceStep): string | null {
  if (subject === "machine") return typeof state["phase"] === "string" ? phaseId(null, state["phase"]) : null;
  const inst = step.transition !== null ? (step.transition.split(".")[0] as string) : (step.instance ?? null);
  if (inst === null) return null;
  const p = state[`${inst}.phase`];
  return typeof p === "string" ? phaseId(inst, p) : null;
}

export function traceView(trace: Trace, source: "check" | "file", diagram: Diagram, invariants: readonly InvariantView[]): TraceView {
  const find = occurrenceIndex(diagram);
  const initial = flatten(trace.subject, trace.initial);
  let prev: FlatState = initial;
  const steps: StepView[] = trace.steps.map((s) => {
    const from = phaseBefore(trace.subject, prev, s);
    const state = s.state ? flatten(trace.subject, s.state) : null;
    if (state && s.pending !== undefined) state["queue"] = s.pending as JsonValue;
    const view: StepView = {
      trigger: `${s.instance ? `${s.instance}.` : ""}${s.trigger}${s.route ? ` via ${s.route}` : ""}`,
      payload: s.payload,
      transition: s.transition,
      highlight: s.transition !== null && from !== null ? find(s.transition, from) : null,
      candidates: [],
      state,
      changed: state ? changedFields(prev, state) : [],
      effects: s.effects,
      refusal: s.refusal ?? null,
      events: [],
      at: null,
    };
    if (state) prev = state;
    return view;
  });
  const invariant = trace.kind === "invariant" ? (invariants.find((i) => i.name === trace.name) ?? null) : null;
  return {
    title: `${trace.kind} ${trace.name}`,
    source,
    kind: trace.kind,
    name: trace.name,
    message: trace.message,
    initial,
    initialHighlight: null,
    steps,
    invariant,
  };
}

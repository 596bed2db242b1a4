// The data of one HTML report: the laid-out diagram, the coverage of a check and the traces the
// stepper shows. Built in Node, embedded in the page as JSON; the in-page script only reads it.

import type { JsonValue } from "../kernel/codec.js";

/** One line of text in a box; `size` is the font size in px (the layout measures by it). */
export interface TextLine {
  readonly text: string;
  readonly size: number;
  readonly cls: "name" | "guards" | "route";
}

/**
 * One place a transition appears on the diagram: a row inside a phase box (a transition that stays
 * in its phase) or a row of an edge label (one that changes phase). A transition declared for
 * several phases appears once per phase.
 */
export interface Occurrence {
  readonly id: string;
  /** Qualified in compositions ("gate.InsertCoin"). */
  readonly transition: string;
  /** Phase node ids. */
  readonly from: string;
  readonly to: string;
  /** The edge it belongs to; null for a row inside a phase box. */
  readonly edge: string | null;
  /** Box of the row, in diagram coordinates. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly lines: readonly TextLine[];
}

export interface PhaseBox {
  /** `p:<phase>` or `p:<instance>.<phase>`. */
  readonly id: string;
  readonly phase: string;
  readonly instance: string | null;
  readonly initial: boolean;
  readonly terminal: boolean;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface EdgeView {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Polyline in diagram coordinates. */
  readonly points: readonly (readonly [number, number])[];
  readonly label: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

export interface InstanceBox {
  readonly id: string;
  readonly name: string;
  readonly machine: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface RouteView {
  readonly id: string;
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly points: readonly (readonly [number, number])[];
  readonly label: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly lines: readonly TextLine[];
}

export interface Diagram {
  readonly width: number;
  readonly height: number;
  readonly instances: readonly InstanceBox[];
  readonly phases: readonly PhaseBox[];
  readonly edges: readonly EdgeView[];
  readonly occurrences: readonly Occurrence[];
  readonly routes: readonly RouteView[];
}

export interface TransitionCoverage {
  readonly name: string;
  readonly trigger: string;
  readonly guards: readonly string[];
  /** Edges of the state graph it labels; null when the exploration did not count them. */
  readonly fired: number | null;
  readonly unfired: boolean;
}

export interface Coverage {
  readonly profile: string;
  readonly ok: boolean;
  readonly complete: boolean;
  readonly states: number;
  readonly depth: number;
  readonly maxDepth: number | null;
  readonly durationMs: number;
  readonly symmetry: boolean;
  readonly pruned: number;
  /** Whether unfired transitions and unreached phases are violations (machines) or only coverage. */
  readonly checked: boolean;
  readonly transitions: readonly TransitionCoverage[];
  readonly unreachedPhases: readonly string[];
  readonly invariants: readonly { readonly name: string; readonly source: string; readonly held: boolean }[];
  readonly witnesses: readonly { readonly name: string; readonly source: string; readonly reached: boolean; readonly depth: number | null }[];
  readonly violations: readonly { readonly kind: string; readonly name: string; readonly message: string; readonly trace: number | null }[];
}

export interface StepView {
  /** What happened, as the step list shows it ("Coin", "gate.Coin via report_opening"). */
  readonly trigger: string;
  readonly payload: JsonValue;
  readonly transition: string | null;
  /** Occurrence id to highlight; null when refused or not on the diagram. */
  readonly highlight: string | null;
  /** Occurrences that may be meant when only the phase change is known (runtime logs without transitions). */
  readonly candidates: readonly string[];
  /** The state after the step, one entry per field (qualified in compositions); null when refused. */
  readonly state: Readonly<Record<string, JsonValue>> | null;
  readonly changed: readonly string[];
  readonly effects: readonly JsonValue[];
  readonly refusal: JsonValue;
  /** Runtime logs: the typed events of the step. */
  readonly events: readonly JsonValue[];
  readonly at: number | null;
}

export interface InvariantView {
  readonly name: string;
  readonly source: string;
  /** State fields the expression reads (their values at the last step are shown). */
  readonly reads: readonly string[];
}

export interface TraceView {
  readonly title: string;
  readonly source: "check" | "file" | "runtime";
  readonly kind: string;
  readonly name: string;
  readonly message: string;
  readonly initial: Readonly<Record<string, JsonValue>>;
  readonly initialHighlight: string | null;
  readonly steps: readonly StepView[];
  readonly invariant: InvariantView | null;
}

export interface ReportData {
  readonly title: string;
  readonly subject: "machine" | "composition";
  readonly name: string;
  readonly specFile: string;
  readonly diagram: Diagram;
  readonly transitions: readonly TransitionCoverage[];
  readonly coverage: Coverage | null;
  readonly traces: readonly TraceView[];
}

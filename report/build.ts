// Builds a report page from its inputs: the spec's kernel, optionally a check result (with fire
// counts), trace files and a runtime event log.

import type { ExploreResult, Trace } from "../properties/explorer/index.js";
import { coverageOf, transitionCoverage } from "./coverage.js";
import { eventLogTraces } from "./event-log.js";
import { buildGraph, type ReportTarget } from "./graph.js";
import { layoutGraph } from "./layout.js";
import type { ReportData, TraceView } from "./model.js";
import { renderPage } from "./page.js";
import { invariantsOf } from "./predicates.js";
import { renderSvg } from "./svg.js";
import { traceView } from "./trace-view.js";

export interface ReportInputs {
  readonly target: ReportTarget;
  readonly specFile: string;
  /** The check, when one was run. */
  readonly result?: ExploreResult;
  /** Fire counts per transition (report/count.ts), when counted. */
  readonly fired?: ReadonlyMap<string, number>;
  /** Trace files given by the user. */
  readonly traces?: readonly Trace[];
  /** A runtime event log (JSON lines) and its file name. */
  readonly events?: { readonly text: string; readonly file: string };
}

export interface BuiltReport {
  readonly html: string;
  readonly data: ReportData;
}

export async function buildReport(inputs: ReportInputs): Promise<BuiltReport> {
  const { target } = inputs;
  const graph = buildGraph(target);
  const diagram = await layoutGraph(graph);
  const invariants = invariantsOf(target);
  const result = inputs.result ?? null;
  const transitions = transitionCoverage(graph.transitions, result, inputs.fired ?? null);

  const traces: TraceView[] = [];
  const violationTrace: (number | null)[] = [];
  for (const v of result?.violations ?? []) {
    if (v.trace) {
      violationTrace.push(traces.length);
      traces.push(traceView(v.trace, "check", diagram, invariants));
    } else violationTrace.push(null);
  }
  for (const t of inputs.traces ?? []) traces.push({ ...traceView(t, "file", diagram, invariants), title: `file: ${t.kind} ${t.name}` });
  if (inputs.events) traces.push(...eventLogTraces(inputs.events.text, inputs.events.file, target, diagram));

  const name = target.kind === "machine" ? target.kernel.machine : target.kernel.composition;
  const data: ReportData = {
    title: `${name}${result ? ` [${result.profile}]` : ""}`,
    subject: target.kind,
    name,
    specFile: inputs.specFile,
    diagram,
    transitions,
    coverage: result ? coverageOf(result, transitions, invariants, (i) => violationTrace[i] ?? null) : null,
    traces,
  };
  return { html: renderPage(data, renderSvg(diagram, transitions)), data };
}

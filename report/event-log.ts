// A recorded runtime event log (JSON lines: typed RuntimeEvents and `machine.transition` records,
// as runtime/event-log.ts writes them) as stepper traces, one per session. Each committed transition
// of the diagram's machine is a step, carrying the events that followed it; without transition
// records every event is a step and a phase change highlights the edges it may have taken. The
// state shown is what the events say about the session: phase, inputs, runs.

import type { JsonValue } from "../kernel/codec.js";
import { ReportInputError } from "./errors.js";
import { phaseId, type ReportTarget } from "./graph.js";
import type { Diagram, StepView, TraceView } from "./model.js";
import { changedFields, occurrenceIndex, type FlatState } from "./trace-view.js";

type Line = Readonly<Record<string, JsonValue>> & { readonly type: string; readonly sessionId: string };

export function parseEventLog(text: string, file: string): Line[] {
  const lines: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new ReportInputError("bad-event-log", `${file}:${i + 1}`, `not JSON: ${(e as Error).message}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ReportInputError("bad-event-log", `${file}:${i + 1}`, "expected a JSON object (one event per line)");
    const o = v as Record<string, unknown>;
    if (typeof o["type"] !== "string") throw new ReportInputError("bad-event-log", `${file}:${i + 1}`, 'the event has no string "type"');
    if (typeof o["sessionId"] !== "string") throw new ReportInputError("bad-event-log", `${file}:${i + 1}`, `event ${o["type"]} has no string "sessionId"`);
    if (o["type"] === "machine.transition" && (typeof o["transition"] !== "string" || typeof o["machine"] !== "string")) {
      throw new ReportInputError("bad-event-log", `${file}:${i + 1}`, 'a machine.transition record needs string "machine" and "transition"');
    }
    lines.push(o as Line);
  });
  if (lines.length === 0) throw new ReportInputError("bad-event-log", file, "the event log holds no events");
  return lines;
}

/** The machine the log's session transitions belong to, as the diagram shows it. */
interface Machine {
  readonly name: string;
  readonly instance: string | null;
  readonly initial: string;
  readonly transitions: ReadonlyMap<string, { readonly on: string; readonly to: string | null }>;
}

function machineOf(target: ReportTarget, lines: readonly Line[]): Machine {
  const logged = new Set(lines.filter((l) => l.type === "machine.transition").map((l) => l["machine"] as string));
  const kernels = target.kind === "machine" ? [[null, target.kernel] as const] : Object.entries(target.kernel.instances);
  const [instance, k] = kernels.find(([, m]) => logged.has(m.machine)) ?? kernels.find(([, m]) => m.machine === "SessionRuntime") ?? (kernels[0] as (typeof kernels)[number]);
  return { name: k.machine, instance, initial: k.initialPhase, transitions: new Map(k.transitions.map((t) => [t.name, { on: t.on, to: t.to }])) };
}

/** Folds one event into the session view (phase, topology, inputs, runs, last error). */
function apply(state: Record<string, JsonValue>, e: Line): void {
  const id = (k: string): string => String(e[k]);
  switch (e.type) {
    case "runtime.state_changed":
      state["phase"] = e["to"] ?? null;
      return;
    case "input.queued":
      state[`inputs.${id("inputId")}`] = `queued (${String(e["lane"])}${e["requeued"] === true ? ", requeued" : ""})`;
      return;
    case "input.staged":
    case "input.applied":
      state[`inputs.${id("inputId")}`] = `${e.type.slice(6)} (${id("runId")})`;
      return;
    case "input.superseded":
      state[`inputs.${id("inputId")}`] = `superseded by ${id("by")}`;
      return;
    case "input.coalesced":
      state[`inputs.${id("inputId")}`] = `coalesced into ${id("into")}`;
      return;
    case "input.abandoned":
      state[`inputs.${id("inputId")}`] = `abandoned (${String(e["reason"])})`;
      return;
    case "run.started":
      state["currentRun"] = id("runId");
      state[`runs.${id("runId")}`] = "started";
      return;
    case "run.completed":
    case "run.failed":
    case "run.cancelled":
      state["currentRun"] = null;
      state[`runs.${id("runId")}`] = e.type === "run.completed" ? "completed" : e.type === "run.failed" ? `failed: ${String(e["error"])}` : `cancelled: ${String(e["reason"])}`;
      return;
    case "runtime.error":
      state["lastError"] = `${String(e["code"])}: ${String(e["message"])}`;
      return;
    default:
      if (e.type.startsWith("input.")) state[`inputs.${id("inputId")}`] = e.type.slice(6);
      else if (e.type.startsWith("topology.")) state["topology"] = e.type.slice(9);
  }
}

function eventJson(e: Line): JsonValue {
  const { sessionId: _s, ...rest } = e;
  return rest;
}

function sessionTrace(sessionId: string, lines: readonly Line[], m: Machine, diagram: Diagram, file: string): TraceView {
  const find = occurrenceIndex(diagram);
  const q = (t: string): string => (m.instance === null ? t : `${m.instance}.${t}`);
  const pid = (p: string): string => phaseId(m.instance, p);
  const initial: Record<string, JsonValue> = { phase: m.initial, topology: null, currentRun: null };
  const steps: StepView[] = [];
  let state: Record<string, JsonValue> = { ...initial };
  let prev: FlatState = initial;
  let open: { step: Omit<StepView, "state" | "changed" | "events">; events: JsonValue[] } | null = null;
  const close = (): void => {
    if (open === null) return;
    steps.push({ ...open.step, state: { ...state }, changed: changedFields(prev, state), events: open.events });
    prev = { ...state };
    open = null;
  };
  for (const e of lines) {
    const at = typeof e["at"] === "number" ? e["at"] : null;
    if (e.type === "machine.transition" && e["machine"] === m.name) {
      close();
      const name = String(e["transition"]);
      const desc = m.transitions.get(name);
      if (!desc) throw new ReportInputError("trace-mismatch", file, `session ${sessionId}: transition ${name} is not a transition of ${m.name}`);
      const from = typeof state["phase"] === "string" ? state["phase"] : m.initial;
      open = {
        step: { trigger: desc.on, payload: {}, transition: q(name), highlight: find(q(name), pid(from)), candidates: [], effects: [], refusal: null, at },
        events: [],
      };
      state["phase"] = desc.to ?? from;
      continue;
    }
    if (open !== null) {
      apply(state, e);
      open.events.push(eventJson(e));
      continue;
    }
    // No transition record to hang it on: the event is a step of its own.
    apply(state, e);
    const candidates =
      e.type === "runtime.state_changed" ? diagram.occurrences.filter((o) => o.from === pid(String(e["from"])) && o.to === pid(String(e["to"]))).map((o) => o.id) : [];
    steps.push({
      trigger: e.type,
      payload: eventJson(e),
      transition: null,
      highlight: candidates.length === 1 ? (candidates[0] as string) : null,
      candidates,
      state: { ...state },
      changed: changedFields(prev, state),
      effects: [],
      refusal: null,
      events: [eventJson(e)],
      at,
    });
    prev = { ...state };
  }
  close();
  const transitions = steps.filter((s) => s.transition !== null).length;
  return {
    title: `runtime session ${sessionId}`,
    source: "runtime",
    kind: "runtime",
    name: sessionId,
    message: `${lines.length} log lines, ${transitions} ${m.name} transitions, from ${file}`,
    initial,
    initialHighlight: null,
    steps,
    invariant: null,
  };
}

/** One trace per session of the log, in the order sessions first appear. */
export function eventLogTraces(text: string, file: string, target: ReportTarget, diagram: Diagram): TraceView[] {
  const lines = parseEventLog(text, file);
  const m = machineOf(target, lines);
  const bySession = new Map<string, Line[]>();
  for (const l of lines) bySession.set(l.sessionId, [...(bySession.get(l.sessionId) ?? []), l]);
  return [...bySession].map(([sid, ls]) => sessionTrace(sid, ls, m, diagram, file));
}

// The diagram as a graph, before layout: one node per phase (per instance in a composition), a
// transition that stays in its phase as a row inside the phase's node (statechart "internal"
// transitions, which keeps the session machine's many self-loops readable), one edge per pair of
// phases carrying a row per transition between them, and routes between instances.

import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";
import type { TextLine } from "./model.js";

export type ReportTarget = { readonly kind: "machine"; readonly kernel: AnyKernel } | { readonly kind: "composition"; readonly kernel: CompositionKernel<unknown> };

export interface GraphRow {
  readonly occurrence: string;
  readonly transition: string;
  readonly from: string;
  readonly to: string;
  readonly lines: readonly TextLine[];
}

export interface GraphPhase {
  readonly id: string;
  readonly phase: string;
  readonly instance: string | null;
  readonly initial: boolean;
  readonly terminal: boolean;
  readonly header: readonly TextLine[];
  readonly rows: readonly GraphRow[];
}

export interface GraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly rows: readonly GraphRow[];
}

export interface GraphInstance {
  readonly id: string;
  readonly name: string;
  readonly machine: string;
}

export interface GraphRoute {
  readonly id: string;
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly lines: readonly TextLine[];
}

export interface GraphTransition {
  readonly name: string;
  readonly instance: string | null;
  readonly trigger: string;
  readonly guards: readonly string[];
}

export interface Graph {
  readonly instances: readonly GraphInstance[];
  readonly phases: readonly GraphPhase[];
  readonly edges: readonly GraphEdge[];
  readonly routes: readonly GraphRoute[];
  readonly transitions: readonly GraphTransition[];
}

export const NAME_SIZE = 12;
export const GUARD_SIZE = 10;
const GUARD_LINE_CHARS = 46;

export function phaseId(instance: string | null, phase: string): string {
  return instance === null ? `p:${phase}` : `p:${instance}.${phase}`;
}

/** Guard names as bracketed lines of at most GUARD_LINE_CHARS characters. */
function guardLines(guards: readonly string[]): TextLine[] {
  if (guards.length === 0) return [];
  const lines: string[] = [];
  let cur = "";
  guards.forEach((g, i) => {
    const piece = `${g}${i < guards.length - 1 ? "," : ""}`;
    if (cur !== "" && cur.length + 1 + piece.length > GUARD_LINE_CHARS) {
      lines.push(cur);
      cur = piece;
    } else cur = cur === "" ? piece : `${cur} ${piece}`;
  });
  lines.push(cur);
  return lines.map((l, i) => ({ text: `${i === 0 ? "[" : " "}${l}${i === lines.length - 1 ? "]" : ""}`, size: GUARD_SIZE, cls: "guards" }));
}

interface Builder {
  phases: GraphPhase[];
  edges: Map<string, { id: string; from: string; to: string; rows: GraphRow[] }>;
  transitions: GraphTransition[];
  occurrences: number;
}

function addMachine(b: Builder, kernel: AnyKernel, instance: string | null): void {
  const rowsOf = new Map<string, GraphRow[]>(kernel.phases.map((p) => [p, []]));
  for (const t of kernel.transitions) {
    const name = instance === null ? t.name : `${instance}.${t.name}`;
    b.transitions.push({ name, instance, trigger: t.on, guards: t.guards });
    const lines: TextLine[] = [{ text: `${t.name}: ${t.on}`, size: NAME_SIZE, cls: "name" }, ...guardLines(t.guards)];
    for (const f of t.from) {
      const to = t.to ?? f;
      const from = phaseId(instance, f);
      const row: GraphRow = { occurrence: `o${b.occurrences++}`, transition: name, from, to: phaseId(instance, to), lines };
      if (to === f) rowsOf.get(f)?.push(row);
      else {
        const key = `${from}->${row.to}`;
        let e = b.edges.get(key);
        if (!e) {
          e = { id: `e${b.edges.size}`, from, to: row.to, rows: [] };
          b.edges.set(key, e);
        }
        e.rows.push(row);
      }
    }
  }
  for (const p of kernel.phases) {
    const initial = p === kernel.initialPhase;
    const terminal = kernel.terminalPhases.includes(p);
    const tag = [initial ? "initial" : "", terminal ? "terminal" : ""].filter(Boolean).join(", ");
    b.phases.push({
      id: phaseId(instance, p),
      phase: p,
      instance,
      initial,
      terminal,
      header: [{ text: tag ? `${p} (${tag})` : p, size: 13, cls: "name" }],
      rows: rowsOf.get(p) ?? [],
    });
  }
}

export function buildGraph(target: ReportTarget): Graph {
  const b: Builder = { phases: [], edges: new Map(), transitions: [], occurrences: 0 };
  if (target.kind === "machine") {
    addMachine(b, target.kernel, null);
    return { instances: [], phases: b.phases, edges: [...b.edges.values()], routes: [], transitions: b.transitions };
  }
  const k = target.kernel;
  const instances = Object.entries(k.instances).map(([name, m]) => ({ id: `i:${name}`, name, machine: m.machine }));
  for (const [name, m] of Object.entries(k.instances)) addMachine(b, m, name);
  const routes = k.routes.map((r, i) => ({
    id: `r${i}`,
    name: r.name,
    from: `i:${r.from.instance}`,
    to: `i:${r.to.instance}`,
    lines: [
      { text: r.name, size: NAME_SIZE, cls: "route" as const },
      { text: `${r.from.instance}.${r.from.effect} -> ${r.to.instance}.${r.to.trigger}`, size: GUARD_SIZE, cls: "guards" as const },
    ],
  }));
  return { instances, phases: b.phases, edges: [...b.edges.values()], routes, transitions: b.transitions };
}

// Lays the graph out with elkjs (ELK's layered algorithm) when the report is written, so the page
// carries positioned boxes and polylines and needs no layout engine: it stays small, opens at once
// and renders the same way every time. Text is measured as monospace (0.6 em per character), the
// font the page draws labels in.

import ElkBundled from "elkjs/lib/elk.bundled.js";
import type { ELK as Elk, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { Graph, GraphRow } from "./graph.js";
import type { Diagram, EdgeView, InstanceBox, Occurrence, PhaseBox, RouteView, TextLine } from "./model.js";

// elkjs is CommonJS: under NodeNext its default import is module.exports, the constructor itself.
const ELK = ElkBundled as unknown as new (args?: ELKConstructorArguments) => Elk;

const CHAR_EM = 0.61;
const LINE_EM = 1.35;
const PAD = 6;
const HEADER_GAP = 6;
const INSTANCE_HEADER = 30;

export function lineHeight(l: TextLine): number {
  return Math.ceil(l.size * LINE_EM);
}

function textWidth(lines: readonly TextLine[]): number {
  return Math.ceil(Math.max(0, ...lines.map((l) => l.text.length * l.size * CHAR_EM)));
}

function textHeight(lines: readonly TextLine[]): number {
  return lines.reduce((h, l) => h + lineHeight(l), 0);
}

interface Sized {
  readonly w: number;
  readonly h: number;
  /** Row offsets inside the box. */
  readonly rows: readonly { readonly row: GraphRow; readonly dy: number; readonly h: number }[];
}

function sizeBox(header: readonly TextLine[], rows: readonly GraphRow[]): Sized {
  let y = PAD + textHeight(header) + (rows.length > 0 ? HEADER_GAP : 0);
  const placed = rows.map((row) => {
    const h = textHeight(row.lines) + 2;
    const r = { row, dy: y, h };
    y += h;
    return r;
  });
  const w = Math.max(textWidth(header), ...rows.map((r) => textWidth(r.lines))) + 2 * PAD + 4;
  return { w: Math.max(w, 90), h: y + PAD, rows: placed };
}

const ROOT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "50",
  "elk.spacing.nodeNode": "40",
  "elk.spacing.edgeNode": "20",
  "elk.spacing.edgeEdge": "12",
  "elk.spacing.edgeLabel": "4",
  "elk.layered.spacing.edgeNodeBetweenLayers": "20",
  "elk.layered.spacing.edgeEdgeBetweenLayers": "12",
  "elk.edgeLabels.placement": "CENTER",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.layered.crossingMinimization.semiInteractive": "false",
  "elk.padding": "[top=20,left=20,bottom=20,right=20]",
};

type Pos = { x: number; y: number };

export async function layoutGraph(graph: Graph): Promise<Diagram> {
  const sized = new Map(graph.phases.map((p) => [p.id, sizeBox(p.header, p.rows)]));
  const labelSize = new Map(graph.edges.map((e) => [e.id, sizeBox([], e.rows)]));
  const phaseNode = (id: string): ElkNode => {
    const s = sized.get(id) as Sized;
    return { id, width: s.w, height: s.h };
  };
  const edgeOf = (e: Graph["edges"][number]): ElkExtendedEdge => {
    const s = labelSize.get(e.id) as Sized;
    return { id: e.id, sources: [e.from], targets: [e.to], labels: [{ id: `${e.id}:label`, text: e.id, width: s.w, height: s.h - PAD }] };
  };
  let root: ElkNode;
  if (graph.instances.length === 0) {
    root = { id: "root", layoutOptions: ROOT_OPTIONS, children: graph.phases.map((p) => phaseNode(p.id)), edges: graph.edges.map(edgeOf) };
  } else {
    root = {
      id: "root",
      layoutOptions: { ...ROOT_OPTIONS, "elk.hierarchyHandling": "INCLUDE_CHILDREN", "elk.direction": "RIGHT" },
      children: graph.instances.map((inst) => ({
        id: inst.id,
        layoutOptions: { "elk.padding": `[top=${INSTANCE_HEADER},left=14,bottom=14,right=14]`, "elk.direction": "DOWN" },
        children: graph.phases.filter((p) => `i:${p.instance}` === inst.id).map((p) => phaseNode(p.id)),
        edges: graph.edges.filter((e) => graph.phases.find((p) => p.id === e.from)?.instance === inst.name).map(edgeOf),
      })),
      edges: graph.routes.map((r) => ({
        id: r.id,
        sources: [r.from],
        targets: [r.to],
        labels: [{ id: `${r.id}:label`, text: r.name, width: textWidth(r.lines) + 2 * PAD, height: textHeight(r.lines) + PAD }],
      })),
    };
  }
  const laid = await new ELK().layout(root);

  // Absolute positions: ELK gives children relative to their parent, edges relative to the node
  // that declares them (here always the lowest common ancestor of their ends).
  const origin = new Map<string, Pos>();
  const boxes = new Map<string, { x: number; y: number; w: number; h: number }>();
  const walk = (n: ElkNode, at: Pos): void => {
    for (const c of n.children ?? []) {
      const p = { x: at.x + (c.x ?? 0), y: at.y + (c.y ?? 0) };
      origin.set(c.id, p);
      boxes.set(c.id, { x: p.x, y: p.y, w: c.width ?? 0, h: c.height ?? 0 });
      walk(c, p);
    }
  };
  origin.set("root", { x: 0, y: 0 });
  walk(laid, { x: 0, y: 0 });

  const edgeGeometry = (e: ElkExtendedEdge, container: Pos) => {
    const points: [number, number][] = [];
    for (const s of e.sections ?? []) {
      points.push([container.x + s.startPoint.x, container.y + s.startPoint.y]);
      for (const b of s.bendPoints ?? []) points.push([container.x + b.x, container.y + b.y]);
      points.push([container.x + s.endPoint.x, container.y + s.endPoint.y]);
    }
    const l = e.labels?.[0];
    const label = { x: container.x + (l?.x ?? 0), y: container.y + (l?.y ?? 0), w: l?.width ?? 0, h: l?.height ?? 0 };
    return { points, label };
  };

  const laidEdges = new Map<string, { e: ElkExtendedEdge; container: Pos }>();
  const collect = (n: ElkNode, at: Pos): void => {
    for (const e of n.edges ?? []) laidEdges.set(e.id, { e, container: at });
    for (const c of n.children ?? []) collect(c, origin.get(c.id) as Pos);
  };
  collect(laid, { x: 0, y: 0 });

  const phases: PhaseBox[] = [];
  const occurrences: Occurrence[] = [];
  for (const p of graph.phases) {
    const b = boxes.get(p.id) as { x: number; y: number; w: number; h: number };
    phases.push({ id: p.id, phase: p.phase, instance: p.instance, initial: p.initial, terminal: p.terminal, x: b.x, y: b.y, w: b.w, h: b.h });
    for (const r of (sized.get(p.id) as Sized).rows) {
      occurrences.push({ id: r.row.occurrence, transition: r.row.transition, from: r.row.from, to: r.row.to, edge: null, x: b.x + 3, y: b.y + r.dy, w: b.w - 6, h: r.h, lines: r.row.lines });
    }
  }
  const edges: EdgeView[] = [];
  for (const e of graph.edges) {
    const laidEdge = laidEdges.get(e.id);
    if (!laidEdge) continue;
    const g = edgeGeometry(laidEdge.e, laidEdge.container);
    edges.push({ id: e.id, from: e.from, to: e.to, points: g.points, label: g.label });
    for (const r of (labelSize.get(e.id) as Sized).rows) {
      occurrences.push({ id: r.row.occurrence, transition: r.row.transition, from: r.row.from, to: r.row.to, edge: e.id, x: g.label.x, y: g.label.y + r.dy - PAD, w: g.label.w, h: r.h, lines: r.row.lines });
    }
  }
  const instances: InstanceBox[] = graph.instances.map((i) => {
    const b = boxes.get(i.id) as { x: number; y: number; w: number; h: number };
    return { id: i.id, name: i.name, machine: i.machine, ...b };
  });
  const routes: RouteView[] = [];
  for (const r of graph.routes) {
    const laidEdge = laidEdges.get(r.id);
    if (!laidEdge) continue;
    const g = edgeGeometry(laidEdge.e, laidEdge.container);
    routes.push({ id: r.id, name: r.name, from: r.from, to: r.to, points: g.points, label: g.label, lines: r.lines });
  }
  occurrences.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  return { width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), instances, phases, edges, occurrences, routes };
}

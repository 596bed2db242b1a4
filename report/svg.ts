// The laid-out diagram as SVG markup, with stable ids and data attributes the in-page script and
// the browser test use: `o<n>` per transition occurrence, `e<n>` per edge, `p:<phase>` per phase.
// Coverage is drawn as classes (cov-0 unfired … cov-5 most fired) the page can switch off.

import { lineHeight } from "./layout.js";
import type { Diagram, Occurrence, TextLine, TransitionCoverage } from "./model.js";

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const n = (x: number): string => String(Math.round(x * 10) / 10);

function lines(ls: readonly TextLine[], x: number, y: number): string {
  let at = y;
  return ls
    .map((l) => {
      const h = lineHeight(l);
      const out = `<text class="t-${l.cls}" x="${n(x)}" y="${n(at + h * 0.78)}" font-size="${l.size}">${escapeXml(l.text)}</text>`;
      at += h;
      return out;
    })
    .join("");
}

/** Coverage class of a fire count: 0 never fired; 1..5 on a log scale up to the most fired. */
export function coverageLevel(fired: number | null, max: number): string {
  if (fired === null) return "cov-unknown";
  if (fired === 0) return "cov-0";
  if (max <= 1) return "cov-5";
  return `cov-${1 + Math.min(4, Math.floor((4 * Math.log(fired)) / Math.log(max)))}`;
}

function pathOf(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${n(x)} ${n(y)}`).join(" ");
}

export function renderSvg(d: Diagram, coverage: readonly TransitionCoverage[]): string {
  const byName = new Map(coverage.map((c) => [c.name, c]));
  const max = Math.max(1, ...coverage.map((c) => c.fired ?? 0));
  const out: string[] = [];
  out.push(
    `<svg id="diagram" data-testid="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${d.width} ${d.height}" data-width="${d.width}" data-height="${d.height}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrowhead"/></marker>`,
    `<marker id="arrow-route" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="arrowhead-route"/></marker></defs>`,
    `<g id="viewport">`,
  );
  for (const i of d.instances) {
    out.push(
      `<g class="instance" id="${escapeXml(i.id)}"><rect x="${n(i.x)}" y="${n(i.y)}" width="${n(i.w)}" height="${n(i.h)}" rx="8"/>`,
      `<text class="t-instance" x="${n(i.x + 12)}" y="${n(i.y + 20)}" font-size="14">${escapeXml(`${i.name}: ${i.machine}`)}</text></g>`,
    );
  }
  const occByEdge = new Map<string, Occurrence[]>();
  for (const o of d.occurrences) if (o.edge !== null) occByEdge.set(o.edge, [...(occByEdge.get(o.edge) ?? []), o]);
  for (const e of d.edges) {
    const rows = occByEdge.get(e.id) ?? [];
    const fired = rows.map((o) => byName.get(o.transition)?.fired ?? null);
    const known = fired.filter((f): f is number => f !== null);
    const level = known.length === 0 ? "cov-unknown" : coverageLevel(known.reduce((a, b) => a + b, 0), max);
    out.push(
      `<g class="edge ${level}" id="${e.id}" data-testid="edge" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">`,
      `<path class="edge-path" d="${pathOf(e.points)}" marker-end="url(#arrow)"/>`,
      `<rect class="edge-label" x="${n(e.label.x)}" y="${n(e.label.y)}" width="${n(e.label.w)}" height="${n(e.label.h)}" rx="3"/></g>`,
    );
  }
  for (const r of d.routes) {
    out.push(
      `<g class="route" id="${r.id}" data-testid="route" data-route="${escapeXml(r.name)}"><path class="route-path" d="${pathOf(r.points)}" marker-end="url(#arrow-route)"/>`,
      `<rect class="route-label" x="${n(r.label.x)}" y="${n(r.label.y)}" width="${n(r.label.w)}" height="${n(r.label.h)}" rx="3"/>`,
      lines(r.lines, r.label.x + 6, r.label.y + 3),
      `</g>`,
    );
  }
  for (const p of d.phases) {
    const cls = ["phase", p.initial ? "initial" : "", p.terminal ? "terminal" : ""].filter(Boolean).join(" ");
    out.push(
      `<g class="${cls}" id="${escapeXml(p.id)}" data-testid="phase" data-phase="${escapeXml(p.phase)}"><rect class="phase-box" x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" rx="6"/>`,
      p.terminal ? `<rect class="phase-inner" x="${n(p.x + 3)}" y="${n(p.y + 3)}" width="${n(p.w - 6)}" height="${n(p.h - 6)}" rx="4"/>` : "",
      lines([{ text: `${p.phase}${p.initial ? " (initial)" : ""}${p.terminal ? " (terminal)" : ""}`, size: 13, cls: "name" }], p.x + 8, p.y + 6),
      `</g>`,
    );
  }
  for (const o of d.occurrences) {
    const c = byName.get(o.transition);
    const fired = c?.fired ?? (c?.unfired ? 0 : null);
    const title = `${o.transition}${fired === null ? "" : `: fired ${fired} time${fired === 1 ? "" : "s"}`}`;
    out.push(
      `<g class="occ ${coverageLevel(fired, max)}" id="${o.id}" data-testid="transition" data-transition="${escapeXml(o.transition)}" data-from="${escapeXml(o.from)}" data-to="${escapeXml(o.to)}"${o.edge ? ` data-edge="${o.edge}"` : ""} data-fired="${fired ?? ""}">`,
      `<title>${escapeXml(title)}</title><rect class="occ-box" x="${n(o.x)}" y="${n(o.y)}" width="${n(o.w)}" height="${n(o.h)}" rx="2"/>`,
      lines(o.lines, o.x + 5, o.y + 1),
      `</g>`,
    );
  }
  out.push(`</g></svg>`);
  return out.join("");
}

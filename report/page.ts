// The report page: one HTML file with its CSS, script, SVG diagram and data inline. A
// Content-Security-Policy forbids every request, so the page provably works offline from file://.

import { readFileSync } from "node:fs";
import type { ReportData } from "./model.js";
import { escapeXml } from "./svg.js";

const asset = (name: string): string => readFileSync(new URL(`./client/${name}`, import.meta.url), "utf8");

/** JSON safe inside a <script> element (no `</script>`, no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function pills(data: ReportData): string {
  const c = data.coverage;
  const n = (x: number): string => x.toLocaleString("en-US");
  if (!c) return `<span class="pill">not checked</span>`;
  const fired = c.transitions.filter((t) => t.fired === null ? !t.unfired : t.fired > 0).length;
  const held = c.invariants.filter((i) => i.held).length;
  const reached = c.witnesses.filter((w) => w.reached).length;
  const time = c.durationMs < 1000 ? `${c.durationMs} ms` : `${(c.durationMs / 1000).toFixed(1)} s`;
  return [
    `<span class="pill ${c.ok ? "ok" : "fail"}" data-testid="verdict">${c.ok ? "ok" : `FAIL (${c.violations.length})`}</span>`,
    c.complete ? "" : `<span class="pill warn">incomplete</span>`,
    `<span class="pill">profile ${escapeXml(c.profile)}</span>`,
    `<span class="pill" data-testid="states">${n(c.states)} states${c.symmetry ? " (sym)" : ""}</span>`,
    `<span class="pill">depth ${c.depth}${c.maxDepth !== null && c.depth >= c.maxDepth ? " (max)" : ""}</span>`,
    `<span class="pill">${time}</span>`,
    `<span class="pill">transitions ${fired}/${c.transitions.length} fired</span>`,
    `<span class="pill">invariants ${held}/${c.invariants.length} held</span>`,
    `<span class="pill">witnesses ${reached}/${c.witnesses.length}</span>`,
  ].join("");
}

export function renderPage(data: ReportData, svg: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(data.title)}</title>
<style>${asset("page.css")}</style>
</head>
<body>
<header><h1>${escapeXml(data.title)}</h1><span class="spec">${escapeXml(data.specFile)}</span><div class="pills">${pills(data)}</div></header>
<main>
<section id="diagram-pane">
<div class="toolbar">
<input id="search" data-testid="search" type="search" placeholder="find a transition by name" autocomplete="off">
<span id="search-status" class="muted" data-testid="search-status"></span>
<button id="zoom-in" type="button" title="zoom in">+</button><button id="zoom-out" type="button" title="zoom out">&minus;</button><button id="zoom-fit" type="button">fit</button>
<label class="toggle"><input id="show-coverage" type="checkbox" checked> coverage</label>
<span class="legend"><span><i style="background:#fde2e0;border-color:#d93025"></i>never fired</span><span><i style="background:#eaf2fe"></i>rarely</span><span><i style="background:#669df6"></i>most</span><span><i style="background:#ffd54f;border-color:#e65100"></i>this step</span></span>
</div>
<div id="search-results"></div>
<div id="diagram-wrap">${svg.replace('<svg id="diagram"', '<svg id="diagram" class="show-coverage"')}</div>
</section>
<aside>
<div class="tabs"><button type="button" class="on" data-panel="trace-panel" data-testid="tab-trace">Trace</button><button type="button" data-panel="coverage-panel" data-testid="tab-coverage">Coverage</button></div>
<div class="panel" id="trace-panel">
<div id="trace-controls">
<select id="trace-select" data-testid="trace-select"></select>
<div class="controls"><button id="step-first" type="button" title="first (Home)">|&lt;</button><button id="step-prev" type="button" data-testid="step-prev" title="back (←)">&lt; back</button><button id="step-next" type="button" data-testid="step-next" title="forward (→)">forward &gt;</button><button id="step-last" type="button" title="last (End)">&gt;|</button><span id="step-counter" data-testid="step-counter"></span></div>
<div id="trace-message" class="muted"></div>
</div>
<div id="trace-body">
<div id="step-detail"></div>
<div id="invariant"></div>
<h2>State <label class="toggle" style="text-transform:none;letter-spacing:0;font-weight:400"><input id="hide-unchanged" type="checkbox"> only changed</label></h2>
<table id="state" data-testid="state"></table>
<h2>Steps</h2>
<ol id="steps"></ol>
</div>
</div>
<div class="panel" id="coverage-panel" hidden><div id="coverage"></div></div>
</aside>
</main>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${asset("page.js")}</script>
</body>
</html>
`;
}

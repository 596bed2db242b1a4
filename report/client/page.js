// @ts-check
// The report page's script: pan and zoom, transition search, the coverage panel and the trace
// stepper. It reads the report data embedded in the page and touches nothing outside it (the page's
// Content-Security-Policy forbids any request). Exposes window.__report for tests and deep links
// (#trace=<i>&step=<n>).
(function () {
  "use strict";
  const t0 = performance.now();
  const dataEl = document.getElementById("report-data");
  /** @type {any} */
  const data = JSON.parse((dataEl && dataEl.textContent) || "{}");
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("diagram")));
  const wrap = $("diagram-wrap");
  const D = data.diagram;
  /** @type {Map<string, any>} */
  const occById = new Map(D.occurrences.map((/** @type {any} */ o) => [o.id, o]));

  /** @param {string} tag @param {Record<string,string>} [attrs] @param {(Node|string)[]} [kids] */
  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of kids || []) e.append(c);
    return e;
  }
  /** @param {unknown} v */
  function show(v) {
    return v === null ? "none" : typeof v === "string" ? v : JSON.stringify(v);
  }

  // ---- pan and zoom (viewBox) ----
  const view = { x: 0, y: 0, w: D.width, h: D.height };
  function applyView() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }
  function fit() {
    const r = wrap.getBoundingClientRect();
    const aspect = r.width > 0 && r.height > 0 ? r.width / r.height : 1.6;
    let w = D.width, h = D.height;
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    view.x = (D.width - w) / 2; view.y = (D.height - h) / 2; view.w = w; view.h = h;
    applyView();
  }
  /** @param {number} factor @param {number} [cx] @param {number} [cy] */
  function zoom(factor, cx, cy) {
    const x = cx === undefined ? view.x + view.w / 2 : cx;
    const y = cy === undefined ? view.y + view.h / 2 : cy;
    const w = Math.min(Math.max(view.w * factor, 60), D.width * 8);
    const f = w / view.w;
    view.x = x - (x - view.x) * f; view.y = y - (y - view.y) * f; view.w = w; view.h = view.h * f;
    applyView();
  }
  /** Client pixel to diagram coordinates. @param {number} px @param {number} py */
  function toDiagram(px, py) {
    const r = svg.getBoundingClientRect();
    const s = Math.max(view.w / r.width, view.h / r.height);
    const ox = view.x + (view.w - r.width * s) / 2, oy = view.y + (view.h - r.height * s) / 2;
    return { x: ox + (px - r.left) * s, y: oy + (py - r.top) * s, s };
  }
  /** Centres the view on a box, zooming in to a readable scale if needed. @param {{x:number,y:number,w:number,h:number}} b */
  function centreOn(b) {
    const r = wrap.getBoundingClientRect();
    const aspect = r.width > 0 && r.height > 0 ? r.width / r.height : 1.6;
    const w = Math.min(view.w, Math.max(b.w * 2.2, 1300));
    view.w = w; view.h = w / aspect;
    view.x = b.x + b.w / 2 - view.w / 2; view.y = b.y + b.h / 2 - view.h / 2;
    applyView();
  }
  wrap.addEventListener("wheel", (e) => {
    e.preventDefault();
    const p = toDiagram(e.clientX, e.clientY);
    zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });
  /** @type {{x:number,y:number,vx:number,vy:number}|null} */
  let drag = null;
  wrap.addEventListener("pointerdown", (e) => {
    if (/** @type {Element} */ (e.target).closest(".occ")) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    wrap.classList.add("dragging");
    wrap.setPointerCapture(e.pointerId);
  });
  wrap.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const s = toDiagram(0, 0).s;
    view.x = drag.vx - (e.clientX - drag.x) * s; view.y = drag.vy - (e.clientY - drag.y) * s;
    applyView();
  });
  wrap.addEventListener("pointerup", () => { drag = null; wrap.classList.remove("dragging"); });
  $("zoom-in").addEventListener("click", () => zoom(1 / 1.4));
  $("zoom-out").addEventListener("click", () => zoom(1.4));
  $("zoom-fit").addEventListener("click", fit);
  const covToggle = /** @type {HTMLInputElement} */ ($("show-coverage"));
  covToggle.addEventListener("change", () => svg.classList.toggle("show-coverage", covToggle.checked));

  // ---- search ----
  const search = /** @type {HTMLInputElement} */ ($("search"));
  const results = $("search-results");
  /** @type {string[]} */
  const names = data.transitions.map((/** @type {any} */ t) => t.name);
  /** Marks every occurrence of a transition and centres on the first. @param {string} name */
  function focusTransition(name) {
    for (const e of svg.querySelectorAll(".occ.found")) e.classList.remove("found");
    const occ = D.occurrences.filter((/** @type {any} */ o) => o.transition === name);
    for (const o of occ) svg.getElementById(o.id)?.classList.add("found");
    if (occ.length > 0) centreOn(occ[0]);
    results.textContent = "";
    $("search-status").textContent = occ.length === 0 ? `${name}: not on the diagram` : `${name}: ${occ.length} place${occ.length === 1 ? "" : "s"}`;
  }
  function runSearch() {
    const q = search.value.trim().toLowerCase();
    results.textContent = "";
    if (q === "") return;
    const hits = names.filter((n) => n.toLowerCase().includes(q)).slice(0, 30);
    for (const h of hits) {
      const b = el("button", { "data-testid": "search-result", type: "button" }, [h]);
      b.addEventListener("click", () => focusTransition(h));
      results.append(b);
    }
    if (hits.length === 0) results.append(el("div", { class: "muted", style: "padding:4px 8px" }, ["no transition matches"]));
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      const q = search.value.trim().toLowerCase();
      const hit = names.find((n) => n.toLowerCase() === q) || names.find((n) => n.toLowerCase().includes(q));
      if (hit) focusTransition(hit);
    } else if (e.key === "Escape") results.textContent = "";
  });
  svg.addEventListener("click", (e) => {
    const g = /** @type {Element} */ (e.target).closest(".occ");
    if (g) focusTransition(/** @type {string} */ (g.getAttribute("data-transition")));
  });

  // ---- tabs ----
  for (const b of document.querySelectorAll(".tabs button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll(".tabs button")) x.classList.toggle("on", x === b);
      for (const p of document.querySelectorAll(".panel")) /** @type {HTMLElement} */ (p).hidden = p.id !== b.getAttribute("data-panel");
    });
  }

  // ---- coverage panel ----
  function renderCoverage() {
    const c = data.coverage;
    const box = $("coverage");
    if (!c) { box.append(el("p", { class: "muted" }, ["No check was run for this report (meerkat report --no-check)."])); return; }
    box.append(el("h2", {}, ["Violations"]));
    if (c.violations.length === 0) box.append(el("p", { class: "held" }, ["none"]));
    for (const v of c.violations) {
      const row = el("div", { class: "box bad", "data-testid": "violation" }, [el("b", {}, [`${v.kind} ${v.name}`]), el("div", {}, [v.message])]);
      if (v.trace !== null) {
        const b = el("button", { type: "button" }, ["show trace"]);
        b.addEventListener("click", () => { selectTab("trace-panel"); go(v.trace, 0); });
        row.append(b);
      }
      box.append(row);
    }
    box.append(el("h2", {}, ["Invariants"]));
    const inv = el("table", { "data-testid": "invariants" });
    for (const i of c.invariants) inv.append(el("tr", {}, [el("td", { class: i.held ? "held" : "broken" }, [i.held ? "held" : "violated"]), el("td", { class: "f" }, [i.name]), el("td", { class: "v" }, [i.source])]));
    box.append(inv);
    box.append(el("h2", {}, ["Witnesses"]));
    const wt = el("table", { "data-testid": "witnesses" });
    for (const w of c.witnesses) wt.append(el("tr", {}, [el("td", { class: w.reached ? "held" : "broken" }, [w.reached ? `depth ${w.depth}` : "unreachable"]), el("td", { class: "f" }, [w.name]), el("td", { class: "v" }, [w.source])]));
    if (c.witnesses.length === 0) wt.append(el("tr", {}, [el("td", { class: "muted" }, ["none declared"])]));
    box.append(wt);
    if (c.unreachedPhases.length > 0) {
      box.append(el("h2", {}, ["Phases never entered"]));
      box.append(el("p", { class: "unfired mono" }, [c.unreachedPhases.join(", ")]));
    }
    box.append(el("h2", {}, ["Transitions"]));
    const max = Math.max(1, ...c.transitions.map((/** @type {any} */ t) => t.fired || 0));
    const tt = el("table", { "data-testid": "transition-coverage" });
    const sorted = [...c.transitions].sort((a, b) => (a.fired ?? (a.unfired ? 0 : 1)) - (b.fired ?? (b.unfired ? 0 : 1)) || a.name.localeCompare(b.name));
    for (const t of sorted) {
      const count = t.fired === null ? (t.unfired ? "never" : "fired") : t.fired === 0 ? "never" : t.fired.toLocaleString("en-US");
      const bar = el("span", { class: "bar", style: `width:${t.fired ? Math.max(2, Math.round((80 * Math.log(1 + t.fired)) / Math.log(1 + max))) : 0}px` });
      const tr = el("tr", { class: "clickable", "data-transition": t.name }, [el("td", { class: "f" }, [t.name]), el("td", { class: "mono muted" }, [t.trigger]), el("td", { class: t.unfired || t.fired === 0 ? "unfired" : "" }, [count]), el("td", {}, [bar])]);
      tr.addEventListener("click", () => focusTransition(t.name));
      tt.append(tr);
    }
    box.append(tt);
  }

  // ---- trace stepper ----
  const traces = data.traces;
  const cur = { trace: 0, step: 0 };
  const select = /** @type {HTMLSelectElement} */ ($("trace-select"));
  traces.forEach((/** @type {any} */ t, /** @type {number} */ i) => select.append(el("option", { value: String(i) }, [`${t.title} (${t.steps.length} step${t.steps.length === 1 ? "" : "s"})`])));
  select.addEventListener("change", () => go(Number(select.value), 0));
  /** @param {string} id */
  function selectTab(id) {
    for (const x of document.querySelectorAll(".tabs button")) x.classList.toggle("on", x.getAttribute("data-panel") === id);
    for (const p of document.querySelectorAll(".panel")) /** @type {HTMLElement} */ (p).hidden = p.id !== id;
  }
  /** State after step s (0: the initial state); a refused step keeps the state before it. @param {any} t @param {number} s */
  function stateAt(t, s) {
    for (let i = s; i >= 1; i--) if (t.steps[i - 1].state) return t.steps[i - 1].state;
    return t.initial;
  }
  function clearHighlight() {
    for (const e of svg.querySelectorAll(".active, .candidate, .current")) e.classList.remove("active", "candidate", "current");
  }
  /** @param {string} id @param {string} cls */
  function mark(id, cls) {
    const o = occById.get(id);
    svg.getElementById(id)?.classList.add(cls);
    if (o && o.edge) svg.getElementById(o.edge)?.classList.add(cls);
    return o;
  }
  /** @param {number} ti @param {number} s */
  function go(ti, s) {
    if (traces.length === 0) return;
    ti = Math.max(0, Math.min(traces.length - 1, ti));
    const t = traces[ti];
    s = Math.max(0, Math.min(t.steps.length, s));
    const newTrace = ti !== cur.trace || $("steps").childElementCount === 0;
    cur.trace = ti; cur.step = s;
    if (newTrace) renderStepList();
    select.value = String(ti);
    render();
    const hash = `#trace=${ti}&step=${s}`;
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  function render() {
    const t = traces[cur.trace];
    const s = cur.step;
    const step = s > 0 ? t.steps[s - 1] : null;
    $("step-counter").textContent = `step ${s} / ${t.steps.length}`;
    /** @type {HTMLButtonElement} */ ($("step-first")).disabled = s === 0;
    /** @type {HTMLButtonElement} */ ($("step-prev")).disabled = s === 0;
    /** @type {HTMLButtonElement} */ ($("step-next")).disabled = s === t.steps.length;
    /** @type {HTMLButtonElement} */ ($("step-last")).disabled = s === t.steps.length;
    $("trace-message").textContent = t.message;
    // diagram
    clearHighlight();
    const state = stateAt(t, s);
    for (const p of D.phases) {
      const key = p.instance === null ? "phase" : `${p.instance}.phase`;
      if (state[key] === p.phase) svg.getElementById(p.id)?.classList.add("current");
    }
    /** @type {any} */
    let focus = null;
    if (step && step.highlight) focus = mark(step.highlight, "active");
    else if (step) for (const c of step.candidates) focus = focus || mark(c, "candidate");
    if (focus) {
      const r = toDiagram(0, 0);
      const vr = svg.getBoundingClientRect();
      const visible = focus.x >= r.x && focus.y >= r.y && focus.x + focus.w <= r.x + vr.width * r.s && focus.y + focus.h <= r.y + vr.height * r.s;
      // far out (the whole session machine) the labels are unreadable: zoom to the step
      if (!visible || view.w > 1800) centreOn(focus);
    }
    // step details
    const box = $("step-detail");
    box.textContent = "";
    if (!step) box.append(el("div", { class: "box" }, [el("span", { class: "k" }, ["initial state"]), t.source === "runtime" ? "before the first event" : "before the first step"]));
    else {
      const d = el("div", { class: step.transition === null && step.refusal !== null ? "box bad" : "box", "data-testid": "step-box" });
      d.append(el("div", {}, [el("span", { class: "k" }, ["trigger"]), el("code", { "data-testid": "step-trigger" }, [step.trigger]), " ", el("code", { class: "muted", "data-testid": "step-payload" }, [Object.keys(step.payload || {}).length ? JSON.stringify(step.payload) : ""])]));
      d.append(el("div", {}, [el("span", { class: "k" }, ["transition"]), el("code", { "data-testid": "step-transition" }, [step.transition ?? (step.refusal ? "refused" : step.candidates.length ? `one of ${step.candidates.map((/** @type {string} */ c) => occById.get(c).transition).join(", ")}` : "-")])]));
      if (step.refusal) d.append(el("div", {}, [el("span", { class: "k" }, ["refusal"]), el("code", {}, [JSON.stringify(step.refusal)])]));
      if (step.effects.length) d.append(el("div", {}, [el("span", { class: "k" }, ["effects"]), el("code", {}, [step.effects.map((/** @type {unknown} */ e) => JSON.stringify(e)).join(" ")])]));
      if (step.events.length) {
        const ul = el("ul", { class: "mono", style: "margin:2px 0;padding-left:18px" });
        for (const ev of step.events) ul.append(el("li", {}, [JSON.stringify(ev)]));
        d.append(el("div", {}, [el("span", { class: "k" }, ["events"]), ul]));
      }
      box.append(d);
    }
    // violated invariant
    const inv = $("invariant");
    inv.textContent = "";
    if (t.invariant) {
      const last = s === t.steps.length;
      const ib = el("div", { class: last ? "box bad" : "box", "data-testid": "invariant-box" }, [
        el("div", {}, [el("b", {}, [`invariant ${t.invariant.name}`]), last ? " is false here" : ` (false after step ${t.steps.length})`]),
        el("div", {}, [el("code", { "data-testid": "invariant-source" }, [t.invariant.source])]),
      ]);
      const vt = el("table", {});
      for (const f of t.invariant.reads) vt.append(el("tr", {}, [el("td", { class: "f" }, [f]), el("td", { class: "v", "data-testid": "invariant-value" }, [show(state[f] === undefined ? null : state[f])])]));
      ib.append(vt);
      inv.append(ib);
    }
    // state table
    const before = s > 0 ? stateAt(t, s - 1) : {};
    const changed = new Set(step ? step.changed : []);
    const reads = new Set(t.invariant ? t.invariant.reads : []);
    const hide = /** @type {HTMLInputElement} */ ($("hide-unchanged")).checked;
    const table = $("state");
    table.textContent = "";
    for (const k of Object.keys(state)) {
      const isChanged = changed.has(k);
      if (hide && !isChanged && step) continue;
      const v = el("td", { class: "v" }, [show(state[k])]);
      if (isChanged && k in before) v.prepend(el("span", { class: "old" }, [show(before[k])]));
      table.append(el("tr", { "data-field": k, class: `${isChanged ? "changed" : ""}${reads.has(k) ? " read" : ""}`.trim() }, [el("td", { class: "f" }, [k]), v]));
    }
    for (const k of changed) {
      if (k in state) continue;
      table.append(el("tr", { "data-field": k, class: "changed" }, [el("td", { class: "f" }, [k]), el("td", { class: "v" }, [el("span", { class: "old" }, [show(before[k])]), "(removed)"])]));
    }
    // step list
    for (const li of document.querySelectorAll("#steps li")) li.classList.toggle("on", Number(li.getAttribute("data-step")) === s);
  }
  function renderStepList() {
    const t = traces[cur.trace];
    const ol = $("steps");
    ol.textContent = "";
    ol.setAttribute("start", "0");
    const rows = [["initial", null], ...t.steps.map((/** @type {any} */ st) => [st.trigger, st.transition])];
    rows.forEach(([trig, tr], i) => {
      const li = el("li", { "data-step": String(i), "data-testid": "step-row" }, [String(trig), tr ? ` → ${tr}` : i > 0 ? " (no transition)" : ""]);
      li.addEventListener("click", () => go(cur.trace, i));
      ol.append(li);
    });
  }
  $("step-first").addEventListener("click", () => go(cur.trace, 0));
  $("step-prev").addEventListener("click", () => go(cur.trace, cur.step - 1));
  $("step-next").addEventListener("click", () => go(cur.trace, cur.step + 1));
  $("step-last").addEventListener("click", () => go(cur.trace, Infinity));
  $("hide-unchanged").addEventListener("change", render);
  document.addEventListener("keydown", (e) => {
    if (/** @type {Element} */ (e.target).closest("input, select, textarea")) return;
    if (e.key === "ArrowRight" || e.key === "j") go(cur.trace, cur.step + 1);
    else if (e.key === "ArrowLeft" || e.key === "k") go(cur.trace, cur.step - 1);
    else if (e.key === "Home") go(cur.trace, 0);
    else if (e.key === "End") go(cur.trace, Infinity);
  });
  function fromHash() {
    const m = /trace=(\d+)&step=(\d+)/.exec(location.hash);
    if (m) go(Number(m[1]), Number(m[2]));
  }
  window.addEventListener("hashchange", fromHash);

  // ---- start ----
  renderCoverage();
  fit();
  if (traces.length === 0) {
    $("trace-panel").append(el("p", { class: "muted", "data-testid": "no-traces" }, ["No trace: the check found no violation with a trace. Pass one with --trace, or a runtime event log with --events."]));
    for (const id of ["trace-controls", "trace-body"]) $(id).hidden = true;
    selectTab("coverage-panel");
  } else {
    const m = /trace=(\d+)&step=(\d+)/.exec(location.hash);
    if (m) go(Number(m[1]), Number(m[2])); else go(0, 0);
  }
  const renderMs = performance.now() - t0;
  /** @type {any} */ (window).__report = {
    renderMs,
    get trace() { return cur.trace; },
    get step() { return cur.step; },
    go: (/** @type {number} */ ti, /** @type {number} */ s) => go(ti, s),
    focusTransition,
  };
  document.body.setAttribute("data-ready", "true");
})();

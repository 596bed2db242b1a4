// The lifecycle facts generated from spec annotations (terminal enum values, trigger persistence)
// and the shared table-driven dispatcher every generated machine runs on.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIVE_OP_STATUSES, OP_STATUSES, TERMINAL_OP_STATUSES } from "../generated/ops.machine.js";
import {
  INPUT_PHASES,
  isTerminalInputPhase,
  LIVE_INPUT_PHASES,
  PERSISTED_TRIGGERS,
  sessionRuntimeKernel,
  TERMINAL_INPUT_PHASES,
  TRIGGER_PERSISTENCE,
} from "../generated/session.machine.js";
import { transitionKernel } from "./helpers/dispatch-fixture.js";
import { REPO } from "./helpers/paths.js";

describe("enum terminal annotations", () => {
  it("split InputPhase into terminal and live values covering every value once", () => {
    expect([...TERMINAL_INPUT_PHASES]).toEqual(["Consumed", "Superseded", "Coalesced", "Abandoned"]);
    expect([...LIVE_INPUT_PHASES, ...TERMINAL_INPUT_PHASES].sort()).toEqual([...INPUT_PHASES].sort());
    expect(INPUT_PHASES.filter(isTerminalInputPhase)).toEqual([...TERMINAL_INPUT_PHASES]);
  });

  it("split OpStatus the same way", () => {
    expect([...LIVE_OP_STATUSES]).toEqual(["Provisioning", "Running", "Retiring"]);
    expect(TERMINAL_OP_STATUSES.size + LIVE_OP_STATUSES.size).toBe(OP_STATUSES.length);
  });
});

describe("trigger persistence", () => {
  it("classifies every session trigger", () => {
    expect(Object.keys(TRIGGER_PERSISTENCE).sort()).toEqual(sessionRuntimeKernel.triggers.map((t) => t.name).sort());
    expect([...PERSISTED_TRIGGERS].every((t) => TRIGGER_PERSISTENCE[t] === "persisted")).toBe(true);
  });

  it("agrees with the runtime's hand list until the runtime imports it", () => {
    const src = readFileSync(join(REPO, "runtime", "transact.ts"), "utf8");
    const block = /const NOT_PERSISTED = new Set<[^>]+>\(\[([^\]]*)\]\)/.exec(src)?.[1] ?? "";
    const hand = [...block.matchAll(/"(\w+)"/g)].map((m) => m[1]).sort();
    expect(hand.length).toBeGreaterThan(5);
    const transient = Object.entries(TRIGGER_PERSISTENCE).filter(([, c]) => c === "transient").map(([t]) => t).sort();
    expect(transient).toEqual(hand);
  });
});

describe("table-driven dispatch", () => {
  const k = transitionKernel();
  it("fires the one enabled transition", () => {
    const r = k.transition({ phase: "A", n: 0 }, { kind: "Go", by: 1 });
    expect(r).toMatchObject({ ok: true, transition: "Step", state: { phase: "B", n: 1 } });
  });
  it("names the first false guard of the first candidate", () => {
    expect(k.transition({ phase: "A", n: 5 }, { kind: "Go", by: 1 })).toEqual({ ok: false, code: "GuardRejected", phase: "A", trigger: "Go", transition: "Step", guard: "small" });
  });
  it("reports two enabled candidates as ambiguous", () => {
    expect(k.transition({ phase: "B", n: 0 }, { kind: "Go", by: 0 })).toEqual({ ok: false, code: "AmbiguousTransition", phase: "B", trigger: "Go", transitions: ["Stay", "Back"] });
  });
  it("refuses a trigger no transition handles in the phase", () => {
    expect(k.transition({ phase: "A", n: 0 }, { kind: "Stop", by: 0 })).toEqual({ ok: false, code: "NoMatchingTransition", phase: "A", trigger: "Stop" });
  });
});

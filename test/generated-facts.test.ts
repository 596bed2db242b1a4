// The lifecycle facts generated from spec annotations (terminal enum values, trigger persistence)
// and the shared table-driven dispatcher every generated machine runs on.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIVE_OP_STATUSES, OP_STATUSES, TERMINAL_OP_STATUSES } from "../generated/ops.machine.js";
import {
  INPUT_PHASES,
  isTerminalInputPhase,
  LIVE_INPUT_PHASES,
  GUARD_REFUSALS,
  PERSISTED_TRIGGERS,
  REFUSAL_CODES,
  refusalCode,
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

  it("is the only list: no hand-written list of transient triggers or terminal input phases outside generated/", () => {
    const offenders: string[] = [];
    for (const file of handWrittenSources()) {
      const src = readFileSync(join(REPO, file), "utf8");
      if (/new Set(<[^>]*>)?\(\[\s*"RegisterSession",\s*"PrepareRun"/.test(src)) offenders.push(`${file}: transient triggers`);
      if (/"Consumed",\s*"Superseded",\s*"Coalesced",\s*"Abandoned"/.test(src)) offenders.push(`${file}: terminal input phases`);
    }
    expect(offenders).toEqual([]);
    // The runtime decides persistence from the generated table.
    expect(readFileSync(join(REPO, "runtime", "transact.ts"), "utf8")).toContain("TRIGGER_PERSISTENCE[trigger.kind]");
  });
});

describe("refusal codes", () => {
  const spec = JSON.parse(readFileSync(join(REPO, "spec", "session.machine.json"), "utf8")) as { refusals: { guards: Record<string, string>; default: string } };

  it("give every guard of the machine a declared code: the annotated one, else the default", () => {
    const guards = [...new Set(sessionRuntimeKernel.transitions.flatMap((t) => t.guards))].sort();
    expect(Object.keys(GUARD_REFUSALS).sort()).toEqual(guards);
    for (const g of guards) expect(GUARD_REFUSALS[g]).toBe(spec.refusals.guards[g] ?? spec.refusals.default);
    expect(Object.values(GUARD_REFUSALS).every((c) => REFUSAL_CODES.includes(c))).toBe(true);
  });

  it("put the phase's code before the guard's, and the default where neither applies", () => {
    expect(refusalCode({ phase: "Destroyed", guard: "fence_is_current" })).toBe("SessionDestroyed");
    expect(refusalCode({ phase: "Idle", guard: "fence_is_current" })).toBe("FenceRejected");
    expect(refusalCode({ phase: "Running", guard: "run_matches" })).toBe("RunMismatch");
    expect(refusalCode({ phase: "Idle", guard: "not_stopping" })).toBe("NotReady");
    expect(refusalCode({ phase: "Retired" })).toBe("NotReady");
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

/** Every hand-written TypeScript file of the product (generated/ and tests excluded). */
function handWrittenSources(): string[] {
  const roots = ["runtime", "properties", "server", "adapters", "report", "cli", "kernel", "generator"];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".ts")) out.push(rel);
    }
  };
  for (const r of roots) walk(r);
  return out;
}

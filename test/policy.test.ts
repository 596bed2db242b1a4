// The generated policy table (generated/default.policy.ts from spec/default.policy.json) against
// the upstream semantics, written out here independently: every cell of the kind defaults
// (upstream tests prompt_idle … operation_running), every Queue/Steer override cell, the derived
// admission facts, and their fit with the generated SessionRuntime machine.

import { describe, expect, it } from "vitest";
import {
  HANDLING_MODES,
  INPUT_KINDS,
  POLICY_VERSION,
  resolvePolicy,
  type HandlingMode,
  type InputKind,
  type PolicyDecision,
} from "../generated/default.policy.js";
import { initialState, sessionRuntimeKernel, transition, type SessionRuntimeAcceptInputInput, type SessionRuntimeState } from "../generated/session.machine.js";
import { loadSpecs } from "../generator/load.js";
import { REPO } from "./helpers/paths.js";

type Columns = Pick<PolicyDecision, "applyMode" | "wakeMode" | "queueMode" | "consumePoint" | "drainPolicy" | "routingDisposition" | "recordTranscript">;

const row = (
  applyMode: Columns["applyMode"],
  wakeMode: Columns["wakeMode"],
  queueMode: Columns["queueMode"],
  consumePoint: Columns["consumePoint"],
  drainPolicy: Columns["drainPolicy"],
  routingDisposition: Columns["routingDisposition"],
  recordTranscript: boolean,
): Columns => ({ applyMode, wakeMode, queueMode, consumePoint, drainPolicy, routingDisposition, recordTranscript });

/** §4.1: kind defaults (no handling mode), [idle, running]. */
const KIND_DEFAULTS: Record<InputKind, readonly [Columns, Columns]> = {
  prompt: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "None", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  peer_message: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "InterruptYielding", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  peer_request: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "InterruptYielding", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  peer_response_progress: [
    row("StageRunBoundary", "None", "Coalesce", "OnRunComplete", "SteerBatch", "Steer", true),
    row("StageRunBoundary", "None", "Coalesce", "OnRunComplete", "SteerBatch", "Steer", true),
  ],
  peer_response_terminal: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  flow_step: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "None", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  external_event: [
    row("StageRunStart", "WakeIfIdle", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
    row("StageRunStart", "None", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", true),
  ],
  continuation: [
    row("StageRunBoundary", "WakeIfIdle", "Fifo", "OnRunComplete", "SteerBatch", "Steer", false),
    row("StageRunBoundary", "InterruptYielding", "Fifo", "OnRunComplete", "SteerBatch", "Steer", false),
  ],
  operation: [
    row("Ignore", "None", "Priority", "OnAccept", "Ignore", "Drop", false),
    row("Ignore", "None", "Priority", "OnAccept", "Ignore", "Drop", false),
  ],
};

/** §4.2: an explicit handling mode; undefined where the combination is rejected. */
function override(kind: InputKind, idle: boolean, mode: HandlingMode): Columns | undefined {
  if (kind === "peer_response_progress" || kind === "operation") return undefined;
  const transcript = kind !== "continuation";
  if (mode === "Queue") return row("StageRunStart", idle ? "WakeIfIdle" : "None", "Fifo", "OnRunComplete", "QueueNextTurn", "Queue", transcript);
  const apply = kind === "peer_response_terminal" ? "StageRunStart" : "StageRunBoundary";
  return row(apply, idle ? "WakeIfIdle" : "InterruptYielding", "Fifo", "OnRunComplete", "SteerBatch", "Steer", transcript);
}

/** §4.3 and §3.6: the facts admission derives from a decision. */
function derived(c: Columns, mode: HandlingMode | null): Pick<PolicyDecision, "lane" | "admission" | "consumeOnAccept" | "enqueueFront"> {
  const lane = c.routingDisposition === "Steer" || c.routingDisposition === "Immediate" ? "Steer" : "Queue";
  const admission = mode === "Steer" ? "Immediate" : c.wakeMode === "InterruptYielding" ? "InterruptYielding" : c.wakeMode === "WakeIfIdle" ? "WakeIfIdle" : "Passive";
  return { lane, admission, consumeOnAccept: c.applyMode === "Ignore" && c.consumePoint === "OnAccept", enqueueFront: c.queueMode === "Priority" };
}

/** §4.4/§4.5: may start a run by itself, judged on the idle cell of the same kind and mode (its own cell when that one is rejected). */
function drives(kind: InputKind, idle: boolean, mode: HandlingMode | null): Pick<PolicyDecision, "drivesLoop"> {
  const own = mode === null ? KIND_DEFAULTS[kind][idle ? 0 : 1] : override(kind, idle, mode);
  const c = (mode === null ? KIND_DEFAULTS[kind][0] : override(kind, true, mode)) ?? own;
  if (c === undefined) throw new Error(`no cell ${kind} ${mode ?? "none"}`);
  return { drivesLoop: c.wakeMode !== "None" || c.drainPolicy === "Immediate" || c.drainPolicy === "SteerBatch" };
}

function decisionOf(kind: InputKind, idle: boolean, mode: HandlingMode | null): PolicyDecision {
  const r = resolvePolicy(kind, idle, mode);
  if (!r.ok) throw new Error(`${kind} ${idle ? "idle" : "running"} ${mode ?? "none"} was rejected: ${r.reason}`);
  return r.decision;
}

const defaultCells = INPUT_KINDS.flatMap((kind) => [true, false].map((idle) => ({ name: `${kind}_${idle ? "idle" : "running"}`, kind, idle })));

describe("default policy table: kind defaults (§4.1)", () => {
  it("covers the nine upstream input kinds, version 1", () => {
    expect([...INPUT_KINDS]).toEqual(["prompt", "peer_message", "peer_request", "peer_response_progress", "peer_response_terminal", "flow_step", "external_event", "continuation", "operation"]);
    expect(POLICY_VERSION).toBe(1);
    expect(defaultCells).toHaveLength(18);
  });

  it.each(defaultCells)("$name", ({ kind, idle }) => {
    const expected = KIND_DEFAULTS[kind][idle ? 0 : 1];
    const d = decisionOf(kind, idle, null);
    expect(d).toEqual({ ...expected, ...derived(expected, null), ...drives(kind, idle, null), emitOperatorContent: expected.recordTranscript, policyVersion: 1 });
  });
});

describe("default policy table: handling-mode overrides (§4.2)", () => {
  const cells = INPUT_KINDS.flatMap((kind) => [true, false].flatMap((idle) => HANDLING_MODES.map((mode) => ({ name: `${kind}_${idle ? "idle" : "running"}_${mode}`, kind, idle, mode }))));

  it("has 36 override cells", () => {
    expect(cells).toHaveLength(36);
  });

  it.each(cells)("$name", ({ kind, idle, mode }) => {
    const expected = override(kind, idle, mode);
    const r = resolvePolicy(kind, idle, mode);
    if (expected === undefined) {
      expect(r.ok).toBe(false);
      return;
    }
    expect(r).toEqual({ ok: true, decision: { ...expected, ...derived(expected, mode), ...drives(kind, idle, mode), emitOperatorContent: expected.recordTranscript, policyVersion: 1 } });
  });

  it("rejects a handling mode on peer_response_progress and on operation, with a reason", () => {
    for (const mode of HANDLING_MODES) {
      const progress = resolvePolicy("peer_response_progress", true, mode);
      expect(progress.ok ? "" : progress.reason).toMatch(/peer_response_progress/);
      const op = resolvePolicy("operation", false, mode);
      expect(op.ok ? "" : op.reason).toMatch(/no handling mode/);
    }
  });

  it("drives the loop for every decided cell but an operation's (a prompt accepted during a run is taken by the next turn)", () => {
    for (const kind of INPUT_KINDS) for (const idle of [true, false]) expect(decisionOf(kind, idle, null).drivesLoop, kind).toBe(kind !== "operation");
  });

  it("never records transcript for a continuation", () => {
    for (const idle of [true, false]) for (const mode of [null, ...HANDLING_MODES]) expect(decisionOf("continuation", idle, mode).recordTranscript).toBe(false);
  });

  it("keeps StageRunStart for peer_response_terminal with Steer, and otherwise follows the Steer split", () => {
    expect(decisionOf("peer_response_terminal", true, "Steer")).toMatchObject({ applyMode: "StageRunStart", wakeMode: "WakeIfIdle", drainPolicy: "SteerBatch", lane: "Steer", admission: "Immediate" });
    expect(decisionOf("peer_response_terminal", false, "Steer")).toMatchObject({ applyMode: "StageRunStart", wakeMode: "InterruptYielding" });
    expect(decisionOf("peer_response_terminal", false, "Queue")).toMatchObject({ applyMode: "StageRunStart", wakeMode: "None", lane: "Queue", admission: "Passive" });
  });
});

describe("resolvePolicy", () => {
  it("returns frozen decisions", () => {
    const r = resolvePolicy("prompt", true, null);
    expect(Object.isFrozen(r)).toBe(true);
    expect(r.ok && Object.isFrozen(r.decision)).toBe(true);
  });

  it("rejects a kind or handling mode from outside the type system instead of throwing", () => {
    const kind = JSON.parse('"telepathy"') as InputKind;
    const mode = JSON.parse('"Shout"') as HandlingMode;
    expect(resolvePolicy(kind, true, null)).toEqual({ ok: false, reason: 'unknown input kind "telepathy"' });
    expect(resolvePolicy("prompt", true, mode)).toEqual({ ok: false, reason: 'unknown handling mode "Shout"' });
  });

  it("consumes operations on accept (enqueued at the front if ever queued) and nothing else", () => {
    for (const kind of INPUT_KINDS) {
      for (const idle of [true, false]) {
        const d = decisionOf(kind, idle, null);
        expect(d.consumeOnAccept, kind).toBe(kind === "operation");
        expect(d.enqueueFront, kind).toBe(kind === "operation");
      }
    }
  });
});

describe("the derived admission facts feed the SessionRuntime machine", () => {
  const accept = sessionRuntimeKernel.triggers.find((t) => t.name === "AcceptInput");
  const enumValues = (field: string): readonly string[] => {
    const t = accept?.fields.find((f) => f.name === field)?.type;
    return t?.kind === "enum" ? t.values : [];
  };
  const all = INPUT_KINDS.flatMap((kind) => [true, false].flatMap((idle) => [null, ...HANDLING_MODES].map((mode) => ({ kind, idle, mode, r: resolvePolicy(kind, idle, mode) }))));
  const decided = all.flatMap((c) => (c.r.ok ? [{ ...c, d: c.r.decision }] : []));

  it("uses only values of the machine's Lane and AdmissionClass enums", () => {
    expect(all).toHaveLength(54);
    expect(enumValues("lane")).toEqual(["Queue", "Steer"]);
    for (const { d } of decided) {
      expect(enumValues("lane")).toContain(d.lane);
      expect(enumValues("admission")).toContain(d.admission);
    }
  });

  function step(s: SessionRuntimeState, t: Parameters<typeof transition>[1]): SessionRuntimeState {
    const r = transition(s, t);
    if (!r.ok) throw new Error(`${t.kind} refused: ${r.code}`);
    return r.state;
  }

  it("is accepted by the machine in the matching runtime state for every queued decision", () => {
    const idle = step(initialState(), { kind: "RegisterSession" });
    const seeded = step(idle, { kind: "AcceptInput", input: "seed", lane: "Queue", admission: "WakeIfIdle", front: false });
    const running = step(seeded, { kind: "PrepareRun", run: "run1" });
    expect([idle.phase, running.phase]).toEqual(["Idle", "Running"]);
    const queued = decided.filter(({ d }) => !d.consumeOnAccept);
    expect(queued.length).toBeGreaterThan(30);
    for (const { kind, idle: isIdle, mode, d } of queued) {
      // Typed as the machine's own trigger: the policy's Lane and AdmissionClass must fit it.
      const trigger: SessionRuntimeAcceptInputInput = { kind: "AcceptInput", input: "new", lane: d.lane, admission: d.admission, front: d.enqueueFront };
      const r = transition(isIdle ? idle : running, trigger);
      expect(r.ok, `${kind} ${isIdle ? "idle" : "running"} ${mode ?? "none"}`).toBe(true);
    }
  });

  it("is checked by the generator: the shipped table loads with no diagnostics", () => {
    const loaded = loadSpecs(["spec/default.policy.json"].map((p) => `${REPO}/${p}`), REPO);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.policies.map((p) => [p.name, p.version, p.cells.length])).toEqual([["Default", 1, 54]]);
  });
});

// The report's data model without a browser: fire counts agree with the explorer, traces and
// runtime event logs become stepper steps with the right highlight and changed fields, bad inputs
// are refused with where they are wrong, and the page is self-contained.

import { existsSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { turnstileKernel } from "../generated/examples/turnstile.machine.js";
import { turnstileAuditComposition } from "../generated/examples/turnstile-audit.composition.js";
import { sessionRuntimeKernel } from "../generated/session.machine.js";
import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";
import { exploreMachine, type Trace } from "../properties/explorer/index.js";
import { buildReport, exploreCounting, ReportInputError, type ReportTarget } from "../report/index.js";
import { REPO, runMeerkat, tempDir } from "./helpers/paths.js";

const turnstile: ReportTarget = { kind: "machine", kernel: turnstileKernel as unknown as AnyKernel };
const audit: ReportTarget = { kind: "composition", kernel: turnstileAuditComposition as unknown as CompositionKernel<unknown> };
const session: ReportTarget = { kind: "machine", kernel: sessionRuntimeKernel as unknown as AnyKernel };

describe("fire counts", () => {
  it("count the same exploration as meerkat check", () => {
    const counted = exploreCounting(turnstile, { profile: "ci" });
    const plain = exploreMachine(turnstileKernel as unknown as AnyKernel, { profile: "ci" });
    expect(counted.result.distinctStates).toBe(plain.distinctStates);
    expect(counted.result.ok).toBe(true);
    expect([...counted.fired.keys()]).toEqual(["InsertCoin", "ExtraCoin", "PassThrough", "Break"]);
    expect([...counted.fired.values()].filter((n) => n > 0)).toHaveLength(plain.transitions.fired);
    // An independent breadth-first walk over the turnstile (3 coins, no symmetry, depth bound not
    // reached) counts the same firings.
    const k = turnstileKernel as unknown as AnyKernel;
    const triggers = [...[1, 2, 3].map((i) => ({ kind: "Coin", coin: `CoinId#${i}` })), { kind: "Push" }, { kind: "Kick" }];
    const keyOf = (st: Record<string, unknown>) => JSON.stringify(st, (_k, v: unknown) => (v instanceof Set ? [...v].sort() : v));
    const seen = new Set<string>();
    const queue = [k.initialState()];
    seen.add(keyOf(queue[0] as Record<string, unknown>));
    const oracle = new Map<string, number>();
    for (let i = 0; i < queue.length; i++) {
      for (const t of triggers) {
        const r = k.transition(queue[i] as never, t as never);
        if (!r.ok) continue;
        oracle.set(r.transition, (oracle.get(r.transition) ?? 0) + 1);
        const key = keyOf(r.state as Record<string, unknown>);
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(r.state);
        }
      }
    }
    expect(seen.size).toBe(counted.result.distinctStates);
    expect(Object.fromEntries(counted.fired)).toEqual(Object.fromEntries(oracle));
  });

  it("are qualified in compositions", () => {
    const counted = exploreCounting(audit, { profile: "ci" });
    expect(counted.fired.get("gate.InsertCoin")).toBeGreaterThan(0);
    expect([...counted.fired.keys()].every((k) => k.startsWith("gate.") || k.startsWith("audit."))).toBe(true);
  });
});

/** A two-step trace in the format meerkat check writes. */
const trace: Trace = {
  machine: "Turnstile",
  subject: "machine",
  specFile: "spec/examples/turnstile.machine.json",
  profile: "ci",
  kind: "invariant",
  name: "coins_counted",
  message: "invariant coins_counted (coins <= seen.size) is false",
  initial: { phase: "Locked", coins: 0, lastCoin: null, seen: [] },
  steps: [
    { trigger: "Coin", payload: { coin: "CoinId#1" }, transition: "InsertCoin", state: { phase: "Unlocked", coins: 1, lastCoin: "CoinId#1", seen: ["CoinId#1"] }, effects: [{ effect: "Opened", coins: 1 }] },
    { trigger: "Coin", payload: { coin: "CoinId#1" }, transition: "ExtraCoin", state: { phase: "Unlocked", coins: 2, lastCoin: "CoinId#1", seen: ["CoinId#1"] }, effects: [] },
  ],
};

describe("the stepper's data", () => {
  it("highlights the transition taken from the phase it was in and marks changed fields", async () => {
    const { data, html } = await buildReport({ target: turnstile, specFile: trace.specFile, traces: [trace] });
    const t = data.traces[0];
    expect(t?.steps.map((s) => s.changed)).toEqual([["phase", "coins", "lastCoin", "seen"], ["coins"]]);
    const occ = (id: string | null) => data.diagram.occurrences.find((o) => o.id === id);
    expect(occ(t?.steps[0]?.highlight ?? null)).toMatchObject({ transition: "InsertCoin", from: "p:Locked", to: "p:Unlocked" });
    expect(occ(t?.steps[0]?.highlight ?? null)?.edge).not.toBeNull();
    expect(occ(t?.steps[1]?.highlight ?? null)).toMatchObject({ transition: "ExtraCoin", from: "p:Unlocked", edge: null });
    expect(t?.invariant).toEqual({ name: "coins_counted", source: "coins <= seen.size", reads: expect.arrayContaining(["coins", "seen"]) });
    // Break is declared from every non-terminal phase: one row per phase, and Broken is terminal.
    expect(data.diagram.occurrences.filter((o) => o.transition === "Break").map((o) => o.from)).toEqual(["p:Locked", "p:Unlocked"]);
    expect(data.diagram.phases.find((p) => p.terminal)?.phase).toBe("Broken");
    expect(html).toContain(`content="default-src 'none';`);
    expect(html).not.toMatch(/\b(src|href)=["']?https?:/);
  });

  it("qualifies composition states and lays instances and routes out", async () => {
    const composed: Trace = {
      ...trace,
      machine: "TurnstileAudit",
      subject: "composition",
      kind: "witness",
      name: "w",
      initial: { gate: { phase: "Locked", coins: 0 }, audit: { phase: "Counting", openings: 0 } },
      steps: [{ instance: "gate", trigger: "Coin", payload: { coin: "CoinId#1" }, transition: "gate.InsertCoin", state: { gate: { phase: "Unlocked", coins: 1 }, audit: { phase: "Counting", openings: 0 } }, effects: [], pending: [] }],
    };
    const { data } = await buildReport({ target: audit, specFile: "x", traces: [composed] });
    expect(data.diagram.instances.map((i) => i.name)).toEqual(["gate", "audit"]);
    expect(data.diagram.routes.map((r) => r.name)).toEqual(["report_opening"]);
    expect(data.diagram.routes[0]?.points.length).toBeGreaterThan(1);
    const step = data.traces[0]?.steps[0];
    expect(step?.changed).toEqual(["gate.phase", "gate.coins", "queue"]);
    expect(data.diagram.occurrences.find((o) => o.id === step?.highlight)?.from).toBe("p:gate.Locked");
  });

  it("turns a runtime event log into one trace per session", async () => {
    const lines = [
      { type: "machine.transition", machine: "SessionRuntime", sessionId: "s1", transition: "Register", at: 1 },
      { type: "runtime.state_changed", from: "Initializing", to: "Idle", seq: 1, at: 1, sessionId: "s1" },
      { type: "machine.transition", machine: "SessionRuntime", sessionId: "s1", transition: "BindIdle", at: 2 },
      { type: "runtime.state_changed", from: "Idle", to: "Attached", seq: 2, at: 2, sessionId: "s1" },
      { type: "input.accepted", inputId: "in-1", seq: 3, at: 3, sessionId: "s2" },
    ];
    const text = lines.map((l) => JSON.stringify(l)).join("\n");
    const { data } = await buildReport({ target: session, specFile: "spec/session.machine.json", events: { text, file: "log.jsonl" } });
    expect(data.traces.map((t) => t.name)).toEqual(["s1", "s2"]);
    const s1 = data.traces[0];
    expect(s1?.steps.map((s) => [s.trigger, s.transition])).toEqual([
      ["RegisterSession", "Register"],
      ["PrepareBindings", "BindIdle"],
    ]);
    expect(s1?.steps[1]?.changed).toEqual(["phase"]);
    expect(data.diagram.occurrences.find((o) => o.id === s1?.steps[1]?.highlight)).toMatchObject({ from: "p:Idle", to: "p:Attached" });
    // Without transition records each event is a step of its own.
    expect(data.traces[1]?.steps.map((s) => s.trigger)).toEqual(["input.accepted"]);
    expect(data.traces[1]?.steps[0]?.changed).toEqual(["inputs.in-1"]);
  });

  it("refuses a bad event log line by line number", async () => {
    const text = `${JSON.stringify({ type: "input.accepted", inputId: "a", sessionId: "s" })}\n{"type": "input.accepted"}\n`;
    const err = await buildReport({ target: session, specFile: "x", events: { text, file: "log.jsonl" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportInputError);
    expect(err).toMatchObject({ code: "bad-event-log", where: "log.jsonl:2" });
    const unknown = `${JSON.stringify({ type: "machine.transition", machine: "SessionRuntime", transition: "Nope", sessionId: "s" })}\n`;
    await expect(buildReport({ target: session, specFile: "x", events: { text: unknown, file: "log.jsonl" } })).rejects.toMatchObject({ code: "trace-mismatch" });
  });
});

describe("meerkat report", () => {
  it("refuses a file that is not a trace, saying where, with exit code 2", () => {
    const dir = tempDir("report-cli");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...trace, steps: [{ payload: {} }] }));
    const r = runMeerkat(REPO, "report", "spec/examples/turnstile.machine.json", "--no-check", "--trace", relative(REPO, bad), "-o", join(dir, "out.html"));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain("bad.json: not a trace written by meerkat check: /steps/0/trigger must be a string");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "out.html"))).toBe(false);
  });
});

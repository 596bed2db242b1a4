// Environment assumptions on composition entry inputs (`{ "input", "when", "description" }`): the
// checker types `when` like a composition invariant, the emitter adds it to `entryInputs` as
// `when(state)`, the explorer injects the input only where it holds, replay refuses a trace that
// injects it elsewhere, and the contract doc shows it. The specs are written to a scratch directory.

import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDocs } from "../generator/emit/docs.js";
import { loadSpecs } from "../generator/load.js";
import type { CompositionModel } from "../generator/model.js";
import { exploreComposition, replayTrace, type ExploreResult } from "../properties/explorer/index.js";
import { generateFixtures, REPO, scratchDir, type GeneratedFixtures } from "./explorer-helpers.js";

/** Sends a numbered ping on every Send. */
const sender = {
  machine: "Pinger",
  version: 1,
  types: { Seqno: { kind: "int", min: 0, max: 2 } },
  state: { phases: ["Active"], initial: "Active", fields: { sent: { type: "Seqno", init: "0" } } },
  inputs: { Send: {} },
  effects: { Ping: { n: "Seqno" } },
  transitions: [{ name: "SendPing", from: ["Active"], on: "Send", updates: ["if sent < 2 { sent = sent + 1 }"], emit: [{ effect: "Ping", n: "sent" }] }],
};

/** Takes pings while Open; once Closed it refuses them. */
const receiver = {
  machine: "Catcher",
  version: 1,
  types: { Seqno: { kind: "int", min: 0, max: 2 } },
  state: { phases: ["Open", "Closed"], initial: "Open", terminal: ["Closed"], fields: { last: { type: "Option<Seqno>", init: "none" } } },
  inputs: { Close: {} },
  signals: { Ping: { n: "Seqno" } },
  transitions: [
    { name: "Take", from: ["Open"], on: "Ping", updates: ["last = some(n)"] },
    { name: "Shut", from: ["Open"], on: "Close", to: "Closed" },
  ],
};

function composition(name: string, entry: readonly unknown[]): Record<string, unknown> {
  return {
    composition: name,
    version: 1,
    instances: { tx: { machine: "Pinger" }, rx: { machine: "Catcher" } },
    entry,
    routes: [{ name: "ping", from: "tx.Ping", to: "rx.Ping", bind: { n: "n" } }],
    invariants: { rx_not_ahead: "rx.last.isNone || rx.last.value <= tx.sent" },
    // With Send withheld once rx is closed, nothing is left to do there: that end is expected.
    check: { profiles: { ci: { domains: {}, allowDeadlockIn: ["Active"] } }, witnesses: { two_taken: "rx.last == some(2)" } },
  };
}

const ASSUMPTION = "rx.phase == Open";

function writeSpecs(dir: string, compositions: Record<string, Record<string, unknown>>): void {
  writeFileSync(join(dir, "pinger.machine.json"), JSON.stringify(sender, null, 2));
  writeFileSync(join(dir, "catcher.machine.json"), JSON.stringify(receiver, null, 2));
  for (const [file, c] of Object.entries(compositions)) writeFileSync(join(dir, file), JSON.stringify(c, null, 2));
}

let fx: GeneratedFixtures;
let unguarded: ExploreResult;

beforeAll(async () => {
  const dir = scratchDir("assumptions-specs");
  writeSpecs(dir, {
    "unguarded.composition.json": composition("Unguarded", ["tx.Send", "rx.Close"]),
    "guarded.composition.json": composition("Guarded", [
      { input: "tx.Send", when: ASSUMPTION, description: "The driver sends only to an open receiver." },
      "rx.Close",
    ]),
  });
  fx = generateFixtures(dir, "assumptions-out");
  unguarded = exploreComposition(await fx.composition("Unguarded"), { profile: "ci" });
});

describe("environment assumptions in the explorer", () => {
  it("without the assumption, a ping reaching a closed receiver is a route-refused violation", () => {
    expect(unguarded.violations.map((v) => [v.kind, v.name])).toEqual([["route-refused", "ping"]]);
  });

  it("with the assumption, Send is not injected once rx is closed and the violation is gone", async () => {
    const r = exploreComposition(await fx.composition("Guarded"), { profile: "ci" });
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.witnesses).toEqual([expect.objectContaining({ name: "two_taken", reached: true }), expect.objectContaining({ name: "route:ping", reached: true })]);
    // Fewer states: Send after Close (and the deliveries it would queue) never happens.
    expect(r.distinctStates).toBeLessThan(unguarded.distinctStates);
  });

  it("replay refuses a trace that injects an input where its assumption is false", async () => {
    const trace = unguarded.violations[0]?.trace;
    if (!trace) throw new Error("no trace");
    expect(trace.steps.map((s) => `${s.instance ?? ""}.${s.trigger}`)).toEqual(["rx.Close", "tx.Send", "rx.Ping"]);
    expect(replayTrace(trace, { kind: "composition", kernel: await fx.composition("Unguarded") }).reproduced).toBe(true);
    const guarded = await fx.composition("Guarded");
    const again = replayTrace({ ...trace, machine: "Guarded" }, { kind: "composition", kernel: guarded });
    expect(again.reproduced).toBe(false);
    expect(again.message).toBe("step 2: input tx.Send injected where its environment assumption does not hold");
  });
});

describe("environment assumptions in generated code and docs", () => {
  it("entryInputs keeps { instance, trigger } and adds when(state) where an assumption is given", async () => {
    const kernel = await fx.composition("Guarded");
    expect(kernel.entryInputs.map((e) => ({ instance: e.instance, trigger: e.trigger, when: typeof e.when }))).toEqual([
      { instance: "tx", trigger: "Send", when: "function" },
      { instance: "rx", trigger: "Close", when: "undefined" },
    ]);
    const send = kernel.entryInputs[0];
    if (!send?.when) throw new Error("no assumption on tx.Send");
    expect(send.when({ tx: { phase: "Active", sent: 0 }, rx: { phase: "Open", last: null } })).toBe(true);
    expect(send.when({ tx: { phase: "Active", sent: 0 }, rx: { phase: "Closed", last: null } })).toBe(false);
  });

  it("the contract doc lists the assumption and its description with the entry input", () => {
    const model = fx.specs.find((s): s is CompositionModel => s.kind === "composition" && s.name === "Guarded");
    if (!model) throw new Error("no Guarded model");
    expect(model.entry).toEqual([
      expect.objectContaining({ instance: "tx", trigger: "Send", when: expect.objectContaining({ source: ASSUMPTION }), description: "The driver sends only to an open receiver." }),
      { instance: "rx", trigger: "Close" },
    ]);
    const docs = generateDocs(fx.specs, [], { specRoot: fx.specDir, root: REPO, docsDir: join(fx.outDir, "docs") });
    const doc = docs.get("guarded.composition.md") ?? "";
    expect(doc).toContain("- `tx.Send` when `rx.phase == Open` — The driver sends only to an open receiver.");
    expect(doc).toContain("- `rx.Close`\n");
  });
});

describe("environment assumptions in the checker", () => {
  const diagnosticsFor = (entry: readonly unknown[]) => {
    const dir = scratchDir("assumptions-bad");
    writeSpecs(dir, { "bad.composition.json": composition("Bad", entry) });
    return loadSpecs([dir], REPO).diagnostics.map((d) => ({ code: d.code, file: relative(dir, join(REPO, d.file)), pointer: d.pointer, line: d.line, column: d.column, message: d.message }));
  };

  it("accepts every state name composition invariants accept", () => {
    expect(diagnosticsFor([{ input: "tx.Send", when: "rx.phase == Open && tx.sent < 2 && rx.last != some(2)" }])).toEqual([]);
  });

  it("a when that is not a bool is a located type error", () => {
    const d = diagnosticsFor(["rx.Close", { input: "tx.Send", when: "tx.sent" }]);
    expect(d).toEqual([expect.objectContaining({ code: "type-mismatch", file: "bad.composition.json", pointer: "/entry/1/when" })]);
    expect(d[0]?.line).toBeGreaterThan(0);
    expect(d[0]?.column).toBeGreaterThan(0);
  });

  it("a when naming an unknown instance field, or a payload field, is a located error", () => {
    expect(diagnosticsFor([{ input: "tx.Send", when: "rx.count == 0" }])).toEqual([expect.objectContaining({ code: "unknown-field", pointer: "/entry/0/when" })]);
    expect(diagnosticsFor([{ input: "tx.Send", when: "n == 1" }])).toEqual([expect.objectContaining({ code: "unknown-name", pointer: "/entry/0/when" })]);
  });

  it("a when with a syntax error, or an unknown input, is located in the entry object", () => {
    expect(diagnosticsFor([{ input: "tx.Send", when: "rx.phase ==" }])).toEqual([expect.objectContaining({ code: "expr-syntax", pointer: "/entry/0/when" })]);
    expect(diagnosticsFor([{ input: "tx.Push", when: "true" }])).toEqual([expect.objectContaining({ code: "unknown-trigger", pointer: "/entry/0/input" })]);
  });

  it("an entry object must name its input and has no other keys", () => {
    expect(diagnosticsFor([{ when: "true" }])).toEqual([expect.objectContaining({ code: "schema", pointer: "/entry/0" })]);
    expect(diagnosticsFor([{ input: "tx.Send", if: "true" }])).toEqual([expect.objectContaining({ code: "schema", pointer: "/entry/0/if" })]);
  });
});

// A composition's check judges instance-transition coverage: a transition that never fires is an
// unfired-transition violation unless the composition declares it in `leftOut` (with a reason,
// shown in the contract doc), and a declared one that fires is left-out-fired. Every route also has
// a witness (it carries a delivery somewhere). The specs are written to a scratch directory.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDocs } from "../generator/emit/docs.js";
import type { CompositionModel } from "../generator/model.js";
import { exploreComposition, replayTrace, type ExploreResult } from "../properties/explorer/index.js";
import { generateFixtures, scratchDir, type GeneratedFixtures } from "./explorer-helpers.js";
import { REPO, runMeerkat } from "./helpers/paths.js";

const sender = {
  machine: "Pinger",
  version: 1,
  types: { Seqno: { kind: "int", min: 0, max: 2 } },
  state: { phases: ["Active"], initial: "Active", fields: { sent: { type: "Seqno", init: "0" } } },
  inputs: { Send: {} },
  effects: { Ping: { n: "Seqno" } },
  transitions: [{ name: "SendPing", from: ["Active"], on: "Send", updates: ["if sent < 2 { sent = sent + 1 }"], emit: [{ effect: "Ping", n: "sent" }] }],
};

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

const SEND_WHILE_OPEN = { input: "tx.Send", when: "rx.phase == Open", description: "The driver sends only to an open receiver." };
const SHUT_REASON = "Closing is the receiver's own business, checked by its machine.";

function composition(name: string, entry: readonly unknown[], leftOut?: readonly unknown[]): Record<string, unknown> {
  return {
    composition: name,
    version: 1,
    instances: { tx: { machine: "Pinger" }, rx: { machine: "Catcher" } },
    entry,
    routes: [{ name: "ping", from: "tx.Ping", to: "rx.Ping", bind: { n: "n" } }],
    ...(leftOut ? { leftOut } : {}),
    check: { profiles: { ci: { domains: {}, allowDeadlockIn: ["Active"] } } },
  };
}

const specs: Record<string, Record<string, unknown>> = {
  "covered.composition.json": composition("Covered", [SEND_WHILE_OPEN, "rx.Close"]),
  // rx.Close is not an entry, so rx.Shut never fires.
  "unfired.composition.json": composition("Unfired", ["tx.Send"]),
  "declared.composition.json": composition("Declared", ["tx.Send"], [{ transitions: ["rx.Shut"], reason: SHUT_REASON }]),
  "stale.composition.json": composition("Stale", [SEND_WHILE_OPEN, "rx.Close"], [{ transitions: ["rx.Shut"], reason: SHUT_REASON }]),
  // Send is never offered: the route never carries anything.
  "idle-route.composition.json": composition("IdleRoute", [{ input: "tx.Send", when: "false" }, "rx.Close"], [
    { transitions: ["tx.SendPing", "rx.Take"], reason: "Nothing is sent in this fixture." },
  ]),
};

let fx: GeneratedFixtures;
let dir: string;
const results = new Map<string, ExploreResult>();

beforeAll(async () => {
  dir = scratchDir("coverage-specs");
  writeFileSync(join(dir, "pinger.machine.json"), JSON.stringify(sender, null, 2));
  writeFileSync(join(dir, "catcher.machine.json"), JSON.stringify(receiver, null, 2));
  for (const [file, c] of Object.entries(specs)) writeFileSync(join(dir, file), JSON.stringify(c, null, 2));
  fx = generateFixtures(dir, "coverage-out");
  for (const name of ["Covered", "Unfired", "Declared", "Stale", "IdleRoute"]) results.set(name, exploreComposition(await fx.composition(name), { profile: "ci" }));
});

const result = (name: string): ExploreResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};

describe("instance-transition coverage of a composition", () => {
  it("passes when every instance transition fires", () => {
    const r = result("Covered");
    expect(r.ok).toBe(true);
    expect(r.coverage).toMatchObject({ checked: true, unfiredTransitions: [], leftOut: [] });
    expect(r.transitions).toEqual({ declared: 3, fired: 3 });
  });

  it("fails on an instance transition that never fires and is not declared left out", () => {
    const r = result("Unfired");
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => [v.kind, v.name])).toEqual([["unfired-transition", "rx.Shut"]]);
    expect(r.violations[0]?.message).toContain('declare it in "leftOut" with the reason');
  });

  it("passes when the unfired transition is declared left out, and lists it", () => {
    const r = result("Declared");
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.coverage).toMatchObject({ checked: true, unfiredTransitions: ["rx.Shut"], leftOut: ["rx.Shut"] });
  });

  it("fails when a transition declared left out fires after all", () => {
    const r = result("Stale");
    expect(r.violations.map((v) => [v.kind, v.name])).toEqual([["left-out-fired", "rx.Shut"]]);
    expect(r.violations[0]?.message).toContain(SHUT_REASON);
  });

  it("does not judge coverage of an exploration stopped at the state limit", async () => {
    const r = exploreComposition(await fx.composition("Unfired"), { profile: "ci", maxStates: 2 });
    expect(r.complete).toBe(false);
    expect(r.violations.map((v) => v.kind)).toEqual(["state-limit"]);
  });

  it("shows the declaration and its reason in the contract doc", () => {
    const c = fx.specs.find((s): s is CompositionModel => s.kind === "composition" && s.name === "Declared");
    if (!c) throw new Error("no Declared composition");
    expect(c.leftOut).toEqual([{ transitions: ["rx.Shut"], reason: SHUT_REASON }]);
    const docs = generateDocs(fx.specs, [], { specRoot: fx.specDir, root: REPO, docsDir: join(fx.outDir, "docs") });
    const doc = [...docs.values()].find((text) => text.includes("# Declared (composition)"));
    expect(doc).toContain("## Left out of the check");
    expect(doc).toContain(`| \`rx.Shut\` | ${SHUT_REASON} |`);
    const covered = [...docs.values()].find((text) => text.includes("# Covered (composition)"));
    expect(covered).toContain("None: every instance transition must fire");
  });
});

describe("a witness per route", () => {
  it("is reached, with a replayable trace, where the route carries a delivery", async () => {
    const w = result("Covered").witnesses.find((x) => x.name === "route:ping");
    expect(w).toMatchObject({ reached: true, depth: 1 });
    if (!w?.trace) throw new Error("no trace");
    expect(w.trace.steps.map((s) => s.transition)).toEqual(["tx.SendPing"]);
    expect(w.trace.steps[0]?.pending).toEqual([{ route: "ping", trigger: "Ping", payload: { n: 1 } }]);
    expect(replayTrace(w.trace, { kind: "composition", kernel: await fx.composition("Covered") }).reproduced).toBe(true);
  });

  it("fails the check for a route that never carries a delivery", () => {
    const r = result("IdleRoute");
    expect(r.violations.map((v) => [v.kind, v.name])).toEqual([["unreachable-witness", "route:ping"]]);
  });
});

describe("meerkat check", () => {
  it("exits 1 and reports the unfired transition, in text and in --json", () => {
    const out = join(fx.outDir, "..", "coverage-cli-out");
    const gen = runMeerkat(dir, "generate", "--spec", ".", "--out", out);
    expect(gen.status).toBe(0);
    const text = runMeerkat(dir, "check", "unfired.composition.json", "declared.composition.json", "--spec", ".", "--out", out);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain("[ci] unfired-transition rx.Shut: instance transition rx.Shut never fires");
    expect(text.stdout).toMatch(/declared\.composition\.json\s+ci\s+\S+\s+2\/3 \(\+1 left out\)/);
    const json = runMeerkat(dir, "check", "unfired.composition.json", "--spec", ".", "--out", out, "--json");
    expect(json.status).toBe(1);
    const [checked] = JSON.parse(json.stdout) as { violations: { kind: string; name: string }[]; coverage: { checked: boolean } }[];
    expect(checked?.coverage.checked).toBe(true);
    expect(checked?.violations.map((v) => [v.kind, v.name])).toEqual([["unfired-transition", "rx.Shut"]]);
  });
});

// Cross-checks the explorer against SPIN: every machine below is exported to Promela under one
// profile and verified by SPIN; SPIN's count of distinct states must equal the explorer's, and
// SPIN must find errors exactly when the explorer reports an invariant, determinism or deadlock
// violation. SPIN and gcc are required (CI installs them): without them these tests fail.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { exportCommand } from "../cli/export.js";
import { counterKernel } from "../generated/examples/counter.machine.js";
import { turnstileKernel } from "../generated/examples/turnstile.machine.js";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { MachineModel } from "../generator/model.js";
import type { AnyKernel } from "../kernel/descriptor.js";
import { exploreMachine, type ViolationKind } from "../properties/explorer/index.js";
import { exportPromela, PromelaProfileError, runSpin } from "../properties/promela/index.js";
import { REPO, tempDir } from "./helpers/paths.js";

/** Violations that are properties of reachable states and steps: what SPIN's assertions and end-state check report. */
const SAFETY: readonly ViolationKind[] = ["invariant", "determinism", "deadlock"];

interface Case {
  readonly spec: string;
  readonly profile: string;
  /** The generated kernel, for shipped specs; fixtures are generated at test time. */
  readonly kernel?: AnyKernel;
  /** The safety violations both checkers must find (sorted). */
  readonly violations: readonly ViolationKind[];
}

const CASES: readonly Case[] = [
  { spec: "spec/examples/turnstile.machine.json", profile: "deep", kernel: turnstileKernel as unknown as AnyKernel, violations: [] },
  { spec: "spec/examples/counter.machine.json", profile: "default", kernel: counterKernel as unknown as AnyKernel, violations: [] },
  { spec: "spec/examples/hour-clock.machine.json", profile: "ci", violations: [] },
  { spec: "spec/examples/playlist.machine.json", profile: "ci", violations: [] },
  { spec: "spec/examples/die-hard.machine.json", profile: "ci", violations: [] },
  { spec: "spec/examples/two-phase.machine.json", profile: "ci", violations: [] },
  { spec: "test/fixtures/spin/jobs.machine.json", profile: "small", violations: [] },
  { spec: "test/fixtures/spin/jobs.machine.json", profile: "full", violations: [] },
  { spec: "test/fixtures/spin/ledger.machine.json", profile: "ci", violations: [] },
  { spec: "test/fixtures/spin/nested.machine.json", profile: "ci", violations: [] },
  { spec: "test/fixtures/spin/levels.machine.json", profile: "low", violations: [] },
  { spec: "test/fixtures/spin/levels.machine.json", profile: "full", violations: [] },
  { spec: "test/fixtures/spin/violated.machine.json", profile: "ci", violations: ["invariant"] },
  { spec: "test/fixtures/spin/ambiguous.machine.json", profile: "default", violations: ["determinism"] },
  { spec: "test/fixtures/spin/stuck.machine.json", profile: "default", violations: ["deadlock"] },
];

/** What pan prints for each kind of safety violation the export asserts. */
const SPIN_MESSAGE: Record<string, RegExp> = {
  invariant: /^assertion violated invariant_/,
  determinism: /^assertion violated \(ambiguous_transition==0\)/,
  deadlock: /^invalid end state/,
};

function loadMachine(spec: string): MachineModel {
  const { specs, diagnostics } = loadSpecs([join(REPO, spec)], REPO);
  expect(diagnostics, `${spec} has spec errors`).toEqual([]);
  const model = specs[0];
  if (!model || model.kind !== "machine") throw new Error(`${spec} is not a machine spec`);
  return model;
}

/** Generates the spec's TypeScript module into .tmp and imports its kernel. */
async function generatedKernel(spec: string, model: MachineModel): Promise<AnyKernel> {
  const out = tempDir("spin-kernel");
  const specRoot = dirname(join(REPO, spec));
  const files = generateFiles([model], { specRoot, outDir: out, kernelDir: join(REPO, "kernel") });
  for (const [path, text] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  const mod = (await import(pathToFileURL(join(out, outputPathFor(resolve(REPO, spec), specRoot))).href)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([name]) => name.endsWith("Kernel"));
  if (!entry) throw new Error(`the module generated from ${spec} exports no kernel`);
  return entry[1] as AnyKernel;
}

describe("SPIN cross-check", () => {
  it("has spin and gcc installed (CI installs them: apt-get install -y spin gcc)", () => {
    for (const [tool, flag] of [
      ["spin", "-V"],
      ["gcc", "--version"],
    ] as const) {
      const r = spawnSync(tool, [flag], { encoding: "utf8" });
      expect(r.error?.message, `${tool} is not installed; run: apt-get update -qq && apt-get install -y spin gcc`).toBeUndefined();
    }
  });

  for (const c of CASES) {
    it(`${c.spec} (${c.profile}): SPIN stores as many states as the explorer and agrees on ${c.violations.length === 0 ? "no violation" : c.violations.join(", ")}`, async () => {
      const model = loadMachine(c.spec);
      const profile = model.profiles.find((p) => p.name === c.profile);
      expect(profile?.maxDepth, "cross-check profiles are exhaustive (no maxDepth)").toBeNull();
      const kernel = c.kernel ?? (await generatedKernel(c.spec, model));
      const ours = exploreMachine(kernel, { profile: c.profile, symmetry: false });
      const spin = runSpin(exportPromela(model, c.profile), { hashBits: 18 });

      expect(ours.complete).toBe(true);
      expect(spin.complete, spin.raw).toBe(true);
      expect(spin.distinctStates).toBeGreaterThan(1);
      expect(spin.distinctStates).toBe(ours.distinctStates);

      const found = [...new Set(ours.violations.filter((v) => SAFETY.includes(v.kind)).map((v) => v.kind))].sort();
      expect(found).toEqual(c.violations);
      expect(spin.errors > 0, spin.raw).toBe(found.length > 0);
      for (const kind of found) {
        const re = SPIN_MESSAGE[kind] as RegExp;
        expect(spin.messages.some((m) => re.test(m)), `pan reports ${kind}: ${spin.messages.join(" | ")}`).toBe(true);
      }
    });
  }
});

describe("meerkat export --promela", () => {
  const run = (args: Partial<Parameters<typeof exportCommand>[0]>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = exportCommand({ promela: undefined, profile: undefined, out: undefined, root: REPO, ...args }, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join(""), err: err.join("") };
  };

  it("prints the model on stdout", () => {
    const r = run({ promela: "spec/examples/turnstile.machine.json", profile: "deep" });
    expect(r.code).toBe(0);
    expect(r.out).toContain("active proctype Turnstile()");
    expect(r.out).toContain("CoinId=4");
  });

  it("exits 2 listing the profiles for an unknown one", () => {
    const r = run({ promela: "spec/examples/turnstile.machine.json", profile: "huge" });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no check profile "huge" (profiles: ci, deep)`);
    expect(() => exportPromela(loadMachine("spec/examples/turnstile.machine.json"), "huge")).toThrow(PromelaProfileError);
  });

  it("exits 1 with located errors for an invalid spec", () => {
    const r = run({ promela: "test/fixtures/bad-specs/unknown-name-in-guard.machine.json", profile: "ci" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown-name-in-guard\.machine\.json:\d+:\d+ error\[unknown-name\]/);
  });

  it("writes -o files", () => {
    const file = join(tempDir("spin-export"), "counter.pml");
    const r = run({ promela: "spec/examples/counter.machine.json", out: file });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${file}`);
  });
});

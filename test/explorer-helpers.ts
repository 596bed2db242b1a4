// Shared helpers for the explorer tests: generate fixture specs into a temporary directory under
// .tmp/ (gitignored) and import the generated kernels from there.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { formatDiagnostics } from "../generator/diagnostics.js";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { SpecModel } from "../generator/model.js";
import { REPO } from "./helpers/paths.js";
import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";

export { BIN, REPO } from "./helpers/paths.js";
export const FIXTURES = join(REPO, "test", "fixtures", "explorer");

export function scratchDir(prefix: string): string {
  const base = join(REPO, ".tmp", "tests");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

export interface GeneratedFixtures {
  readonly specDir: string;
  readonly outDir: string;
  readonly specs: readonly SpecModel[];
  machine(name: string): Promise<AnyKernel>;
  composition(name: string): Promise<CompositionKernel<unknown>>;
}

/** Loads, checks and generates every spec in `specDir` into a fresh directory under .tmp/. */
export function generateFixtures(specDir: string, prefix: string): GeneratedFixtures {
  const loaded = loadSpecs([specDir], REPO);
  if (loaded.diagnostics.length > 0) throw new Error(formatDiagnostics(loaded.diagnostics));
  const outDir = scratchDir(prefix);
  const files = generateFiles(loaded.specs, { specRoot: specDir, outDir, kernelDir: join(REPO, "kernel"), root: REPO });
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
  const exportOf = async (name: string, kind: "machine" | "composition"): Promise<Record<string, unknown>> => {
    const spec = loaded.specs.find((s) => s.name === name && s.kind === kind);
    if (!spec) throw new Error(`no ${kind} ${name} in ${specDir}`);
    const mod = (await import(pathToFileURL(join(outDir, outputPathFor(join(REPO, spec.file), specDir))).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (typeof v === "object" && v !== null && (v as Record<string, unknown>)[kind] === name) return v as Record<string, unknown>;
    }
    throw new Error(`the module generated for ${spec.file} exports no ${kind} kernel`);
  };
  return {
    specDir,
    outDir,
    specs: loaded.specs,
    machine: async (name) => (await exportOf(name, "machine")) as unknown as AnyKernel,
    composition: async (name) => (await exportOf(name, "composition")) as unknown as CompositionKernel<unknown>,
  };
}

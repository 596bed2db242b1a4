// The generate pipeline as one call: load and check specs, emit code (and docs), and either
// write the files or compare them with what is on disk.

import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "./diagnostics.js";
import { findDrift, hasDrift, listFiles, type Drift } from "./drift.js";
import { generateFiles } from "./emit/index.js";
import { loadSpecs } from "./load.js";
import type { SpecModel } from "./model.js";

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface PipelineOptions {
  /** Working root: spec paths in messages and in generated headers are relative to it. */
  readonly root: string;
  readonly specDir: string;
  readonly outDir: string;
  readonly kernelDir?: string;
}

export interface Outputs {
  readonly specs: readonly SpecModel[];
  readonly diagnostics: readonly Diagnostic[];
  /** Output directory → (relative path → text). */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export function buildOutputs(opts: PipelineOptions): Outputs {
  const loaded = loadSpecs([opts.specDir], opts.root);
  if (loaded.diagnostics.length > 0) return { specs: loaded.specs, diagnostics: loaded.diagnostics, files: new Map() };
  const code = generateFiles(loaded.specs, {
    specRoot: specRootOf(resolve(opts.root, opts.specDir)),
    outDir: resolve(opts.root, opts.outDir),
    kernelDir: opts.kernelDir ?? join(PACKAGE_ROOT, "kernel"),
  });
  return { specs: loaded.specs, diagnostics: [], files: new Map([[resolve(opts.root, opts.outDir), code]]) };
}

export function writeOutputs(outputs: Outputs): { written: string[]; removed: string[] } {
  const written: string[] = [];
  const removed: string[] = [];
  for (const [dir, files] of outputs.files) {
    for (const rel of listFiles(dir)) {
      if (!files.has(rel)) {
        rmSync(join(dir, rel));
        removed.push(join(dir, rel));
      }
    }
    for (const [rel, text] of files) {
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      written.push(path);
    }
  }
  return { written, removed };
}

export function checkOutputs(outputs: Outputs): Map<string, Drift> {
  const out = new Map<string, Drift>();
  for (const [dir, files] of outputs.files) {
    const d = findDrift(files, dir);
    if (hasDrift(d)) out.set(dir, d);
  }
  return out;
}

/** Output paths mirror the spec directory; a single spec file is its own directory's root. */
function specRootOf(path: string): string {
  return statSync(path).isDirectory() ? path : dirname(path);
}

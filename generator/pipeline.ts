// The generate pipeline as one call: load and check specs, emit code (and docs), and either
// write the files or compare them with what is on disk.

import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { findDrift, hasDrift, listFiles, type Drift } from "./drift.js";
import { generateDocs } from "./emit/docs.js";
import { generateFiles } from "./emit/index.js";
import { loadSpecs, UsageError } from "./load.js";
import type { PolicyModel, SpecModel } from "./model.js";
import { isInNodeModules, isWithin, KERNEL_SPECIFIER, TOOLCHAIN_ROOT } from "./toolchain.js";

/** The toolchain's package root (a checkout, or the installed package). */
export const PACKAGE_ROOT = TOOLCHAIN_ROOT;

export interface PipelineOptions {
  /** Working root: spec paths in messages and in generated headers are relative to it. */
  readonly root: string;
  readonly specDir: string;
  readonly outDir: string;
  readonly kernelDir?: string;
  /** Module specifier generated code imports the kernel by (default: see kernelImportFor). */
  readonly kernelImport?: string;
  /** Directory for the contract docs (Markdown); no docs are built when it is absent. */
  readonly docsDir?: string;
}

export interface Outputs {
  readonly specs: readonly SpecModel[];
  readonly policies: readonly PolicyModel[];
  readonly diagnostics: readonly Diagnostic[];
  /** Output directory → (relative path → text). */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export function buildOutputs(opts: PipelineOptions): Outputs {
  const outDir = resolve(opts.root, opts.outDir);
  const docsDir = opts.docsDir === undefined ? undefined : resolve(opts.root, opts.docsDir);
  // Each output directory is owned by its outputs (stray files are removed), so they cannot nest.
  if (docsDir !== undefined && (isWithin(docsDir, outDir) || isWithin(outDir, docsDir))) {
    throw new UsageError(`the docs directory (${opts.docsDir}) and the code directory (${opts.outDir}) must not contain one another`);
  }
  for (const [flag, dir] of [["--out", outDir], ["--docs", docsDir]] as const) {
    if (dir !== undefined && isInNodeModules(dir)) {
      throw new UsageError(`${flag} ${dir} is inside node_modules, which npm replaces on every install: choose a folder of your project (for example --out generated)`);
    }
  }
  const loaded = loadSpecs([resolve(opts.root, opts.specDir)], opts.root);
  if (loaded.diagnostics.length > 0) return { specs: loaded.specs, policies: loaded.policies, diagnostics: loaded.diagnostics, files: new Map() };
  const specRoot = specRootOf(resolve(opts.root, opts.specDir));
  const kernel = opts.kernelImport !== undefined ? { kernelImport: opts.kernelImport } : opts.kernelDir !== undefined ? { kernelDir: opts.kernelDir } : kernelImportFor(outDir);
  const code = generateFiles(loaded.specs, { specRoot, outDir, ...kernel, root: resolve(opts.root) }, loaded.policies);
  const files = new Map<string, ReadonlyMap<string, string>>([[outDir, code]]);
  if (docsDir !== undefined) files.set(docsDir, generateDocs(loaded.specs, loaded.policies, { specRoot, root: resolve(opts.root), docsDir }));
  return { specs: loaded.specs, policies: loaded.policies, diagnostics: [], files };
}

/**
 * How code generated into `outDir` imports the kernel: by the package name, except for code
 * generated inside this package's own checkout (its `generated/`, scratch test folders), which
 * imports it by relative path like every other file of the package, so it runs from the sources.
 */
export function kernelImportFor(outDir: string): { readonly kernelImport: string } | { readonly kernelDir: string } {
  if (!isWithin(outDir, TOOLCHAIN_ROOT) || isInNodeModules(outDir)) return { kernelImport: KERNEL_SPECIFIER };
  return { kernelDir: join(TOOLCHAIN_ROOT, "kernel") };
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

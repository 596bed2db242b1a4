// What `meerkat check` and `replay` explore: the specs of the spec directory (with its generated
// code required in sync when there is some), or spec files from anywhere; their code generated
// into the cache (generated-cache.ts), so no generate step or TypeScript loader is needed.

import { existsSync, statSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import type { SpecModel } from "../generator/model.js";
import { checkOutputs } from "../generator/pipeline.js";
import { isWithin } from "../generator/toolchain.js";
import { cacheGenerated, type GeneratedCode } from "./generated-cache.js";
import { ExitCode, type Io } from "./io.js";
import { buildOrReport, loadOrReport } from "./outputs.js";

const DEFAULT_SPEC_DIR = "spec";

export interface SourceArgs {
  readonly root: string;
  readonly specDir: string;
  /**
   * The generated code directory. When --out was not given (`outExplicit` false), the default
   * "generated" goes with the default spec directory "spec" and is checked only when it exists.
   */
  readonly outDir: string;
  readonly outExplicit: boolean;
  /** Spec files to load (absolute); all of the spec directory when absent. */
  readonly files?: readonly string[];
}

export interface CheckSources {
  readonly specs: readonly SpecModel[];
  readonly code: GeneratedCode;
}

/** The specs and their cached code, or the exit code after printing why not (1 spec errors or drift, 2 usage). */
export function loadSources(args: SourceArgs, io: Io): CheckSources | number {
  const specDir = resolve(args.root, args.specDir);
  const inSpecDir = existsSync(specDir) && (args.files ?? []).every((f) => isWithin(f, specDir));
  if (args.files !== undefined && !inSpecDir) {
    const loaded = loadOrReport(args.files, args.root, io);
    if (typeof loaded === "number") return loaded;
    const specRoot = commonDir(loaded.files.map((f) => resolve(args.root, f)));
    return { specs: loaded.specs, code: cacheGenerated(loaded.specs, specRoot, args.root) };
  }
  const outDir = resolve(args.root, args.outDir);
  let specs: readonly SpecModel[];
  if (args.outExplicit || (args.specDir === DEFAULT_SPEC_DIR && existsSync(outDir))) {
    const outputs = buildOrReport({ root: args.root, specDir, outDir }, io);
    if (typeof outputs === "number") return outputs;
    const drift = checkOutputs(outputs);
    if (drift.size > 0) return reportDrift(args, drift, io);
    specs = outputs.specs;
  } else {
    const loaded = loadOrReport([specDir], args.root, io);
    if (typeof loaded === "number") return loaded;
    specs = loaded.specs;
  }
  const specRoot = statSync(specDir).isDirectory() ? specDir : dirname(specDir);
  return { specs, code: cacheGenerated(specs, specRoot, args.root) };
}

function reportDrift(args: SourceArgs, drift: ReturnType<typeof checkOutputs>, io: Io): number {
  const lines = ["generated code is out of sync with the specs, so it cannot be checked:"];
  for (const [dir, d] of drift) {
    const shown = relative(args.root, dir) || ".";
    for (const f of d.stale) lines.push(`  stale     ${shown}/${f}`);
    for (const f of d.missing) lines.push(`  missing   ${shown}/${f}`);
    for (const f of d.orphaned) lines.push(`  orphaned  ${shown}/${f}`);
  }
  const flags = [args.specDir !== "spec" ? ` --spec ${args.specDir}` : "", args.outDir !== "generated" ? ` --out ${args.outDir}` : ""].join("");
  lines.push("", `fix: npx meerkat generate${flags}`);
  io.err(`${lines.join("\n")}\n`);
  return ExitCode.Failed;
}

/** The deepest directory that holds every file. */
function commonDir(files: readonly string[]): string {
  const parts = files.map((f) => dirname(f).split(sep));
  const first = parts[0] ?? [];
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

// `meerkat replay <trace.json>`: re-run a trace written by `meerkat check` against the generated
// kernel of its spec and confirm that it still shows its violation (or witness).

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { replayTrace, type ReplayRow, type Trace } from "../properties/explorer/index.js";
import { loadSources } from "./check-sources.js";
import { GeneratedImportError, importCachedKernel } from "./generated-cache.js";
import { ExitCode, type Io } from "./io.js";

export interface ReplayArgs {
  readonly file: string;
  readonly specDir: string;
  readonly outDir: string;
  /** False when --out was not given: then "generated" is checked for drift only when it exists. */
  readonly outExplicit?: boolean;
  readonly root: string;
}

function isTrace(x: unknown): x is Trace {
  if (typeof x !== "object" || x === null) return false;
  const t = x as Record<string, unknown>;
  return (
    typeof t["machine"] === "string" &&
    (t["subject"] === "machine" || t["subject"] === "composition") &&
    typeof t["profile"] === "string" &&
    typeof t["kind"] === "string" &&
    typeof t["name"] === "string" &&
    typeof t["initial"] === "object" &&
    Array.isArray(t["steps"])
  );
}

function renderRows(rows: readonly ReplayRow[]): string {
  const all = [["step", "trigger", "transition", "phase after", "effects"], ...rows.map((r) => [String(r.step), r.trigger, r.transition, r.phase, r.effects])];
  const widths = (all[0] as string[]).map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

export async function replayCommand(args: ReplayArgs, io: Io): Promise<number> {
  let trace: unknown;
  try {
    trace = JSON.parse(readFileSync(resolve(args.root, args.file), "utf8"));
  } catch (e) {
    io.err(`meerkat replay: cannot read ${args.file}: ${(e as Error).message}\n`);
    return ExitCode.Usage;
  }
  if (!isTrace(trace)) {
    io.err(`meerkat replay: ${args.file} is not a trace written by meerkat check\n`);
    return ExitCode.Usage;
  }
  const t = trace;
  // The spec the trace names, wherever it is; else every spec of the spec directory (found by name).
  const specFile = typeof t.specFile === "string" ? resolve(args.root, t.specFile) : undefined;
  const files = specFile !== undefined && existsSync(specFile) ? { files: [specFile] } : {};
  const sources = loadSources({ root: args.root, specDir: args.specDir, outDir: args.outDir, outExplicit: args.outExplicit ?? true, ...files }, io);
  if (typeof sources === "number") return sources;
  const specs = sources.specs;
  const spec = specs.find((s) => s.file === t.specFile) ?? specs.find((s) => s.name === t.machine && s.kind === t.subject);
  if (!spec) {
    io.err(`meerkat replay: no ${t.subject} named ${t.machine} (nor spec ${t.specFile}) under ${args.specDir}/\n`);
    return ExitCode.Failed;
  }
  let target;
  try {
    target = await importCachedKernel(sources.code, spec);
  } catch (e) {
    if (e instanceof GeneratedImportError) {
      io.err(`meerkat replay: ${e.message}\n`);
      return ExitCode.Failed;
    }
    throw e;
  }
  let result;
  try {
    result = replayTrace(t, target);
  } catch (e) {
    io.err(`meerkat replay: ${(e as Error).message}\n`);
    return ExitCode.Failed;
  }
  io.out(`${t.machine} [${t.profile}] ${t.kind} ${t.name}: ${t.steps.length} step${t.steps.length === 1 ? "" : "s"} from ${spec.file}\n\n`);
  io.out(`${renderRows(result.rows)}\n\n`);
  io.out(`${result.reproduced ? "reproduced" : "NOT reproduced"}: ${result.message}\n`);
  return result.reproduced ? ExitCode.Ok : ExitCode.Failed;
}

export function registerReplay(program: Command, io: Io, result: { code: number }): void {
  program
    .command("replay")
    .description("re-run a trace file written by check and confirm the violation it shows")
    .argument("<trace>", "trace JSON file")
    .option("--spec <dir>", "directory of spec files", "spec")
    .option("--out <dir>", "generated code that must be in sync with --spec (default: generated, if it exists)")
    .action(async (file: string, opts: { spec: string; out?: string }) => {
      result.code = await replayCommand({ file, specDir: opts.spec, outDir: opts.out ?? "generated", outExplicit: opts.out !== undefined, root: process.cwd() }, io);
    });
}

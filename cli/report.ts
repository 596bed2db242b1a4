// `meerkat report <spec> -o out.html`: one self-contained HTML page for a spec: the diagram laid
// out by elkjs, the coverage of a check under a profile (fire counts per transition), and a stepper
// over the check's counterexamples, trace files (--trace) and runtime event logs (--events).

import { readFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { findSpecFiles, UsageError } from "../generator/load.js";
import { ExploreSetupError, UnknownProfileError, type Trace } from "../properties/explorer/index.js";
import { exploreCounting, readTraceFile, ReportInputError, writeReport, type CountedResult } from "../report/index.js";
import { loadSources } from "./check-sources.js";
import { GeneratedImportError, importCachedKernel } from "./generated-cache.js";
import { ExitCode, type Io } from "./io.js";

export interface ReportArgs {
  readonly spec: string;
  readonly output: string;
  readonly profile?: string;
  readonly check: boolean;
  readonly maxStates?: number;
  readonly traces: readonly string[];
  readonly events?: string;
  readonly specDir: string;
  readonly outDir: string;
  readonly root: string;
}

const toPosix = (p: string): string => p.split(sep).join("/");

export async function reportCommand(args: ReportArgs, io: Io): Promise<number> {
  let files: string[];
  try {
    files = findSpecFiles([resolve(args.root, args.spec)]).map((f) => toPosix(relative(args.root, f)));
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`meerkat report: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  if (files.length !== 1) {
    io.err(`meerkat report: give one spec file (${args.spec} names ${files.length})\n`);
    return ExitCode.Usage;
  }
  const sources = loadSources({ root: args.root, specDir: args.specDir, outDir: args.outDir, outExplicit: false, files: files.map((f) => resolve(args.root, f)) }, io);
  if (typeof sources === "number") return sources;
  const spec = sources.specs.find((s) => s.file === files[0]);
  if (!spec) {
    io.err(`meerkat report: ${files[0]} is not a machine or composition spec under ${args.specDir}/\n`);
    return ExitCode.Usage;
  }
  let target;
  try {
    target = await importCachedKernel(sources.code, spec);
  } catch (e) {
    if (e instanceof GeneratedImportError) {
      io.err(`meerkat report: ${e.message}\n`);
      return ExitCode.Failed;
    }
    throw e;
  }

  let counted: CountedResult | undefined;
  if (args.check) {
    const names = spec.profiles.map((p) => p.name);
    const profile = args.profile ?? (names.includes("ci") ? "ci" : (names[0] as string));
    try {
      counted = exploreCounting(target, { profile, ...(args.maxStates !== undefined ? { maxStates: args.maxStates } : {}) });
    } catch (e) {
      if (e instanceof ExploreSetupError || e instanceof UnknownProfileError) {
        io.err(`meerkat report: ${spec.file}: ${e.message}\n`);
        return ExitCode.Usage;
      }
      throw e;
    }
  }

  const name = target.kind === "machine" ? target.kernel.machine : target.kernel.composition;
  try {
    const traces: Trace[] = args.traces.map((f) => readTraceFile(resolve(args.root, f), f, name));
    let events: { text: string; file: string } | undefined;
    if (args.events !== undefined) {
      try {
        events = { text: readFileSync(resolve(args.root, args.events), "utf8"), file: args.events };
      } catch (e) {
        throw new ReportInputError("bad-event-log", args.events, `cannot read: ${(e as Error).message}`);
      }
    }
    const out = resolve(args.root, args.output);
    const written = await writeReport(out, {
      target,
      specFile: spec.file,
      ...(counted ? { result: counted.result, fired: counted.fired } : {}),
      traces,
      ...(events ? { events } : {}),
    });
    const r = counted?.result;
    const summary = r ? `${r.ok ? "ok" : `FAIL (${r.violations.length})`}, ${r.distinctStates.toLocaleString("en-US")} states` : "not checked";
    io.out(`report: ${toPosix(relative(args.root, written.file))} (${(written.bytes / 1024).toFixed(0)} KiB; ${spec.file}: ${summary})\n`);
  } catch (e) {
    if (e instanceof ReportInputError) {
      io.err(`meerkat report: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  return ExitCode.Ok;
}

export function registerReport(program: Command, io: Io, result: { code: number }): void {
  program
    .command("report")
    .description("write one self-contained HTML page: the diagram, the check's coverage and a stepper over its traces")
    .argument("<spec>", "machine or composition spec file")
    .requiredOption("-o, --output <file>", "the HTML file to write")
    .option("--profile <name>", "check profile (default: ci if the spec has it, else its first)")
    .option("--no-check", "do not explore: diagram and the given traces only")
    .option("--max-states <n>", "stop the exploration after this many distinct states")
    .option("--trace <file...>", "trace files written by meerkat check to open in the stepper")
    .option("--events <file>", "a runtime event log (JSON lines) to open in the stepper")
    .option("--spec <dir>", "directory of spec files", "spec")
    .option("--out <dir>", "directory of generated code", "generated")
    .action(
      async (
        specFile: string,
        opts: { output: string; profile?: string; check: boolean; maxStates?: string; trace?: string[]; events?: string; spec: string; out: string },
      ) => {
        const maxStates = opts.maxStates !== undefined ? Number(opts.maxStates) : undefined;
        if (maxStates !== undefined && (!Number.isInteger(maxStates) || maxStates < 1)) {
          io.err(`meerkat report: --max-states expects a positive integer, got "${opts.maxStates}"\n`);
          result.code = ExitCode.Usage;
          return;
        }
        result.code = await reportCommand(
          {
            spec: specFile,
            output: opts.output,
            ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
            check: opts.check,
            ...(maxStates !== undefined ? { maxStates } : {}),
            traces: opts.trace ?? [],
            ...(opts.events !== undefined ? { events: opts.events } : {}),
            specDir: opts.spec,
            outDir: opts.out,
            root: process.cwd(),
          },
          io,
        );
      },
    );
}

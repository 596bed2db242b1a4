// `meerkat generate [--check]`.

import { relative } from "node:path";
import { formatDiagnostics } from "../generator/diagnostics.js";
import { UsageError } from "../generator/load.js";
import { buildOutputs, checkOutputs, writeOutputs } from "../generator/pipeline.js";
import type { Command } from "commander";
import { checkAll } from "./check.js";
import { ExitCode, type Io } from "./io.js";

export interface GenerateArgs {
  readonly check: boolean;
  readonly specDir: string;
  readonly outDir: string;
  readonly root: string;
}

export function generateCommand(args: GenerateArgs, io: Io): number {
  let outputs;
  try {
    outputs = buildOutputs({ root: args.root, specDir: args.specDir, outDir: args.outDir });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`meerkat: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  if (outputs.diagnostics.length > 0) {
    io.err(`${formatDiagnostics(outputs.diagnostics)}\n`);
    return ExitCode.Failed;
  }
  const show = (p: string) => relative(args.root, p) || ".";
  if (args.check) {
    const drift = checkOutputs(outputs);
    if (drift.size === 0) {
      const n = [...outputs.files.values()].reduce((a, f) => a + f.size, 0);
      io.out(`generated files are in sync with ${outputs.specs.length} spec${outputs.specs.length === 1 ? "" : "s"} (${n} files checked)\n`);
      return ExitCode.Ok;
    }
    const lines: string[] = ["generated files are out of sync with the specs:"];
    for (const [dir, d] of drift) {
      for (const f of d.stale) lines.push(`  stale     ${show(dir)}/${f}  (differs from what its spec generates; edited by hand, or the spec changed)`);
      for (const f of d.missing) lines.push(`  missing   ${show(dir)}/${f}`);
      for (const f of d.orphaned) lines.push(`  orphaned  ${show(dir)}/${f}  (no spec generates it)`);
    }
    const flags = [args.specDir !== "spec" ? ` --spec ${args.specDir}` : "", args.outDir !== "generated" ? ` --out ${args.outDir}` : ""].join("");
    lines.push("", `fix: npx meerkat generate${flags}`);
    io.err(`${lines.join("\n")}\n`);
    return ExitCode.Failed;
  }
  const { written, removed } = writeOutputs(outputs);
  io.out(`validated ${outputs.specs.length} spec${outputs.specs.length === 1 ? "" : "s"}: ${outputs.specs.map((s) => s.name).join(", ")}\n`);
  io.out(`wrote ${written.length} files${removed.length > 0 ? `, removed ${removed.length} orphaned (${removed.map(show).join(", ")})` : ""}\n`);
  return ExitCode.Ok;
}

export function registerGenerate(program: Command, io: Io, result: { code: number }): void {
  program
    .command("generate")
    .description("validate the specs and write generated TypeScript (and docs)")
    .option("--check", "write nothing; exit 1 if generated files are stale, missing or orphaned")
    .option("--spec <dir>", "directory of spec files", "spec")
    .option("--out <dir>", "directory for generated code", "generated")
    .action((opts: { check?: boolean; spec: string; out: string }) => {
      result.code = generateCommand({ check: opts.check === true, specDir: opts.spec, outDir: opts.out, root: process.cwd() }, io);
    });
  program
    .command("start")
    .description("the main job: validate and generate every shipped spec, then check them all")
    .action(async () => {
      result.code = generateCommand({ check: false, specDir: "spec", outDir: "generated", root: process.cwd() }, io);
      if (result.code === ExitCode.Ok) result.code = await checkAll(io);
    });
}

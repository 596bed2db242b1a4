// `meerkat generate [--check]`: generated code under --out, contract docs under --docs.

import { dirname, join, relative } from "node:path";
import { checkOutputs, writeOutputs } from "../generator/pipeline.js";
import type { Command } from "commander";
import { checkAll } from "./check.js";
import { buildOrReport } from "./outputs.js";
import { ExitCode, type Io } from "./io.js";

export interface GenerateArgs {
  readonly check: boolean;
  readonly specDir: string;
  readonly outDir: string;
  /** Contract docs directory; default: docs/machines beside outDir (docsDirFor). */
  readonly docsDir?: string;
  readonly root: string;
}

/**
 * The default docs directory: `docs/machines` beside the code directory, so `generated` gives
 * `docs/machines` and a scratch `--out .tmp/x/generated` never touches the repository's docs.
 */
export function docsDirFor(outDir: string): string {
  return join(dirname(outDir), "docs", "machines");
}

export function generateCommand(args: GenerateArgs, io: Io): number {
  const outputs = buildOrReport({ root: args.root, specDir: args.specDir, outDir: args.outDir, docsDir: args.docsDir ?? docsDirFor(args.outDir) }, io);
  if (typeof outputs === "number") return outputs;
  const show = (p: string) => relative(args.root, p) || ".";
  if (args.check) {
    const drift = checkOutputs(outputs);
    if (drift.size === 0) {
      const n = [...outputs.files.values()].reduce((a, f) => a + f.size, 0);
      const specs = outputs.specs.length + outputs.policies.length;
      io.out(`generated files are in sync with ${specs} spec${specs === 1 ? "" : "s"} (${n} files checked)\n`);
      return ExitCode.Ok;
    }
    const lines: string[] = ["generated files are out of sync with the specs:"];
    for (const [dir, d] of drift) {
      for (const f of d.stale) lines.push(`  stale     ${show(dir)}/${f}  (differs from what its spec generates; edited by hand, or the spec changed)`);
      for (const f of d.missing) lines.push(`  missing   ${show(dir)}/${f}`);
      for (const f of d.orphaned) lines.push(`  orphaned  ${show(dir)}/${f}  (no spec generates it)`);
    }
    const customDocs = args.docsDir !== undefined && relative(docsDirFor(args.outDir), args.docsDir) !== "";
    const flags = [
      args.specDir !== "spec" ? ` --spec ${args.specDir}` : "",
      args.outDir !== "generated" ? ` --out ${args.outDir}` : "",
      customDocs ? ` --docs ${args.docsDir}` : "",
    ].join("");
    lines.push("", `fix: npx meerkat generate${flags}`);
    io.err(`${lines.join("\n")}\n`);
    return ExitCode.Failed;
  }
  const { written, removed } = writeOutputs(outputs);
  const names = [...outputs.specs, ...outputs.policies].map((s) => (s.kind === "policy" ? `${s.name} (policy)` : s.name));
  io.out(`validated ${names.length} spec${names.length === 1 ? "" : "s"}: ${names.join(", ")}\n`);
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
    .option("--docs <dir>", "directory for the contract docs (default: docs/machines beside the --out directory)")
    .action((opts: { check?: boolean; spec: string; out: string; docs?: string }) => {
      result.code = generateCommand({ check: opts.check === true, specDir: opts.spec, outDir: opts.out, ...(opts.docs !== undefined ? { docsDir: opts.docs } : {}), root: process.cwd() }, io);
    });
  program
    .command("start")
    .description("the main job: validate and generate every shipped spec, then check them all")
    .action(async () => {
      result.code = generateCommand({ check: false, specDir: "spec", outDir: "generated", root: process.cwd() }, io);
      if (result.code === ExitCode.Ok) result.code = await checkAll(io);
    });
}

// `meerkat export --promela <spec file> --profile <name> [-o <file>]`: the machine as a Promela
// model for SPIN, with the bounded domains of one check profile (properties/promela).

import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { exportPromela, PromelaUnsupportedError } from "../properties/promela/index.js";
import { ExitCode, type Io } from "./io.js";
import { loadOrReport } from "./outputs.js";

export interface ExportArgs {
  /** The machine spec file to export. */
  readonly promela: string | undefined;
  readonly profile: string | undefined;
  /** Output file; stdout when absent. */
  readonly out: string | undefined;
  readonly root: string;
}

export function exportCommand(args: ExportArgs, io: Io): number {
  if (args.promela === undefined) {
    io.err("meerkat: export needs a format and a spec: meerkat export --promela <spec file> --profile <name>\n");
    return ExitCode.Usage;
  }
  const loaded = loadOrReport([args.promela], args.root, io);
  if (typeof loaded === "number") return loaded;
  const model = loaded.specs[0];
  if (!model || model.kind !== "machine") {
    io.err(`meerkat: ${args.promela} is not a machine spec; Promela export takes one *.machine.json file\n`);
    return ExitCode.Usage;
  }
  const names = model.profiles.map((p) => p.name);
  const profile = args.profile ?? (names.length === 1 ? names[0] : undefined);
  if (profile === undefined || !names.includes(profile)) {
    const what = profile === undefined ? `machine ${model.name} has several check profiles; choose one with --profile` : `machine ${model.name} has no check profile "${profile}"`;
    io.err(`meerkat: ${what} (profiles: ${names.join(", ")})\n`);
    return ExitCode.Usage;
  }
  let text: string;
  try {
    text = exportPromela(model, profile);
  } catch (e) {
    if (e instanceof PromelaUnsupportedError) {
      io.err(`meerkat: cannot export ${model.file} to Promela: ${e.message}\n`);
      return ExitCode.Failed;
    }
    throw e;
  }
  if (args.out === undefined) {
    io.out(text);
    return ExitCode.Ok;
  }
  writeFileSync(args.out, text);
  io.out(`wrote ${args.out}: ${model.name} under profile ${profile} (check it with: spin -a ${args.out} && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan)\n`);
  return ExitCode.Ok;
}

export function registerExport(program: Command, io: Io, result: { code: number }): void {
  program
    .command("export")
    .description("export a machine spec as a Promela model for the SPIN model checker")
    .option("--promela <spec>", "the machine spec file to export as Promela")
    .option("--profile <name>", "check profile whose bounded domains the model uses")
    .option("-o, --out <file>", "write the model to this file instead of stdout")
    .action((opts: { promela?: string; profile?: string; out?: string }) => {
      result.code = exportCommand({ promela: opts.promela, profile: opts.profile, out: opts.out, root: process.cwd() }, io);
    });
}

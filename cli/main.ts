// The `meerkat` command line. Exit codes: 0 success, 1 spec errors, violations or drift, 2 usage.

import { Command, CommanderError } from "commander";
import { generateCommand } from "./generate.js";
import { ExitCode, type Io } from "./io.js";

export async function main(argv: readonly string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = new Command()
    .name("meerkat")
    .description("Model-checked agent lifecycle specs: validate, generate, check.")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run meerkat --help for usage)");

  program
    .command("generate")
    .description("validate the specs and write generated TypeScript (and docs)")
    .option("--check", "write nothing; exit 1 if generated files are stale, missing or orphaned")
    .option("--spec <dir>", "directory of spec files", "spec")
    .option("--out <dir>", "directory for generated code", "generated")
    .action((opts: { check?: boolean; spec: string; out: string }) => {
      code = generateCommand({ check: opts.check === true, specDir: opts.spec, outDir: opts.out, root: process.cwd() }, io);
    });

  program
    .command("start")
    .description("the main job: validate and generate every shipped spec")
    .action(() => {
      code = generateCommand({ check: false, specDir: "spec", outDir: "generated", root: process.cwd() }, io);
    });

  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.Ok;
      return ExitCode.Usage;
    }
    throw e;
  }
  return code;
}

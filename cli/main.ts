// The `meerkat` command line. Exit codes: 0 success, 1 spec errors, violations or drift, 2 usage.
// Each command lives in its own file and is registered below.

import { Command, CommanderError } from "commander";
import { registerCheck } from "./check.js";
import { registerExport } from "./export.js";
import { registerGenerate } from "./generate.js";
import { registerInit } from "./init.js";
import { UsageError } from "../generator/load.js";
import { ExitCode, type Io, type Registrar } from "./io.js";
import { registerReplay } from "./replay.js";
import { registerReport } from "./report.js";
import { registerServe } from "./serve.js";
import { registerWorker } from "./worker.js";

/** Commands, in the order `--help` lists them. Add a command by adding its registrar here. */
const COMMANDS: readonly Registrar[] = [registerInit, registerGenerate, registerCheck, registerReplay, registerReport, registerExport, registerServe, registerWorker];

export async function main(argv: readonly string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const result = { code: ExitCode.Ok as number };
  const program = new Command()
    .name("meerkat")
    .description("Model-checked agent lifecycle specs: validate, generate, check.")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run meerkat --help for usage)");
  for (const register of COMMANDS) register(program, io, result);
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.Ok;
      return ExitCode.Usage;
    }
    // A usage mistake that reached here untranslated still gets a message, not a stack trace.
    if (e instanceof UsageError) {
      io.err(`meerkat: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  return result.code;
}

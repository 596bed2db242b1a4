// The `meerkat` command line. Exit codes: 0 success, 1 spec errors, violations or drift, 2 usage.
// Each command lives in its own file and is registered below.

import { Command, CommanderError } from "commander";
import { ExitCode, type Io, type Registrar } from "./io.js";

/**
 * Commands, in the order `--help` lists them, each loaded on use: a command's module (and what it
 * imports: the checker, the generator, the runtime) is loaded only when that command runs or the
 * help lists them all. A `meerkat worker` then starts in a fraction of the time, which is what a
 * takeover after a crash waits for when a supervisor restarts workers. Add a command here.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Registrar>])[] = [
  ["init", async () => (await import("./init.js")).registerInit],
  ["generate", async () => (await import("./generate.js")).registerGenerate],
  ["check", async () => (await import("./check.js")).registerCheck],
  ["replay", async () => (await import("./replay.js")).registerReplay],
  ["report", async () => (await import("./report.js")).registerReport],
  ["export", async () => (await import("./export.js")).registerExport],
  ["serve", async () => (await import("./serve.js")).registerServe],
  ["worker", async () => (await import("./worker.js")).registerWorker],
];

export async function main(argv: readonly string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const result = { code: ExitCode.Ok as number };
  const program = new Command()
    .name("meerkat")
    .description("Model-checked agent lifecycle specs: validate, generate, check.")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run meerkat --help for usage)");
  // The named command alone when the first argument names one; otherwise (help, a typo) all of them.
  const named = COMMANDS.filter(([name]) => name === argv[2]);
  for (const [, load] of named.length > 0 ? named : COMMANDS) (await load())(program, io, result);
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.Ok;
      return ExitCode.Usage;
    }
    // A usage mistake that reached here untranslated still gets a message, not a stack trace.
    const { UsageError } = await import("../generator/load.js");
    if (e instanceof UsageError) {
      io.err(`meerkat: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  return result.code;
}

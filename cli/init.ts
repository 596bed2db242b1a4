// `meerkat init [dir]`: a spec folder to start from (the example machines and composition), with
// `$schema` references that resolve to the JSON Schemas of the installed package.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { COMPOSITION_SUFFIX, MACHINE_SUFFIX, POLICY_SUFFIX } from "../generator/load.js";
import { SCHEMA_DIR, TOOLCHAIN_ROOT } from "../generator/toolchain.js";
import { ExitCode, type Io } from "./io.js";

const TEMPLATES = join(TOOLCHAIN_ROOT, "spec", "examples");

function schemaFor(file: string): string {
  if (file.endsWith(MACHINE_SUFFIX)) return "machine.schema.json";
  if (file.endsWith(COMPOSITION_SUFFIX)) return "composition.schema.json";
  if (file.endsWith(POLICY_SUFFIX)) return "policy.schema.json";
  throw new Error(`not a spec template: ${file}`);
}

export function initCommand(args: { readonly dir: string; readonly root: string }, io: Io): number {
  const dir = resolve(args.root, args.dir);
  const names = readdirSync(TEMPLATES).filter((f) => f.endsWith(".json")).sort();
  const taken = names.filter((f) => existsSync(join(dir, f)));
  if (taken.length > 0) {
    io.err(`meerkat init: ${args.dir} already has ${taken.join(", ")}; nothing was written (choose another folder: meerkat init <dir>)\n`);
    return ExitCode.Usage;
  }
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const spec = JSON.parse(readFileSync(join(TEMPLATES, name), "utf8")) as Record<string, unknown>;
    const schema = relative(dir, join(SCHEMA_DIR, schemaFor(name))).split(sep).join("/");
    writeFileSync(join(dir, name), `${JSON.stringify({ ...spec, $schema: schema }, null, 2)}\n`);
  }
  const shown = relative(args.root, dir) || ".";
  io.out(`wrote ${names.length} specs to ${shown}/: ${names.join(", ")}\n`);
  io.out(`next: npx meerkat check ${shown}/${names.find((n) => n.endsWith(MACHINE_SUFFIX)) ?? names[0]}   (or npx meerkat generate --spec ${shown} --out <dir>)\n`);
  return ExitCode.Ok;
}

export function registerInit(program: Command, io: Io, result: { code: number }): void {
  program
    .command("init")
    .description("write example specs to start from into a folder (default: spec)")
    .argument("[dir]", "folder for the specs", "spec")
    .action((dir: string) => {
      result.code = initCommand({ dir, root: process.cwd() }, io);
    });
}

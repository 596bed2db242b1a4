// Loads spec files (machines first, then the compositions that refer to them by name) and runs
// every check, collecting all diagnostics from all files.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { checkComposition } from "./check-composition.js";
import { checkMachine } from "./check-machine.js";
import { checkPolicy, type PolicyJson } from "./check-policy.js";
import type { CompositionModel, MachineModel, PolicyModel, SpecModel } from "./model.js";
import { schemaDiagnostics } from "./schema-check.js";
import type { CompositionJson, MachineJson } from "./spec-json.js";
import { locate, parseSource } from "./source.js";

export const MACHINE_SUFFIX = ".machine.json";
export const COMPOSITION_SUFFIX = ".composition.json";
export const POLICY_SUFFIX = ".policy.json";

export interface LoadResult {
  readonly specs: readonly SpecModel[];
  /** Policy tables (`*.policy.json`), checked against the machines loaded with them. */
  readonly policies: readonly PolicyModel[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every spec file that was read, relative to the root. */
  readonly files: readonly string[];
}

export class UsageError extends Error {
  readonly code = "usage";
}

/**
 * Finds spec files under the given paths (files or directories, recursively): machines and
 * compositions, and policy tables when `withPolicies` (the loader; `meerkat check` explores only
 * machines and compositions).
 */
export function findSpecFiles(paths: readonly string[], withPolicies = false): string[] {
  const isSpecFile = (p: string) => p.endsWith(MACHINE_SUFFIX) || p.endsWith(COMPOSITION_SUFFIX) || (withPolicies && p.endsWith(POLICY_SUFFIX));
  const expected = `*${MACHINE_SUFFIX}${withPolicies ? `, *${COMPOSITION_SUFFIX} or *${POLICY_SUFFIX}` : ` or *${COMPOSITION_SUFFIX}`}`;
  const out: string[] = [];
  const visit = (p: string) => {
    if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name === "node_modules" || name.startsWith(".")) continue;
        const child = join(p, name);
        if (statSync(child).isDirectory() || isSpecFile(child)) visit(child);
      }
    } else if (isSpecFile(p)) out.push(resolve(p));
    else throw new UsageError(`${p} is not a spec file (expected ${expected})`);
  };
  for (const p of paths) visit(p);
  return [...new Set(out)];
}

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

/**
 * Loads and checks spec files. Compositions and policy tables resolve machine names against every
 * machine loaded, plus the machine specs that sit beside each composition or policy table.
 */
export function loadSpecs(paths: readonly string[], root: string = process.cwd()): LoadResult {
  const files = findSpecFiles(paths, true);
  for (const f of files.filter((f) => f.endsWith(COMPOSITION_SUFFIX) || f.endsWith(POLICY_SUFFIX))) {
    for (const sibling of findSpecFiles([dirname(f)])) if (sibling.endsWith(MACHINE_SUFFIX) && !files.includes(sibling)) files.push(sibling);
  }
  const diagnostics: Diagnostic[] = [];
  const machines = new Map<string, MachineModel>();
  const machineFiles = new Map<string, string>();
  const compositions: CompositionModel[] = [];
  const compositionFiles = new Map<string, string>();
  const shown = (f: string) => toPosix(relative(root, f)) || f;

  const read = (f: string) => {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      diagnostics.push({ code: "io", message: `cannot read file: ${(e as Error).message}`, file: shown(f), pointer: "" });
      return undefined;
    }
    const parsed = parseSource(shown(f), text);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      return undefined;
    }
    return parsed.source;
  };

  for (const f of files.filter((f) => f.endsWith(MACHINE_SUFFIX))) {
    const source = read(f);
    if (!source) continue;
    const schema = schemaDiagnostics("machine", source);
    if (schema.length > 0) {
      diagnostics.push(...schema);
      continue;
    }
    const json = source.json as MachineJson;
    const { model, diagnostics: ds } = checkMachine(source, json, shown(f));
    diagnostics.push(...ds);
    const prev = machineFiles.get(json.machine);
    if (prev !== undefined) {
      diagnostics.push(locate(source, "duplicate-name", `machine ${json.machine} is also defined in ${prev}`, "/machine"));
      continue;
    }
    machineFiles.set(json.machine, shown(f));
    if (model) machines.set(model.name, model);
  }
  for (const f of files.filter((f) => f.endsWith(COMPOSITION_SUFFIX))) {
    const source = read(f);
    if (!source) continue;
    const schema = schemaDiagnostics("composition", source);
    if (schema.length > 0) {
      diagnostics.push(...schema);
      continue;
    }
    const json = source.json as CompositionJson;
    // A composition over a machine that has errors of its own reports those, not a missing machine.
    const broken = Object.values(json.instances).some((i) => machineFiles.has(i.machine) && !machines.has(i.machine));
    if (broken) continue;
    const { model, diagnostics: ds } = checkComposition(source, json, shown(f), machines);
    diagnostics.push(...ds);
    // Spec names are global: the generated modules export types named after them.
    const clash = machineFiles.get(json.composition) ?? compositionFiles.get(json.composition);
    if (clash !== undefined) {
      const what = machineFiles.has(json.composition) ? "machine" : "composition";
      diagnostics.push(locate(source, "duplicate-name", `${json.composition} is already the name of the ${what} in ${clash}`, "/composition"));
      continue;
    }
    compositionFiles.set(json.composition, shown(f));
    if (model) compositions.push(model);
  }
  const policies: PolicyModel[] = [];
  const policyFiles = new Map<string, string>();
  const brokenMachines = new Set([...machineFiles.keys()].filter((name) => !machines.has(name)));
  for (const f of files.filter((f) => f.endsWith(POLICY_SUFFIX))) {
    const source = read(f);
    if (!source) continue;
    const schema = schemaDiagnostics("policy", source);
    if (schema.length > 0) {
      diagnostics.push(...schema);
      continue;
    }
    const json = source.json as PolicyJson;
    const { model, diagnostics: ds } = checkPolicy(source, json, shown(f), machines, brokenMachines);
    diagnostics.push(...ds);
    const prev = policyFiles.get(json.policy);
    if (prev !== undefined) {
      diagnostics.push(locate(source, "duplicate-name", `policy ${json.policy} is also defined in ${prev}`, "/policy"));
      continue;
    }
    policyFiles.set(json.policy, shown(f));
    if (model) policies.push(model);
  }
  const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  const specs: SpecModel[] = [...machines.values(), ...compositions].sort(byFile);
  return { specs, policies: policies.sort(byFile), diagnostics, files: files.map(shown).sort() };
}

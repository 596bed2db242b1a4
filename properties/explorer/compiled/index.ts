// Which successor path explores a machine: the compiled one (compile.ts, engine.ts) when its spec
// can be loaded and every construct it uses compiles, else the generic one, with the reason.
// Symmetry reduction is generic only (the compiled keys are not canonicalised).

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { AnyKernel, ProfileDesc } from "../../../kernel/descriptor.js";
import { loadSpecs } from "../../../generator/load.js";
import type { MachineModel } from "../../../generator/model.js";
// toolchain.js, not pipeline.js: the pipeline pulls in the TypeScript emitter (ts-morph), which workers need not load.
import { TOOLCHAIN_ROOT as PACKAGE_ROOT } from "../../../generator/toolchain.js";
import { IdSpace } from "../ids.js";
import type { SuccessorPath } from "../result.js";
import { choicesWorthTrying, denseContext, machineChoices, machineSystem } from "../machine-system.js";
import { compiledChoices, compileMachine } from "./compile.js";
import type { CompiledRun } from "./engine.js";
import { NotCompilable } from "./slots.js";


const models = new Map<string, MachineModel | string>();

/** The checked model of the spec a kernel was generated from, or why there is none. */
function modelOf(kernel: AnyKernel): MachineModel | string {
  const key = `${kernel.specFile}\u0000${kernel.machine}`;
  const known = models.get(key);
  if (known !== undefined) return known;
  const found = (() => {
    for (const root of [process.cwd(), PACKAGE_ROOT]) {
      const file = resolve(root, kernel.specFile);
      if (!file.endsWith(".machine.json") || !existsSync(file)) continue;
      const loaded = loadSpecs([file], root);
      if (loaded.diagnostics.length > 0) return `its spec ${kernel.specFile} has errors`;
      const m = loaded.specs.find((s): s is MachineModel => s.kind === "machine" && s.name === kernel.machine);
      if (m) return m;
    }
    return `its spec ${kernel.specFile} was not found`;
  })();
  models.set(key, found);
  return found;
}

export function compiledRun(kernel: AnyKernel, profile: ProfileDesc): CompiledRun | SuccessorPath {
  const generic = (reason: string): SuccessorPath => ({ path: "generic", reason });
  const m = modelOf(kernel);
  if (typeof m === "string") return generic(m);
  try {
    const ids = new IdSpace(profile);
    const sys = machineSystem(kernel, profile, ids);
    const { choices } = machineChoices(kernel, denseContext(profile, ids));
    const machine = compileMachine(kernel, m, profile, ids, compiledChoices(kernel, choices, ids));
    const phaseIndex = new Map(kernel.phases.map((p, i) => [p, i]));
    const indexes = (names: readonly string[]) => new Set(names.map((p) => phaseIndex.get(p) ?? -1));
    return {
      sys,
      machine,
      choiceCount: choices.length,
      worthTrying: choicesWorthTrying(kernel, choices),
      terminal: indexes(kernel.terminalPhases),
      deadlockAllowed: indexes(profile.allowDeadlockIn),
    };
  } catch (e) {
    if (e instanceof NotCompilable) return generic(`not compiled: ${e.message}`);
    throw e;
  }
}

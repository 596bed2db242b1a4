// The type of the trigger parameter `t` of a guard or fire function shared by several triggers:
// the union of their trigger types, or, when three or more triggers share it, the payload fields
// it reads (`{ readonly run: RunId }`) if those fields have one type in all of them (fire
// functions: from two triggers on, so the signature stays one line).

import type { MachineModel, TriggerModel } from "../model.js";
import { fill } from "./layout.js";
import { machineNames } from "./names.js";
import { typeCode } from "./ts-code.js";

export function triggerParamType(m: MachineModel, types: readonly string[], code: string, fromUnionOf = 3): string {
  const n = machineNames(m.name);
  const union = fill(types, " | ", 110);
  if (types.length < fromUnionOf) return union;
  const read = [...new Set([...code.matchAll(/(?<![\w.$])t\.(\w+)/g)].map((x) => x[1] as string))];
  const triggers = types.map((ty) => m.triggers.find((t) => n.triggerType(t.name, t.kind) === ty) as TriggerModel);
  const fields: [string, string][] = [];
  for (const f of read) {
    const codes = new Set(triggers.map((t) => t.fields.find((x) => x.name === f)).map((x) => (x === undefined ? "" : typeCode(x.type))));
    if (codes.size !== 1 || codes.has("")) return union;
    fields.push([f, [...codes][0] as string]);
  }
  return `{ ${fields.map(([f, t]) => `readonly ${f}: ${t}`).join("; ")} }`;
}

/** Whether generated code reads the trigger parameter `t`. */
export function readsTrigger(code: string): boolean {
  return /(^|[^\w.$])t\./m.test(code);
}

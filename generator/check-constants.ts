// Named id constants (`"constants": { "Root": "NodeId" }`): each is one fixed value of an id type,
// read by name in any expression or initial value; its run-time value is its name. The explorer
// gives each constant the first values of its type's profile domain and never renames them.

import type { TypeDesc } from "../kernel/types.js";
import { pointerOf } from "./diagnostics.js";
import type { Reporter } from "./check-common.js";
import type { MachineJson } from "./spec-json.js";

export interface CheckedConstants {
  /** Name → its id type, for the expression scope. */
  readonly scope: ReadonlyMap<string, TypeDesc>;
  /** In declaration order, for the model. */
  readonly list: readonly { readonly name: string; readonly type: string }[];
}

export function checkConstants(r: Reporter, json: MachineJson, named: ReadonlyMap<string, TypeDesc>, usedTypes: Set<string>): CheckedConstants {
  const scope = new Map<string, TypeDesc>();
  const list: { name: string; type: string }[] = [];
  const fields = new Set(Object.keys(json.state.fields ?? {}));
  const definitions = new Set(Object.keys(json.definitions ?? {}));
  const enumOwner = new Map<string, string>();
  for (const [t, d] of named) if (d.kind === "enum") for (const v of d.values) enumOwner.set(v, t);
  for (const [name, typeName] of Object.entries(json.constants ?? {})) {
    const p = pointerOf("constants", name);
    if (!r.checkName(name, p, "a constant name", ["phase"])) continue;
    const clash = fields.has(name) ? "a state field" : definitions.has(name) ? "a definition" : enumOwner.has(name) ? `a value of enum ${enumOwner.get(name) ?? ""}` : named.has(name) ? "a type" : null;
    if (clash) {
      r.error("duplicate-name", `constant ${name} has the name of ${clash}`, p);
      continue;
    }
    const t = named.get(typeName);
    if (!t) {
      r.error("unknown-type", `constant ${name} is of type "${typeName}", which is not declared`, p);
      continue;
    }
    if (t.kind !== "id") {
      r.error("type-mismatch", `constant ${name} is of type ${typeName}, which is ${t.kind === "enum" ? "an enum (its values are already named)" : `not an id type`}; constants name ids`, p);
      continue;
    }
    usedTypes.add(typeName);
    scope.set(name, t);
    list.push({ name, type: typeName });
  }
  return { scope, list };
}

// The kernel descriptor's type descriptions, each named type written once: a module-level
// `TYPES` table (an enum's values are its exported `..._VALUES`-style constant from facts.ts),
// and every field, trigger and effect refers to `TYPES.Name`. So a field list reads as one line
// per field, and changing an enum changes one line, not one per field that uses it.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { TypeDesc } from "../../kernel/types.js";
import type { FieldModel, MachineModel } from "../model.js";
import { constantName } from "./facts.js";
import { dataDoc, list, object, render, type Doc } from "./layout.js";

/** The named types a module can refer to, by name. */
export type NamedTypes = ReadonlyMap<string, TypeDesc>;

export function namedTypes(m: MachineModel): NamedTypes {
  return new Map(m.types.map((t) => [t.name, t.value]));
}

/** `const TYPES = { RunId: { kind: "id", name: "RunId" }, ... } satisfies ...;` (null when the module names no type). */
export function typesConst(named: NamedTypes): StatementStructures | null {
  if (named.size === 0) return null;
  const entries = [...named].map(([name, t]) => [name, namedTypeDoc(t)] as const);
  return {
    kind: StructureKind.VariableStatement,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Each named spec type's description, once (the descriptor's fields, triggers and effects refer to it)."],
    declarations: [{ name: "TYPES", initializer: `${render(object(entries), 0, 1000)} satisfies Readonly<Record<string, TypeDesc>>` }],
  };
}

function namedTypeDoc(t: TypeDesc): Doc {
  if (t.kind === "enum") return object([["kind", '"enum"'], ["name", JSON.stringify(t.name)], ["values", constantName(t.name)]]);
  return dataDoc(t);
}

/** A type description: `TYPES.Name` for a named type, else a literal over named parts. */
export function typeDoc(t: TypeDesc, named: NamedTypes): Doc {
  const name = "name" in t ? t.name : undefined;
  if (name !== undefined && isNamed(name, t, named)) return `TYPES.${name}`;
  switch (t.kind) {
    case "option":
    case "set":
    case "seq":
      return object([["kind", JSON.stringify(t.kind)], ["of", typeDoc(t.of, named)]]);
    case "map":
      return object([["kind", '"map"'], ["key", typeDoc(t.key, named)], ["value", typeDoc(t.value, named)]]);
    default:
      return dataDoc(t);
  }
}

function isNamed(name: string, t: TypeDesc, named: NamedTypes): boolean {
  const known = named.get(name);
  return known !== undefined && JSON.stringify(known) === JSON.stringify(t);
}

/** `[{ name: "run", type: TYPES.RunId }, ...]`. */
export function fieldsDoc(fields: readonly Pick<FieldModel, "name" | "type">[], named: NamedTypes): Doc {
  return list("[", fields.map((f) => object([["name", JSON.stringify(f.name)], ["type", typeDoc(f.type, named)]])), "]");
}

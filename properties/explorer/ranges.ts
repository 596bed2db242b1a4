// Finds int values outside their declared range inside a value of any spec type. The static
// checker normally rules this out; the explorer still checks every reached state and effect.

import type { FieldDesc } from "../../kernel/descriptor.js";
import type { TypeDesc, Value } from "../../kernel/types.js";

export interface RangeProblem {
  readonly name: string;
  readonly message: string;
}

export function containsInt(t: TypeDesc): boolean {
  switch (t.kind) {
    case "int":
      return true;
    case "bool":
    case "enum":
    case "id":
      return false;
    case "option":
    case "set":
    case "seq":
      return containsInt(t.of);
    case "map":
      return containsInt(t.key) || containsInt(t.value);
    case "record":
      return t.fields.some((f) => containsInt(f.type));
    case "tuple":
      return t.items.some(containsInt);
  }
}

/** The first int inside v that is outside its type, with that type. */
export function findOutOfRange(t: TypeDesc, v: Value): { readonly value: unknown; readonly type: TypeDesc & { kind: "int" } } | null {
  switch (t.kind) {
    case "int":
      return typeof v === "number" && Number.isInteger(v) && v >= t.min && v <= t.max ? null : { value: v, type: t };
    case "bool":
    case "enum":
    case "id":
      return null;
    case "option":
      return v === null ? null : findOutOfRange(t.of, v);
    case "set":
    case "seq":
      for (const x of v as Iterable<Value>) {
        const bad = findOutOfRange(t.of, x);
        if (bad) return bad;
      }
      return null;
    case "map":
      for (const [k, x] of v as ReadonlyMap<Value, Value>) {
        const bad = findOutOfRange(t.key, k) ?? findOutOfRange(t.value, x);
        if (bad) return bad;
      }
      return null;
    case "record":
      for (const f of t.fields) {
        const bad = findOutOfRange(f.type, (v as { readonly [field: string]: Value })[f.name] as Value);
        if (bad) return bad;
      }
      return null;
    case "tuple":
      for (let i = 0; i < t.items.length; i++) {
        const bad = findOutOfRange(t.items[i] as TypeDesc, (v as readonly Value[])[i] as Value);
        if (bad) return bad;
      }
      return null;
  }
}

/** Checks the listed fields of a record (a state or an effect payload); `prefix` qualifies names. */
export function fieldsRangeProblem(fields: readonly FieldDesc[], record: Readonly<Record<string, unknown>>, prefix: string): RangeProblem | null {
  for (const f of fields) {
    if (!containsInt(f.type)) continue;
    const bad = findOutOfRange(f.type, record[f.name] as Value);
    if (bad) {
      const name = `${prefix}${f.name}`;
      return { name, message: `${name} = ${JSON.stringify(bad.value)} is outside ${bad.type.name} (${bad.type.min}..${bad.type.max})` };
    }
  }
  return null;
}

// JSON form of spec values, for snapshots and traces. Sets and maps become sorted arrays, records
// JSON objects and tuples arrays, so the same value always serializes to the same text.

import { compareValues, intern, type Compound } from "./intern.js";
import type { TypeDesc, Value } from "./types.js";
import { describeType } from "./types.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toJson(type: TypeDesc, value: Value): JsonValue {
  switch (type.kind) {
    case "bool":
    case "int":
    case "enum":
    case "id":
      return value as JsonValue;
    case "option":
      return value === null ? null : toJson(type.of, value);
    case "seq":
      return (value as readonly Value[]).map((x) => toJson(type.of, x));
    case "set":
      return [...(value as ReadonlySet<Value>)].sort(compareValues).map((x) => toJson(type.of, x));
    case "map":
      return [...(value as ReadonlyMap<Value, Value>)]
        .sort(([a], [b]) => compareValues(a, b))
        .map(([k, v]) => [toJson(type.key, k), toJson(type.value, v)]);
    case "record": {
      // Fields in declared order, so the same record always serializes to the same text.
      const rec = value as { readonly [field: string]: Value };
      const out: { [key: string]: JsonValue } = {};
      for (const f of type.fields) out[f.name] = toJson(f.type, rec[f.name] as Value);
      return out;
    }
    case "tuple":
      return type.items.map((t, i) => toJson(t, (value as readonly Value[])[i] as Value));
  }
}

/** A problem found while decoding: where (a JSON pointer below the root) and what. */
export interface DecodeProblem {
  readonly pointer: string;
  readonly message: string;
}

export function fromJson(type: TypeDesc, json: unknown, pointer: string, problems: DecodeProblem[]): Value {
  const bad = (message: string): Value => {
    problems.push({ pointer, message });
    return null;
  };
  switch (type.kind) {
    case "bool":
      return typeof json === "boolean" ? json : bad(`expected bool, got ${show(json)}`);
    case "int":
      if (typeof json !== "number" || !Number.isInteger(json)) return bad(`expected an integer (${type.name}), got ${show(json)}`);
      if (json < type.min || json > type.max) return bad(`${json} is outside ${type.name} (${type.min}..${type.max})`);
      return json;
    case "enum":
      if (typeof json !== "string" || !type.values.includes(json)) {
        return bad(`expected one of ${type.values.join(", ")} (${type.name}), got ${show(json)}`);
      }
      return json;
    case "id":
      if (typeof json !== "string" || json.length === 0) return bad(`expected a non-empty ${type.name} string, got ${show(json)}`);
      return json;
    case "option":
      return json === null ? null : fromJson(type.of, json, pointer, problems);
    case "seq":
      if (!Array.isArray(json)) return bad(`expected an array (${describeType(type)}), got ${show(json)}`);
      return json.map((x, i) => fromJson(type.of, x, `${pointer}/${i}`, problems));
    case "set": {
      if (!Array.isArray(json)) return bad(`expected an array (${describeType(type)}), got ${show(json)}`);
      const out = new Set<Value>();
      json.forEach((x, i) => {
        const v = fromJson(type.of, x, `${pointer}/${i}`, problems);
        if (out.has(v)) problems.push({ pointer: `${pointer}/${i}`, message: `duplicate set element ${show(x)}` });
        out.add(v);
      });
      return out;
    }
    case "map": {
      if (!Array.isArray(json)) return bad(`expected an array of [key, value] pairs (${describeType(type)}), got ${show(json)}`);
      const out = new Map<Value, Value>();
      json.forEach((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) {
          problems.push({ pointer: `${pointer}/${i}`, message: `expected a [key, value] pair, got ${show(pair)}` });
          return;
        }
        const k = fromJson(type.key, pair[0], `${pointer}/${i}/0`, problems);
        if (out.has(k)) problems.push({ pointer: `${pointer}/${i}/0`, message: `duplicate map key ${show(pair[0])}` });
        out.set(k, fromJson(type.value, pair[1], `${pointer}/${i}/1`, problems));
      });
      return out;
    }
    case "record": {
      if (typeof json !== "object" || json === null || Array.isArray(json)) return bad(`expected an object (${describeType(type)}), got ${show(json)}`);
      const obj = json as Record<string, unknown>;
      const out: Record<string, Value> = {};
      for (const f of type.fields) {
        if (!Object.hasOwn(obj, f.name)) problems.push({ pointer: `${pointer}/${f.name}`, message: `missing field ${f.name} of ${type.name}` });
        else out[f.name] = fromJson(f.type, obj[f.name], `${pointer}/${f.name}`, problems);
      }
      for (const k of Object.keys(obj)) {
        if (!type.fields.some((f) => f.name === k)) problems.push({ pointer: `${pointer}/${k}`, message: `${type.name} has no field ${k}` });
      }
      return intern(out);
    }
    case "tuple": {
      if (!Array.isArray(json) || json.length !== type.items.length) {
        return bad(`expected an array of ${type.items.length} items (${describeType(type)}), got ${show(json)}`);
      }
      const items = type.items.map((t, i) => fromJson(t, json[i], `${pointer}/${i}`, problems));
      return intern(items as Compound);
    }
  }
}

export function show(x: unknown): string {
  if (x === undefined) return "nothing";
  const text = JSON.stringify(x);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// Record and tuple declarations under "types": each part's type resolved against the named types,
// in dependency order (a record may name a record declared after it), and checked to be a value
// type (bool, int, enum, id, record, tuple, or an Option of one), so records and tuples hold no
// collections and can be interned and compared by value (kernel/intern.ts).

import type { TypeDesc } from "../kernel/types.js";
import { describeType } from "../kernel/types.js";
import type { Reporter } from "./check-common.js";
import { pointerOf } from "./diagnostics.js";
import { isValueType } from "./expr/typed.js";
import type { NamedTypeJson } from "./spec-json.js";
import { parseTypeExpr } from "./type-expr.js";

type CompoundJson = Extract<NamedTypeJson, { kind: "record" | "tuple" }>;

/** Resolves the declarations into `named` (in place); returns them in declaration order. */
export function compoundTypes(decls: readonly (readonly [string, CompoundJson])[], named: Map<string, TypeDesc>, r: Reporter, usedTypes: Set<string>): Map<string, TypeDesc> {
  const pending = new Map(decls);
  const parts = (t: CompoundJson): [string, string, string][] =>
    t.kind === "record" ? Object.entries(t.fields).map(([f, text]) => [f, text, "fields"]) : t.items.map((text, i) => [String(i), text, "items"]);
  const namesIn = (t: CompoundJson): string[] => parts(t).flatMap(([, text]) => [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]));
  const resolved = new Map<string, TypeDesc>();
  for (let progress = true; progress && pending.size > 0; ) {
    progress = false;
    for (const [name, t] of pending) {
      if (namesIn(t).some((n) => pending.has(n))) continue;
      pending.delete(name);
      progress = true;
      const desc = resolve(name, t);
      named.set(name, desc);
      resolved.set(name, desc);
    }
  }
  for (const [name, t] of pending) {
    const inside = namesIn(t).filter((n) => pending.has(n));
    r.error("bad-type", `${t.kind} type ${name} contains itself (through ${[...new Set(inside)].join(", ")}); a value type cannot be recursive`, pointerOf("types", name));
  }

  function resolve(name: string, t: CompoundJson): TypeDesc {
    const typed: { name: string; type: TypeDesc }[] = [];
    for (const [part, text, key] of parts(t)) {
      const p = pointerOf("types", name, key, t.kind === "record" ? part : Number(part));
      if (t.kind === "record" && !r.checkName(part, p, "a record field")) continue;
      const parsed = parseTypeExpr(text, named);
      if (!parsed.ok) {
        r.exprError(p, text, { code: parsed.code, message: parsed.message, span: [parsed.start, parsed.end] });
        continue;
      }
      for (const ref of parsed.refs) usedTypes.add(ref);
      const inner = parsed.type.kind === "option" ? parsed.type.of : parsed.type;
      if (!isValueType(inner)) {
        r.declaredBroken.add(part);
        r.exprError(p, text, {
          code: "bad-type",
          message: `a ${t.kind} ${t.kind === "record" ? "field" : "item"} must be bool, int, enum, id, a record, a tuple or an Option of one, not ${describeType(parsed.type)}`,
          span: [0, text.length],
        });
        continue;
      }
      typed.push({ name: part, type: parsed.type });
    }
    return t.kind === "record" ? { kind: "record", name, fields: typed } : { kind: "tuple", name, items: typed.map((x) => x.type) };
  }
  return resolved;
}

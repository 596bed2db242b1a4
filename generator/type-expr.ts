// Parses type expressions such as `Option<CoinId>` or `Map<InputId, Seq<RunId>>` against the
// named types of a machine.

import type { TypeDesc } from "../kernel/types.js";
import { isValueType } from "./expr/typed.js";

export type TypeParse =
  | { readonly ok: true; readonly type: TypeDesc; readonly refs: readonly string[] }
  | { readonly ok: false; readonly code: "unknown-type" | "bad-type"; readonly message: string; readonly start: number; readonly end: number };

export function parseTypeExpr(text: string, named: ReadonlyMap<string, TypeDesc>): TypeParse {
  const toks = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*|[<>,]|\S/g)].map((m) => ({ s: m[0], at: m.index }));
  let i = 0;
  const refs: string[] = [];
  class Fail extends Error {
    constructor(
      readonly code: "unknown-type" | "bad-type",
      message: string,
      readonly start: number,
      readonly end: number,
    ) {
      super(message);
    }
  }
  const peek = () => toks[i];
  const expect = (s: string) => {
    const t = toks[i];
    if (!t || t.s !== s) {
      const at = t ? t.at : text.length;
      throw new Fail("bad-type", `expected "${s}" in type ${JSON.stringify(text)}`, at, at + (t ? t.s.length : 1));
    }
    i++;
  };
  const one = (): TypeDesc => {
    const t = toks[i++];
    if (!t) throw new Fail("bad-type", `type ${JSON.stringify(text)} ends too early`, text.length, text.length + 1);
    const span = [t.at, t.at + t.s.length] as const;
    const wrap = (kind: "Option" | "Set" | "Seq"): TypeDesc => {
      expect("<");
      const [inner, innerSpan] = spanned();
      expect(">");
      if (kind === "Option") {
        if (inner.kind === "option") throw new Fail("bad-type", "Option<Option<T>> is not allowed (none would be ambiguous)", ...span);
        return { kind: "option", of: inner };
      }
      if (!isValueType(inner)) throw new Fail("bad-type", `${kind} elements must be bool, int, enum, id, record or tuple types`, ...innerSpan);
      return { kind: kind === "Set" ? "set" : "seq", of: inner };
    };
    switch (t.s) {
      case "bool":
        return { kind: "bool" };
      case "Option":
      case "Set":
      case "Seq":
        return wrap(t.s);
      case "Map": {
        expect("<");
        const [key, keySpan] = spanned();
        expect(",");
        const [value, valueSpan] = spanned();
        expect(">");
        if (!isValueType(key)) throw new Fail("bad-type", "Map keys must be bool, int, enum, id, record or tuple types", ...keySpan);
        if (value.kind === "option") throw new Fail("bad-type", "Map values cannot be Option (a missing key already means none)", ...valueSpan);
        return { kind: "map", key, value };
      }
      default: {
        if (!/^[A-Za-z_]/.test(t.s)) throw new Fail("bad-type", `unexpected "${t.s}" in type ${JSON.stringify(text)}`, ...span);
        const found = named.get(t.s);
        if (!found) {
          const hint = t.s === "int" || t.s === "string" ? ` (declare a named ${t.s === "int" ? "int type with min and max" : "id type"} under "types")` : "";
          throw new Fail("unknown-type", `unknown type "${t.s}"${hint}`, ...span);
        }
        refs.push(t.s);
        return found;
      }
    }
  };
  // A nested type with the span of its text, so errors about it point at it rather than its container.
  const spanned = (): [TypeDesc, readonly [number, number]] => {
    const start = peek()?.at ?? text.length;
    const type = one();
    const last = toks[i - 1];
    return [type, [start, last ? last.at + last.s.length : text.length]];
  };
  try {
    const type = one();
    const rest = peek();
    if (rest) throw new Fail("bad-type", `unexpected "${rest.s}" after the type`, rest.at, rest.at + rest.s.length);
    return { ok: true, type, refs };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, code: e.code, message: e.message, start: e.start, end: e.end };
    throw e;
  }
}

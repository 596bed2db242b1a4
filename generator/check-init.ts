// A state field's initial value: one constant expression, or a choice of several (`oneOf`), which
// gives the machine several initial states (every combination of the fields' choices). The
// choices are a list of constant expressions, or the name of a finite type whose every value is a
// choice (`{ "oneOf": "Fill" }`); either way they become a list of typed constants here, so the
// emitter and the SPIN export never see the difference.

import { describeType, type TypeDesc } from "../kernel/types.js";
import { pointerOf } from "./diagnostics.js";
import { NO_FACTS, type Checker } from "./expr/check.js";
import type { TExpr } from "./expr/typed.js";
import { isTExpr, type Reporter } from "./check-common.js";
import type { FieldInitJson } from "./spec-json.js";

/** More choices than this for one field is refused: the initial states are their product. */
export const MAX_INIT_CHOICES = 1024;

export interface CheckedInit {
  /** The first choice: the field's value in `initialState()`. */
  readonly init: TExpr;
  /** As written, for the contract doc (`0`, `one of 0, 3`, `one of Fill`). */
  readonly initSource: string;
  /** Every choice in order, when the spec gives several (`oneOf`); absent for a single value. */
  readonly choices?: readonly TExpr[];
}

/** The values of a finite type, as constant expression sources (`3`, `Fill.Half`, `true`). */
function finiteValues(t: TypeDesc): string[] | null {
  switch (t.kind) {
    case "bool":
      return ["false", "true"];
    case "enum":
      return t.values.map((v) => `${t.name}.${v}`);
    case "int":
      return t.max - t.min + 1 > MAX_INIT_CHOICES ? null : Array.from({ length: t.max - t.min + 1 }, (_, i) => String(t.min + i));
    default:
      return null;
  }
}

/** Whether every value of `from` is a value of field type `to` (an int type within the field's range). */
function fits(from: TypeDesc, to: TypeDesc): boolean {
  if (from.kind === "bool") return to.kind === "bool";
  if (from.kind === "enum") return to.kind === "enum" && to.name === from.name;
  if (from.kind === "int") return to.kind === "int" && from.min >= to.min && from.max <= to.max;
  return false;
}

export function checkFieldInit(r: Reporter, checker: Checker, named: ReadonlyMap<string, TypeDesc>, field: string, t: TypeDesc, init: FieldInitJson): CheckedInit | undefined {
  const base = ["state", "fields", field, "init"] as const;
  const one = (pointer: string, src: string): TExpr | undefined => {
    const parsed = r.parseExpr(pointer, src);
    if (!parsed) return undefined;
    const te = checker.checkValue(parsed, t, NO_FACTS, `the initial value of ${field}`);
    if (!isTExpr(te)) {
      r.exprError(pointer, src, te);
      return undefined;
    }
    return te;
  };
  if (typeof init === "string") {
    const te = one(pointerOf(...base), init);
    return te ? { init: te, initSource: init } : undefined;
  }
  const oneOf = init.oneOf;
  if (typeof oneOf === "string") {
    const p = pointerOf(...base, "oneOf");
    const from = oneOf === "bool" ? ({ kind: "bool" } as const) : named.get(oneOf);
    const values = from ? finiteValues(from) : null;
    if (!from || !values) {
      const why = from ? `${oneOf} is an ${from.kind} type, which has no fixed list of values` : `${oneOf} is not a type`;
      r.error(from ? "type-mismatch" : "unknown-type", `the initial values of ${field} must be a finite type (an enum, an int type of at most ${MAX_INIT_CHOICES} values, or bool): ${why}`, p, `list the values instead: { "oneOf": [...] }`);
      return undefined;
    }
    if (!fits(from, t)) {
      const code = from.kind === "int" && t.kind === "int" ? "int-overflow" : "type-mismatch";
      const range = from.kind === "int" ? ` (${from.min}..${from.max})` : "";
      r.error(code, `field ${field} of type ${describeType(t)} cannot start as every value of ${oneOf}${range}`, p);
      return undefined;
    }
    const choices = values.map((src) => one(p, src));
    if (choices.some((c) => c === undefined)) return undefined;
    const typed = choices as TExpr[];
    return { init: typed[0] as TExpr, initSource: `one of ${oneOf}`, choices: typed };
  }
  const seen = new Map<string, number>();
  const typed: TExpr[] = [];
  let bad = false;
  oneOf.forEach((src, i) => {
    const p = pointerOf(...base, "oneOf", i);
    const key = src.replace(/\s+/g, "");
    const twice = seen.get(key);
    if (twice !== undefined) {
      r.error("duplicate-name", `initial value ${src} of ${field} is listed twice (items ${twice} and ${i})`, p);
      bad = true;
      return;
    }
    seen.set(key, i);
    const te = one(p, src);
    if (te) typed.push(te);
    else bad = true;
  });
  if (bad || typed.length === 0) return undefined;
  return { init: typed[0] as TExpr, initSource: `one of ${oneOf.join(", ")}`, ...(typed.length > 1 ? { choices: typed } : {}) };
}

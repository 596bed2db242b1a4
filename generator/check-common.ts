// Pieces shared by the machine and composition checkers: parsing expressions in place, turning
// checker errors into located diagnostics, predicates and check profiles.

import type { ProfileDesc } from "../kernel/descriptor.js";
import type { TypeDesc } from "../kernel/types.js";
import { pointerOf, type Diagnostic } from "./diagnostics.js";
import type { Expr, Stmt } from "./expr/ast.js";
import { Checker, NO_FACTS, type ExprError } from "./expr/check.js";
import { ExprSyntaxError } from "./expr/lexer.js";
import { KEYWORDS, parseExpr, parseStmts } from "./expr/parser.js";
import type { TExpr } from "./expr/typed.js";
import type { Predicate } from "./model.js";
import type { CheckJson } from "./spec-json.js";
import { locate, type SourceFile } from "./source.js";

export const DEFAULT_MAX_COLLECTION = 3;

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  /**
   * Names whose declaration was already reported (a field or payload field with a bad type, an
   * instance of an unknown machine). Later "unknown name" errors about them would only echo it.
   */
  readonly declaredBroken = new Set<string>();
  constructor(readonly source: SourceFile) {}

  error(code: Diagnostic["code"], message: string, pointer: string, hint?: string): void {
    this.diagnostics.push(locate(this.source, code, message, pointer, hint ? { hint } : {}));
  }

  exprError(pointer: string, src: string, e: ExprError): void {
    if ((e.code === "unknown-name" || e.code === "unknown-field") && this.declaredBroken.has(src.slice(e.span[0], e.span[1]))) return;
    this.diagnostics.push(locate(this.source, e.code, e.message, pointer, { expr: { source: src, start: e.span[0], end: e.span[1] }, ...(e.hint ? { hint: e.hint } : {}) }));
  }

  parseExpr(pointer: string, src: string): Expr | undefined {
    try {
      return parseExpr(src);
    } catch (e) {
      if (e instanceof ExprSyntaxError) {
        this.exprError(pointer, src, { code: "expr-syntax", message: e.message, span: e.span });
        return undefined;
      }
      throw e;
    }
  }

  parseStmts(pointer: string, src: string): Stmt[] | undefined {
    try {
      return parseStmts(src);
    } catch (e) {
      if (e instanceof ExprSyntaxError) {
        this.exprError(pointer, src, { code: "expr-syntax", message: e.message, span: e.span });
        return undefined;
      }
      throw e;
    }
  }

  /** A name used as a variable, field, phase or enum value must not be a keyword. */
  checkName(name: string, pointer: string, what: string, extraReserved: readonly string[] = []): boolean {
    if (KEYWORDS.has(name) || extraReserved.includes(name)) {
      this.error("reserved-name", `"${name}" is reserved and cannot be used as ${what}`, pointer);
      return false;
    }
    return true;
  }
}

export function isTExpr(x: TExpr | ExprError): x is TExpr {
  return "t" in x;
}

/** Type-checks named boolean predicates (invariants, witnesses). */
export function checkPredicates(r: Reporter, checker: Checker, preds: Record<string, string> | undefined, base: readonly (string | number)[]): Predicate[] {
  const out: Predicate[] = [];
  for (const [name, src] of Object.entries(preds ?? {})) {
    const pointer = pointerOf(...base, name);
    const parsed = r.parseExpr(pointer, src);
    if (!parsed) continue;
    const te = checker.checkValue(parsed, { kind: "bool" }, NO_FACTS, `${name}`);
    if (isTExpr(te)) out.push({ name, source: src, expr: te });
    else r.exprError(pointer, src, te);
  }
  return out;
}

export function checkProfiles(
  r: Reporter,
  check: CheckJson | undefined,
  idTypes: readonly string[],
  allTypes: ReadonlyMap<string, TypeDesc>,
  phases: readonly string[],
  terminal: readonly string[],
  /** The fields a profile may bound one by one (`collectionSizes`), by the name it uses for them. */
  boundable: ReadonlyMap<string, TypeDesc> = new Map(),
): ProfileDesc[] {
  const declared = Object.entries(check?.profiles ?? {});
  if (declared.length === 0) {
    return [
      {
        name: "default",
        domains: Object.fromEntries(idTypes.map((t) => [t, 2])),
        maxDepth: null,
        maxCollectionSize: DEFAULT_MAX_COLLECTION,
        intBounds: {},
        maxStates: null,
        allowDeadlockIn: [],
        symmetry: false,
      },
    ];
  }
  const out: ProfileDesc[] = [];
  for (const [name, p] of declared) {
    const base = ["check", "profiles", name];
    const domains: Record<string, number> = {};
    for (const [t, n] of Object.entries(p.domains ?? {})) {
      const known = allTypes.get(t);
      if (!known) r.error("bad-profile", `profile ${name} sets a domain for unknown type "${t}"`, pointerOf(...base, "domains", t));
      else if (known.kind !== "id") r.error("bad-profile", `profile ${name}: only id types take a domain size; ${t} is ${known.kind}`, pointerOf(...base, "domains", t));
      else domains[t] = n;
    }
    for (const t of idTypes) {
      if (domains[t] === undefined) {
        r.error("bad-profile", `profile ${name} gives no domain size for id type ${t}, so it cannot be explored`, pointerOf(...base), `add "domains": { "${t}": 2 }`);
      }
    }
    const intBounds: Record<string, { min: number; max: number }> = {};
    for (const [t, b] of Object.entries(p.ints ?? {})) {
      const pointer = pointerOf(...base, "ints", t);
      const known = allTypes.get(t);
      if (!known || known.kind !== "int") {
        r.error("bad-profile", known ? `profile ${name}: ${t} is not an int type` : `profile ${name} bounds unknown type "${t}"`, pointer);
        continue;
      }
      const min = b.min ?? known.min;
      const max = b.max ?? known.max;
      if (min < known.min || max > known.max || min > max) {
        r.error("bad-profile", `profile ${name}: ${t} bounds ${min}..${max} must be a non-empty part of its declared range ${known.min}..${known.max}`, pointer);
        continue;
      }
      intBounds[t] = { min, max };
    }
    const collectionSizes = checkCollectionSizes(r, name, p.collectionSizes, boundable, base);
    for (const [i, ph] of (p.allowDeadlockIn ?? []).entries()) {
      if (!phases.includes(ph)) r.error("unknown-phase", `unknown phase "${ph}"`, pointerOf(...base, "allowDeadlockIn", i));
      else if (terminal.includes(ph)) r.error("bad-profile", `${ph} is terminal; terminal phases never count as deadlocks`, pointerOf(...base, "allowDeadlockIn", i));
    }
    out.push({
      name,
      domains,
      maxDepth: p.maxDepth ?? null,
      maxCollectionSize: p.maxCollectionSize ?? DEFAULT_MAX_COLLECTION,
      intBounds,
      maxStates: p.maxStates ?? null,
      allowDeadlockIn: p.allowDeadlockIn ?? [],
      symmetry: p.symmetry ?? false,
      ...(p.complete === true ? { complete: true } : {}),
      ...(Object.keys(collectionSizes).length > 0 ? { collectionSizes } : {}),
    });
  }
  return out;
}

/** A profile's per-field collection bounds: each names a known field whose type is a Set, Seq or Map. */
function checkCollectionSizes(
  r: Reporter,
  profile: string,
  given: Readonly<Record<string, number>> | undefined,
  boundable: ReadonlyMap<string, TypeDesc>,
  base: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, n] of Object.entries(given ?? {})) {
    const pointer = pointerOf(...base, "collectionSizes", field);
    const t = boundable.get(field);
    if (!t) {
      const known = [...boundable.entries()].filter(([, ft]) => isCollection(ft)).map(([f]) => f);
      r.error("bad-profile", `profile ${profile} bounds unknown field "${field}"`, pointer, known.length > 0 ? `collection fields: ${known.join(", ")}` : "this spec has no collection field");
    } else if (!isCollection(t)) {
      r.error("bad-profile", `profile ${profile}: ${field} is ${t.kind}, not a Set, Seq or Map, so it takes no collection size`, pointer);
    } else out[field] = n;
  }
  return out;
}

function isCollection(t: TypeDesc): boolean {
  return t.kind === "set" || t.kind === "seq" || t.kind === "map";
}

// Order dependence of `for` loops, for symmetry reduction. Generated code visits a Set (or a Map's
// keys) of ids in id order, so when a loop's result depends on which element comes first, renaming
// ids changes what the transition does and merging renamed states is unsound. A loop over a Seq
// is fine (its order is part of the state and is renamed with it); so is a loop over Sets of ints,
// enums or bools (renaming ids does not reorder them). For a loop over ids the body must be
// provably order-insensitive: every iteration touches only its own key, or writes something all
// iterations agree on and nobody reads.

import type { TypeDesc } from "../kernel/types.js";
import type { TExpr, TStmt } from "./expr/typed.js";

/** Why a loop's outcome can depend on the order it visits ids in. */
export interface OrderDependence {
  /** The id type whose order the loop exposes. */
  readonly idType: string;
  /** What the body does that depends on the order. */
  readonly reason: string;
}

interface FieldUse {
  keyedWrites: number;
  setAdds: number;
  setRemoves: number;
  /** Sources (structural keys) of loop-invariant assignments. */
  assigns: Set<string>;
  other: string[];
  keyedReads: number;
  unkeyedReads: string[];
}

function use(uses: Map<string, FieldUse>, f: string): FieldUse {
  let u = uses.get(f);
  if (!u) {
    u = { keyedWrites: 0, setAdds: 0, setRemoves: 0, assigns: new Set(), other: [], keyedReads: 0, unkeyedReads: [] };
    uses.set(f, u);
  }
  return u;
}

/** The id type whose order iterating `over` exposes, or null. */
function iteratedIdType(over: TExpr): string | null {
  const t = over.t;
  if (t.kind === "set") return idTypeIn(t.of);
  return null;
}

/** The first id type inside a Set element: an id, or one in a record field or tuple item (their order follows the ids). */
function idTypeIn(t: TypeDesc): string | null {
  if (t.kind === "id") return t.name;
  if (t.kind === "option") return idTypeIn(t.of);
  const parts = t.kind === "record" ? t.fields.map((f) => f.type) : t.kind === "tuple" ? t.items : [];
  for (const p of parts) {
    const found = idTypeIn(p);
    if (found !== null) return found;
  }
  return null;
}

const KEYED_READS = new Set(["get", "getOr", "contains", "containsKey"]);

function isVar(e: TExpr | undefined, v: string): boolean {
  return e !== undefined && e.k === "var" && e.name === v;
}

/** The field a read-at-key goes to: `m.get(v)`, `s.contains(v)`, `m.keys.contains(v)`. */
function keyedField(e: TExpr, v: string): string | null {
  if (e.k !== "fn" || !KEYED_READS.has(e.fn) || !isVar(e.args[1], v)) return null;
  const obj = e.args[0];
  if (obj?.k === "field" && obj.inst === undefined) return obj.name;
  if (obj?.k === "fn" && obj.fn === "keys" && obj.args[0]?.k === "field" && obj.args[0].inst === undefined) return obj.args[0].name;
  return null;
}

function collectReads(e: TExpr, v: string, uses: Map<string, FieldUse>, vars: Set<string>): void {
  const keyed = keyedField(e, v);
  if (keyed !== null) {
    use(uses, keyed).keyedReads++;
    for (const a of (e as { args: readonly TExpr[] }).args.slice(2)) collectReads(a, v, uses, vars);
    return;
  }
  switch (e.k) {
    case "field":
      if (e.inst === undefined) use(uses, e.name).unkeyedReads.push(e.name);
      return;
    case "var":
      vars.add(e.name);
      return;
    case "lit":
    case "phase":
    case "bind":
    case "emptymap":
      return;
    case "not":
    case "neg":
      collectReads(e.e, v, uses, vars);
      return;
    case "bin":
      collectReads(e.l, v, uses, vars);
      collectReads(e.r, v, uses, vars);
      return;
    case "if":
      collectReads(e.c, v, uses, vars);
      collectReads(e.a, v, uses, vars);
      collectReads(e.b, v, uses, vars);
      return;
    case "quant":
      collectReads(e.over, v, uses, vars);
      collectReads(e.body, v, uses, vars);
      return;
    case "fn":
      for (const a of e.args) collectReads(a, v, uses, vars);
      return;
    case "setlit":
    case "seqlit":
    case "maplit":
      for (const a of e.items) collectReads(a, v, uses, vars);
      return;
  }
}

/** Fields an expression reads and whether it mentions any variable (loop or quantifier). */
function readsOf(e: TExpr): { fields: Set<string>; vars: Set<string> } {
  const uses = new Map<string, FieldUse>();
  const vars = new Set<string>();
  collectReads(e, "\u0000", uses, vars);
  return { fields: new Set(uses.keys()), vars };
}

function collectStmts(stmts: readonly TStmt[], v: string, uses: Map<string, FieldUse>, invariantAssigns: { field: string; e: TExpr }[]): void {
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        collectReads(s.e, v, uses, new Set());
        invariantAssigns.push({ field: s.field, e: s.e });
        use(uses, s.field).assigns.add(JSON.stringify(s.e));
        break;
      case "op": {
        for (const a of s.args) collectReads(a, v, uses, new Set());
        const u = use(uses, s.field);
        const atKey = isVar(s.args[0], v);
        const kind = s.fieldType.kind;
        if ((s.method === "put" || s.method === "remove") && atKey && (kind === "map" || kind === "set" || kind === "seq")) u.keyedWrites++;
        else if (s.method === "add" && atKey) u.keyedWrites++;
        else if (s.method === "add" && kind === "set") u.setAdds++;
        else if (s.method === "remove" && kind === "set") u.setRemoves++;
        else u.other.push(describeOp(s.field, s.method, kind));
        break;
      }
      case "if":
        collectReads(s.c, v, uses, new Set());
        collectStmts(s.then, v, uses, invariantAssigns);
        collectStmts(s.else, v, uses, invariantAssigns);
        break;
      case "for":
        // A nested loop reads its collection; its own variable is not the outer key, so every
        // keyed write inside it counts as unkeyed for the outer loop (handled by isVar above).
        collectReads(s.over, v, uses, new Set());
        collectStmts(s.body, v, uses, invariantAssigns);
        break;
    }
  }
}

function describeOp(field: string, method: string, kind: TypeDesc["kind"]): string {
  if (method === "push" || method === "pushFront" || method === "popFront") return `${field}.${method}(...) makes ${field}'s order follow the visiting order`;
  if (method === "clear") return `${field}.clear() does not commute with the other iterations' writes`;
  if (method === "put") return `${field}.put(k, ...) at a key other than the loop variable: two iterations may write the same key`;
  return `${field}.${method}(...) on a ${kind} at a key other than the loop variable`;
}

/**
 * Why `for v in over { body }` may depend on the order it visits ids in, or null when it cannot
 * (the collection holds no ids, it is a Seq, or the body is order-insensitive).
 */
export function loopOrderDependence(v: string, over: TExpr, body: readonly TStmt[]): OrderDependence | null {
  const idType = iteratedIdType(over);
  if (idType === null) return null;
  const uses = new Map<string, FieldUse>();
  const assigns: { field: string; e: TExpr }[] = [];
  collectStmts(body, v, uses, assigns);
  const written = new Set([...uses].filter(([, u]) => u.keyedWrites + u.setAdds + u.setRemoves + u.assigns.size + u.other.length > 0).map(([f]) => f));
  const fail = (reason: string): OrderDependence => ({ idType, reason });
  for (const [f, u] of uses) {
    if (u.other.length > 0) return fail(u.other[0] as string);
    const bulk = u.setAdds + u.setRemoves > 0;
    const assigned = u.assigns.size > 0;
    if (u.setAdds > 0 && u.setRemoves > 0) return fail(`${f} gets both adds and removes, which do not commute`);
    if ((bulk || assigned) && u.keyedWrites > 0) return fail(`${f} is written both at the loop variable's key and elsewhere`);
    if (bulk && assigned) return fail(`${f} is both assigned and changed in place`);
    if (assigned && u.assigns.size > 1) return fail(`${f} is assigned different values by different iterations`);
    if ((bulk || assigned) && u.keyedReads + u.unkeyedReads.length > 0) return fail(`${f} is read after earlier iterations may have written it`);
    if (u.keyedWrites > 0 && u.unkeyedReads.length > 0) return fail(`${f} is read beyond the loop variable's key (e.g. its size or other keys) while iterations write it`);
  }
  for (const a of assigns) {
    const r = readsOf(a.e);
    if (r.vars.size > 0) return fail(`${a.field} is assigned a value that depends on the loop or a quantifier variable, so the last iteration wins`);
    for (const f of r.fields) if (written.has(f)) return fail(`${a.field} is assigned from ${f}, which the loop writes`);
  }
  return null;
}

/** Every `for` loop (nested ones included) in the statements that is order-dependent over ids. */
export function orderDependentLoops(stmts: readonly TStmt[]): { readonly loopVar: string; readonly dependence: OrderDependence }[] {
  const out: { loopVar: string; dependence: OrderDependence }[] = [];
  const walk = (ss: readonly TStmt[]): void => {
    for (const s of ss) {
      if (s.k === "if") {
        walk(s.then);
        walk(s.else);
      } else if (s.k === "for") {
        const d = loopOrderDependence(s.v, s.over, s.body);
        if (d) out.push({ loopVar: s.v, dependence: d });
        walk(s.body);
      }
    }
  };
  walk(stmts);
  return out;
}

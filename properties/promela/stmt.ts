// Update statements (TStmt) lowered to Promela statements on the working copies of the fields a
// transition writes, in order, so later statements see earlier ones (as in the TypeScript emitter).
// `for` loops iterate a snapshot of the collection taken when the loop starts (`Array.from`).

import type { TExpr, TStmt } from "../../generator/expr/typed.js";
import { compileExpr, domainOf, elementOf, indexFor, withVar, type ExprScope } from "./expr.js";
import { assign, countedLoop, ifElse, raw, type PStmt } from "./pml.js";
import { inBound, valueAt, type ScalarDomain } from "./scalar.js";
import type { Scratch } from "./scratch.js";
import { cellRead, cellWrite, viewOf, writeEmpty, writeView, type Store } from "./store.js";
import { expect, scalar, type SetView, type View } from "./view.js";

export interface UpdateScope extends ExprScope {
  /** Working store of a field the transition writes. */
  work(field: string): Store;
  readonly scratch: Scratch;
  /**
   * Shared hidden ints for collection operations (never live across two statements), and `oob`:
   * set when a value outside a profile's int bound is added to a Set or as a Map key.
   */
  readonly tmp: { readonly a: string; readonly b: string; readonly i: string; readonly j: string; readonly oob: string };
}

export function compileStmts(stmts: readonly TStmt[], scope: UpdateScope): PStmt[] {
  return stmts.flatMap((s) => compileStmt(s, scope));
}

function compileStmt(s: TStmt, scope: UpdateScope): PStmt[] {
  switch (s.k) {
    case "assign": {
      const st = scope.work(s.field);
      const v = compileExpr(s.e, scope);
      if (st.k === "scalar") return cellWrite(st.cell, 0, expect(v, "scalar").e);
      if (!readsField(s.e, s.field)) return writeView(st, 0, v);
      const tmp = scope.scratch.store(s.e.t, "v");
      return [...writeView(tmp, 0, v), ...writeView(st, 0, viewOf(tmp))];
    }
    case "op":
      return compileOp(s, scope);
    case "if":
      return ifElse(expect(compileExpr(s.c, scope), "scalar").e, compileStmts(s.then, scope), compileStmts(s.else, scope));
    case "for": {
      const over = compileExpr(s.over, scope);
      const i = scope.scratch.int("i");
      if (over.k === "seq") {
        const snap = scope.scratch.store(s.over.t, "it");
        const q = expect(viewOf(snap), "seq");
        return [...writeView(snap, 0, over), ...countedLoop(i, "0", q.len, compileStmts(s.body, withVar(scope, s.v, q.at(i))))];
      }
      const elem = elementOf(s.over.t);
      const d = domainOf(elem, scope.profile, "a loop element");
      const keys: SetView = over.k === "map" ? { k: "set", size: over.size, mem: (x) => over.has(x) } : expect(over, "set");
      const snap = scope.scratch.store({ kind: "set", of: elem }, "it");
      const members = expect(viewOf(snap), "set");
      const body = compileStmts(s.body, withVar(scope, s.v, scalar(valueAt(d, i))));
      return [...writeView(snap, 0, keys), ...countedLoop(i, "0", String(d.size), ifElse(members.mem(i), body))];
    }
  }
}

function compileOp(s: TStmt & { k: "op" }, scope: UpdateScope): PStmt[] {
  const st = scope.work(s.field);
  const arg = (n: number): View => compileExpr(s.args[n] as TExpr, scope);
  const sc = (n: number): string => expect(arg(n), "scalar").e;
  const { a, b, i, j, oob } = scope.tmp;
  /** Adding a value outside the explored domain makes the successor out of bounds; removing one is a no-op. */
  const guarded = (d: ScalarDomain, x: string, write: PStmt[], adds: boolean): PStmt[] => ifElse(inBound(d, x), write, adds ? [assign(oob, "1")] : []);
  switch (st.k) {
    case "set": {
      if (s.method === "clear") return writeEmpty(st, 0);
      const d = domainOf(elementOf(s.fieldType), scope.profile, "a Set element");
      const x = sc(0);
      return guarded(d, x, cellWrite(st.bits, indexFor(d, x), s.method === "add" ? "1" : "0"), s.method === "add");
    }
    case "map": {
      if (s.method === "clear") return writeEmpty(st, 0);
      const d = domainOf(elementOf(s.fieldType), scope.profile, "a Map key");
      const out: PStmt[] = [];
      // The value is evaluated before the key's slot changes (it may read the map).
      let value: View | null = null;
      if (s.method === "put") {
        value = arg(1);
        if (readsField(s.args[1] as TExpr, s.field)) {
          if (value.k === "scalar") {
            out.push(assign(b, value.e));
            value = scalar(b);
          } else {
            const tmp = scope.scratch.store((s.args[1] as TExpr).t, "v");
            out.push(...writeView(tmp, 0, value));
            value = viewOf(tmp);
          }
        }
      }
      const key = sc(0);
      let k = indexFor(d, key);
      let inside = inBound(d, key);
      if (typeof k === "string") {
        out.push(assign(a, key));
        k = indexFor(d, a);
        inside = inBound(d, a);
      }
      if (value === null) return [...out, ...ifElse(inside, [...cellWrite(st.has, k, "0"), ...writeEmpty(st.val, k)])];
      return [...out, ...ifElse(inside, [...cellWrite(st.has, k, "1"), ...writeView(st.val, k, value)], [assign(oob, "1")])];
    }
    case "seq": {
      const len = cellRead(st.len, 0);
      const at = (x: string) => cellRead(st.elems, x);
      const fill = String(st.elems.fill);
      switch (s.method) {
        case "clear":
          return writeEmpty(st, 0);
        case "push":
          return [assign(at(len), sc(0)), assign(len, `${len} + 1`)];
        case "pushFront":
          return [
            assign(a, sc(0)),
            assign(i, len),
            { k: "do", branches: [{ guard: `${i} > 0`, body: [assign(at(i), at(`${i} - 1`)), raw(`${i}--`)] }, { guard: "else", body: [raw("break")] }] },
            assign(at("0"), a),
            assign(len, `${len} + 1`),
          ];
        case "popFront":
          return ifElse(`(${len} > 0)`, [
            ...countedLoop(i, "0", `${len} - 1`, [assign(at(i), at(`${i} + 1`))]),
            assign(at(`${len} - 1`), fill),
            assign(len, `${len} - 1`),
          ]);
        case "removeAt":
          // Shifts the items after the index left by one, as splice(index, 1); no-op out of range.
          return [
            assign(a, sc(0)),
            ...ifElse(`((${a} >= 0) && (${a} < ${len}))`, [
              ...countedLoop(i, a, `${len} - 1`, [assign(at(i), at(`${i} + 1`))]),
              assign(at(`${len} - 1`), fill),
              assign(len, `${len} - 1`),
            ]),
          ];
        case "remove":
          // Keeps every item not equal to the argument, in order (removeAll), then refills the tail.
          return [
            assign(a, sc(0)),
            assign(j, "0"),
            ...countedLoop(i, "0", len, ifElse(`(${at(i)} != ${a})`, [assign(at(j), at(i)), raw(`${j}++`)])),
            ...countedLoop(i, j, len, [assign(at(i), fill)]),
            assign(len, j),
          ];
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  throw new Error(`internal: ${s.method} on a ${st.k} field`);
}

/** Whether e reads field `name` anywhere (then writing it while evaluating e needs a scratch copy). */
export function readsField(e: TExpr, name: string): boolean {
  switch (e.k) {
    case "field":
      return e.name === name && e.inst === undefined;
    case "not":
    case "neg":
      return readsField(e.e, name);
    case "bin":
      return readsField(e.l, name) || readsField(e.r, name);
    case "if":
      return readsField(e.c, name) || readsField(e.a, name) || readsField(e.b, name);
    case "quant":
      return readsField(e.over, name) || readsField(e.body, name);
    case "fn":
      return e.args.some((x) => readsField(x, name));
    case "setlit":
    case "seqlit":
    case "maplit":
      return e.items.some((x) => readsField(x, name));
    default:
      return false;
  }
}

// How long a Seq can get in the middle of a transition. The state holds at most maxCollectionSize
// items per Seq (a longer successor is out of bounds and dropped), but updates may push past that
// before a later popFront brings it back, so scratch copies get room for the worst case: an upper
// bound on every Seq length at every point of every transition's updates.

import type { TypeDesc } from "../../kernel/types.js";
import type { MachineModel } from "../../generator/model.js";
import type { TExpr, TStmt } from "../../generator/expr/typed.js";
import { scalarDomain } from "./scalar.js";
import type { ProfileDesc } from "../../kernel/descriptor.js";

type Bounds = Map<string, number>;

export function containsSeq(t: TypeDesc): boolean {
  switch (t.kind) {
    case "seq":
      return true;
    case "option":
      return containsSeq(t.of);
    case "map":
      return containsSeq(t.value);
    default:
      return false;
  }
}

/** Scratch capacity for every Seq: at least maxCollectionSize, and never exceeded by any update. */
export function scratchSeqCapacity(m: MachineModel, profile: ProfileDesc): number {
  const max = profile.maxCollectionSize;
  let peak = max;
  const note = (n: number) => {
    peak = Math.max(peak, n);
  };
  const start = (): Bounds => new Map(m.fields.filter((f) => containsSeq(f.type)).map((f) => [f.name, max]));

  /** Longest Seq inside the value of e. */
  const ub = (e: TExpr, b: Bounds): number => {
    switch (e.k) {
      case "field":
        return b.get(e.name) ?? 0;
      case "seqlit":
        return e.items.length;
      case "if":
        return Math.max(ub(e.a, b), ub(e.b, b));
      case "fn":
        return containsSeq(e.t) ? Math.max(0, ...e.args.map((a) => ub(a, b))) : 0;
      default:
        return 0;
    }
  };
  /** How many times a loop over e can run. */
  const iterations = (e: TExpr, b: Bounds): number => {
    const t = e.t;
    if (t.kind === "seq") return ub(e, b);
    const elem = t.kind === "set" ? t.of : t.kind === "map" ? t.key : undefined;
    if (elem && (elem.kind === "bool" || elem.kind === "int" || elem.kind === "enum" || elem.kind === "id")) return scalarDomain(elem, profile).size;
    return 0;
  };
  const join = (a: Bounds, c: Bounds): Bounds => new Map([...a].map(([k, v]) => [k, Math.max(v, c.get(k) ?? 0)]));

  const run = (stmts: readonly TStmt[], b0: Bounds): Bounds => {
    let b = new Map(b0);
    for (const s of stmts) {
      switch (s.k) {
        case "assign":
          if (b.has(s.field)) b.set(s.field, ub(s.e, b));
          break;
        case "op": {
          const cur = b.get(s.field);
          if (cur === undefined) break;
          if (s.method === "push" || s.method === "pushFront") b.set(s.field, cur + 1);
          else if (s.method === "clear" && s.fieldType.kind === "seq") b.set(s.field, 0);
          else if (s.method === "put") b.set(s.field, Math.max(cur, ub(s.args[1] as TExpr, b)));
          break;
        }
        case "if":
          b = join(run(s.then, b), run(s.else, b));
          break;
        case "for": {
          const n = iterations(s.over, b);
          note(ub(s.over, b));
          let acc = b;
          let cur = b;
          for (let i = 0; i < n; i++) {
            cur = run(s.body, cur);
            acc = join(acc, cur);
          }
          b = acc;
          break;
        }
      }
      for (const v of b.values()) note(v);
    }
    return b;
  };
  for (const t of m.transitions) run(t.updates, start());
  return peak;
}

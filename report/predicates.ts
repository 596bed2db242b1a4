// The invariants a report can name, with the state fields each reads (qualified in compositions),
// so a violated one is shown with the values that break it.

import type { PredicateDesc } from "../kernel/descriptor.js";
import type { ReportTarget } from "./graph.js";
import type { InvariantView } from "./model.js";

/** Fields read by a predicate: its `reads` when generated, else the field names its source mentions. */
function readsOf(p: PredicateDesc<never>, fields: readonly string[]): string[] {
  if (p.reads !== undefined) return [...p.reads];
  const words = new Set(p.source.match(/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?/g) ?? []);
  const heads = new Set([...words].map((w) => w.split(".")[0] as string));
  return fields.filter((f) => words.has(f) || heads.has(f));
}

/** Every invariant the explorer checks for the target, as the explorer names them. */
export function invariantsOf(target: ReportTarget): InvariantView[] {
  if (target.kind === "machine") {
    const fields = ["phase", ...target.kernel.fields.map((f) => f.name)];
    return target.kernel.invariants.map((p) => ({ name: p.name, source: p.source, reads: readsOf(p as PredicateDesc<never>, fields) }));
  }
  const k = target.kernel;
  const qualified = Object.entries(k.instances).flatMap(([name, m]) => ["phase", ...m.fields.map((f) => f.name)].map((f) => `${name}.${f}`));
  const own = k.invariants.map((p) => ({ name: p.name, source: p.source, reads: readsOf(p as PredicateDesc<never>, qualified) }));
  const inner = Object.entries(k.instances).flatMap(([name, m]) => {
    const fields = ["phase", ...m.fields.map((f) => f.name)];
    return m.invariants.map((p) => ({ name: `${name}.${p.name}`, source: p.source, reads: readsOf(p as PredicateDesc<never>, fields).map((f) => `${name}.${f}`) }));
  });
  return [...own, ...inner];
}

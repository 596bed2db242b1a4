// Lifecycle facts the spec annotates, as typed constants the runtime and the oracles import
// instead of restating them: each enum's values, an enum's terminal and live values, and which
// triggers the runtime persists, and the error code each refusal carries.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { MachineModel, RefusalsModel } from "../model.js";
import { fill, list, object, packedList, render } from "./layout.js";
import { machineNames } from "./names.js";

/** `InputPhase` → `INPUT_PHASES`, `OpStatus` → `OP_STATUSES`. */
export function constantName(typeName: string): string {
  const snake = typeName.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
  return /(S|X|CH|SH)$/.test(snake) ? `${snake}ES` : `${snake}S`;
}

const strings = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x));

function constant(name: string, type: string, initializer: string, docs: string[] = []): StatementStructures {
  return { kind: StructureKind.VariableStatement, isExported: true, declarationKind: VariableDeclarationKind.Const, docs, declarations: [{ name, type, initializer }] };
}

/** Every guard name, in first-use order: the generated GuardName union and the refusal table. */
export function guardNames(m: MachineModel): string[] {
  return [...new Set(m.transitions.flatMap((t) => t.guards.map((g) => g.name)))];
}

/**
 * The refusal codes: the code union, a total guard → code table (the default filled in), the
 * phase table, and `refusalCode`, so the runtime maps a refusal without naming a guard.
 */
function refusalStatements(m: MachineModel, refusals: RefusalsModel): StatementStructures[] {
  const n = machineNames(m.name);
  const code = n.refusalCode;
  const guards = guardNames(m);
  const guardEntries = object(guards.map((g) => [g, JSON.stringify(refusals.guards[g] ?? refusals.default)] as const));
  const phaseEntries = object(Object.entries(refusals.phases).map(([p, c]) => [p, JSON.stringify(c)] as const));
  const table = (entries: typeof guardEntries) =>
    typeof entries === "string" || entries.items.length === 0 ? "Object.freeze({})" : render(packedList({ ...entries, open: "Object.freeze({ ", close: " })" }), 0, 100);
  return [
    { kind: StructureKind.TypeAlias, isExported: true, name: code, docs: ["Every error code a refusal carries (spec: refusals.codes)."], type: fill(strings(refusals.codes), " | ", 90) },
    constant("REFUSAL_CODES", `readonly ${code}[]`, render(packedList(list("Object.freeze([", strings(refusals.codes), "])")), 0, `export const REFUSAL_CODES: readonly ${code}[] = `.length)),
    constant("DEFAULT_REFUSAL", code, JSON.stringify(refusals.default), ["The code of a refusal no phase or guard entry covers (spec: refusals.default)."]),
    constant("GUARD_REFUSALS", guards.length === 0 ? "{}" : `{ readonly [G in ${n.guardName}]: ${code} }`, table(guardEntries), [
      "The code each guard's refusal carries (spec: refusals.guards, the default for the others).",
    ]),
    constant("PHASE_REFUSALS", `{ readonly [P in Phase]?: ${code} }`, table(phaseEntries), ["The code of every refusal in these phases, before any guard's (spec: refusals.phases)."]),
    {
      kind: StructureKind.Function,
      isExported: true,
      name: "refusalCode",
      docs: ["The error code of a refusal: its phase's, else its guard's, else the default."],
      parameters: [{ name: "refusal", type: guards.length === 0 ? "{ readonly phase: Phase }" : `{ readonly phase: Phase; readonly guard?: ${n.guardName} }` }],
      returnType: code,
      statements:
        guards.length === 0
          ? ["return PHASE_REFUSALS[refusal.phase] ?? DEFAULT_REFUSAL;"]
          : ["return PHASE_REFUSALS[refusal.phase] ?? (refusal.guard === undefined ? DEFAULT_REFUSAL : GUARD_REFUSALS[refusal.guard]);"],
    },
  ];
}

export function factStatements(m: MachineModel): StatementStructures[] {
  const out: StatementStructures[] = [];
  for (const t of m.types) {
    if (t.value.kind !== "enum") continue;
    out.push(constant(constantName(t.name), `readonly ${t.name}[]`, `Object.freeze([${fill(strings(t.value.values), ", ", 90)}])`, [`Every ${t.name} value, in declared order.`]));
  }
  for (const e of m.enumFacts) {
    const live = e.values.filter((v) => !e.terminal.includes(v));
    const union = (xs: readonly string[]) => (xs.length === 0 ? "never" : fill(strings(xs), " | ", 90));
    out.push({ kind: StructureKind.TypeAlias, isExported: true, name: `Terminal${e.name}`, docs: [`The ${e.name} values that are final (spec: types.${e.name}.terminal).`], type: union(e.terminal) });
    out.push({ kind: StructureKind.TypeAlias, isExported: true, name: `Live${e.name}`, docs: [`The ${e.name} values that are not final.`], type: union(live) });
    const set = (xs: readonly string[]) => `new Set<${e.name}>([${fill(strings(xs), ", ", 90)}])`;
    out.push(constant(`TERMINAL_${constantName(e.name)}`, `ReadonlySet<${e.name}>`, set(e.terminal)));
    out.push(constant(`LIVE_${constantName(e.name)}`, `ReadonlySet<${e.name}>`, set(live)));
    out.push({
      kind: StructureKind.Function,
      isExported: true,
      name: `isTerminal${e.name}`,
      parameters: [{ name: "value", type: e.name }],
      returnType: `value is Terminal${e.name}`,
      statements: [`return TERMINAL_${constantName(e.name)}.has(value);`],
    });
  }
  if (m.persistence !== null) {
    const n = machineNames(m.name);
    const persistence = m.persistence;
    // A table of short entries: packed several to a line, in trigger order.
    const entries = object(m.triggers.map((t) => [t.name, JSON.stringify(persistence[t.name])] as const));
    out.push(
      constant(
        "TRIGGER_PERSISTENCE",
        `{ readonly [K in ${n.triggerName}]: "persisted" | "transient" }`,
        render(packedList({ ...(entries as Exclude<typeof entries, string>), open: "Object.freeze({ ", close: " })" }), 0, 100),
        ["Whether the runtime stores a committed transition of each trigger (spec: persistence)."],
      ),
    );
    const persisted = m.triggers.filter((t) => persistence[t.name] === "persisted").map((t) => t.name);
    out.push(constant("PERSISTED_TRIGGERS", `ReadonlySet<${n.triggerName}>`, render(packedList(list(`new Set<${n.triggerName}>([`, strings(persisted), "])")), 0, 60)));
  }
  if (m.refusals !== null) out.push(...refusalStatements(m, m.refusals));
  return out;
}

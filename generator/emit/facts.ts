// Lifecycle facts the spec annotates, as typed constants the runtime and the oracles import
// instead of restating them: each enum's values, an enum's terminal and live values, and which
// triggers the runtime persists.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { MachineModel } from "../model.js";
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
  return out;
}

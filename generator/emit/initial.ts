// Emits a machine's initial states: `initialState()` (every field at its first initial value: the
// state the runtime starts a new instance in) and `initialStates()` (every combination of the
// fields' initial choices, first field slowest, `initialState()` first: what the explorer seeds).

import { StructureKind, type StatementStructures } from "ts-morph";
import type { MachineModel } from "../model.js";
import { list, object, packedList, render } from "./layout.js";
import { machineNames } from "./names.js";
import { exprDoc, typeCode, type CodeContext, type HelperUse } from "./ts-code.js";

const CONSTANT: CodeContext = { field: () => "undefined", phase: () => "undefined" };

export function initialStatements(m: MachineModel, h: HelperUse): StatementStructures[] {
  const n = machineNames(m.name);
  const first = object([["phase", JSON.stringify(m.initialPhase)], ...m.fields.map((f) => [f.name, exprDoc(f.init, CONSTANT, h)] as const)]);
  const single: StatementStructures = {
    kind: StructureKind.Function,
    isExported: true,
    name: "initialState",
    docs: m.fields.some((f) => f.choices) ? ["The state a new instance starts in: the first of initialStates()."] : [],
    returnType: n.state,
    statements: [`return ${render(first, 2, 9)};`],
  };
  const choosing = m.fields.filter((f) => f.choices !== undefined);
  if (choosing.length === 0) {
    return [
      single,
      { kind: StructureKind.Function, isExported: true, name: "initialStates", docs: ["Every initial state: this machine has one."], returnType: `readonly ${n.state}[]`, statements: ["return [initialState()];"] },
    ];
  }
  const lines: string[] = [];
  for (const f of choosing) {
    const values = render(packedList(list("[", (f.choices ?? []).map((c) => exprDoc(c, CONSTANT, h)), "]")), 0, `const c_${f.name}: readonly ${typeCode(f.type)}[] = `.length);
    lines.push(`const c_${f.name}: readonly ${typeCode(f.type)}[] = ${values};`);
  }
  lines.push(`const out: ${n.state}[] = [];`);
  const state = object([["phase", JSON.stringify(m.initialPhase)], ...m.fields.map((f) => [f.name, f.choices ? `v_${f.name}` : exprDoc(f.init, CONSTANT, h)] as const)]);
  const depth = choosing.length;
  choosing.forEach((f, i) => lines.push(`${"  ".repeat(i)}for (const v_${f.name} of c_${f.name}) {`));
  const pad = "  ".repeat(depth);
  lines.push(`${pad}out.push(${render(state, 0, 2 * depth + 11)});`.replace(/\n/g, `\n${pad}`));
  for (let i = depth - 1; i >= 0; i--) lines.push(`${"  ".repeat(i)}}`);
  lines.push("return out;");
  return [
    single,
    {
      kind: StructureKind.Function,
      isExported: true,
      name: "initialStates",
      docs: [`Every initial state: each combination of the initial choices of ${choosing.map((f) => f.name).join(", ")} (the first field varies slowest).`],
      returnType: `readonly ${n.state}[]`,
      statements: [lines.join("\n")],
    },
  ];
}

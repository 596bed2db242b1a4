// Emits one composition module: the composed state type, the entry inputs (with their environment
// assumptions), the typed route table (each route builds the consumer's trigger from the producer's
// effect), the instance transitions left out of its check, invariants, witnesses and profiles.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { CompositionModel } from "../model.js";
import { kernelImport } from "./imports.js";
import { dataDoc, hangingList, list, object, packedList, prefixed, render, stringDoc, type Doc } from "./layout.js";
import { literal } from "./literal.js";
import { objectLiteral, objectType } from "./writers.js";
import { compositionNames, machineNames } from "./names.js";
import { exprCode, exprDoc, HelperUse, type CodeContext } from "./ts-code.js";

export function compositionStatements(c: CompositionModel, kernelSpecifier: string, machineImport: (machineFile: string) => string): StatementStructures[] {
  const n = compositionNames(c.name);
  const h = new HelperUse();
  const body: StatementStructures[] = [];
  const machines = [...new Map(c.instances.map((i) => [i.machine.name, i.machine])).values()];

  const imports: StatementStructures[] = machines.map((m) => {
    const mn = machineNames(m.name);
    const routeTypes = c.routes.flatMap((r) => {
      const out: string[] = [];
      const from = c.instances.find((i) => i.name === r.from.instance)?.machine;
      const to = c.instances.find((i) => i.name === r.to.instance)?.machine;
      if (from === m) out.push(mn.effectType(r.from.effect));
      if (to === m) out.push(mn.triggerType(r.to.trigger, r.to.kind));
      return out;
    });
    const names = [...new Set([mn.state, ...routeTypes])].sort().map((name) => ({ name, isTypeOnly: true }));
    return {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: machineImport(m.file),
      namedImports: [{ name: mn.kernel }, ...names].sort((a, b) => a.name.localeCompare(b.name)),
    };
  });

  body.push({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: n.state,
    type: objectType(c.instances.map((i) => [i.name, machineNames(i.machine.name).state] as const)),
  });

  const stateCtx: CodeContext = { field: (f, inst) => `s.${inst}.${f}`, phase: (inst) => `s.${inst}.phase` };
  // One row per predicate, [name, source, holds] (kernel/predicates.ts).
  const predicates = (preds: CompositionModel["invariants"]) =>
    render(
      list(`${h.use("predicates")}([`, preds.map((p) => hangingList(list("[", [JSON.stringify(p.name), stringDoc(p.source), prefixed("(s) => ", exprDoc(p.expr, stateCtx, h))], "]"))), "])"),
      2,
      14,
    );

  // Entry inputs as plain data; an environment assumption becomes `when(state)`.
  const entryInputs = render(
    list(
      "[",
      c.entry.map((e) =>
        packedList(
          object([
            ["instance", JSON.stringify(e.instance)],
            ["trigger", JSON.stringify(e.trigger)],
            ...(e.when ? [["when", prefixed("(s) => ", exprDoc(e.when.expr, stateCtx, h))] as const] : []),
          ]),
        ),
      ),
      "]",
    ),
    2,
  );

  const routes = c.routes.map((r) => {
    const fromM = c.instances.find((i) => i.name === r.from.instance)?.machine;
    const toM = c.instances.find((i) => i.name === r.to.instance)?.machine;
    const effectType = machineNames(fromM?.name ?? "").effectType(r.from.effect);
    const triggerType = machineNames(toM?.name ?? "").triggerType(r.to.trigger, r.to.kind);
    const bindCtx: CodeContext = { field: () => "undefined", phase: () => "undefined" };
    const payload = r.bind.map((b) => `${b.field}: ${exprCode(b.expr, bindCtx, h).replace(/\bb_(\w+)/g, "p.$1")}`);
    const deliver: Doc = { open: `delivery((p: ${effectType}): ${triggerType} => ({ `, close: " }))", items: [`kind: ${JSON.stringify(r.to.trigger)}`, ...payload], pack: true };
    return packedList(object([["name", JSON.stringify(r.name)], ["from", dataDoc(r.from)], ["to", dataDoc(r.to)], ["deliver", deliver]]));
  });

  const value = objectLiteral([
    ["composition", JSON.stringify(c.name)],
    ["version", String(c.version)],
    ["specFile", JSON.stringify(c.file)],
    ["instances", `{ ${c.instances.map((i) => `${i.name}: ${machineNames(i.machine.name).kernel}`).join(", ")} }`],
    ["entryInputs", entryInputs],
    ["routes", render(list("[", routes, "]"), 2, 10)],
    ["leftOut", render(list("leftOutGroups([", c.leftOut.map((g) => object([["transitions", dataDoc(g.transitions)], ["reason", stringDoc(g.reason)]])), "])"), 2, 10)],
    ["invariants", predicates(c.invariants)],
    ["witnesses", predicates(c.witnesses)],
    ["profiles", literal(Object.fromEntries(c.profiles.map((p) => [p.name, p])))],
  ]);
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [`The ${c.name} composition: instances, routes and composed predicates.`],
    declarations: [{ name: n.kernel, type: `CompositionKernel<${n.state}>`, initializer: value }],
  });

  return [
    kernelImport(kernelSpecifier, [...h.used, ...(c.routes.length > 0 ? ["delivery"] : []), "leftOutGroups"], ["CompositionKernel"]),
    ...imports,
    ...body,
  ];
}

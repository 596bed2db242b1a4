// Emits one machine module: exact types, initialState(), the pure transition function, invariant
// and witness predicates, the kernel descriptor and a typed wrapper class.

import { StructureKind, VariableDeclarationKind, type StatementStructures, type WriterFunction } from "ts-morph";
import { holdsCompound } from "../../kernel/intern.js";
import type { TypeDesc } from "../../kernel/types.js";
import type { MachineModel, Predicate, TransitionModel, TriggerModel } from "../model.js";
import { factStatements, guardNames } from "./facts.js";
import { initialStatements } from "./initial.js";
import { kernelImport } from "./imports.js";
import { args, dataDoc, fill, hangingList, list, object, packedList, prefixed, render, stringDoc, typeArgs, WIDTH, type Doc } from "./layout.js";
import { literal } from "./literal.js";
import { objectLiteral, objectType } from "./writers.js";
import { firedBuilder } from "./fire.js";
import { fireFunctions } from "./shared-fires.js";
import { fieldsDoc, namedTypes, typesConst } from "./type-descs.js";
import { machineNames } from "./names.js";
import { triggerParamType } from "./trigger-param.js";
import { exprDoc, fieldsRead, HelperUse, tupleTypeCode, typeCode, type CodeContext } from "./ts-code.js";

export function machineStatements(m: MachineModel, kernelSpecifier: string): (StatementStructures | string)[] {
  const n = machineNames(m.name);
  const h = new HelperUse(true);
  const body: (StatementStructures | string)[] = [];

  // Named types and the phase enum.
  for (const t of m.types) {
    body.push({ kind: StructureKind.TypeAlias, isExported: true, name: t.name, type: namedTypeCode(t.value), docs: docFor(t.value) });
  }
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: "Phase", type: fill(m.phaseType.values.map((v) => JSON.stringify(v)), " | ", WIDTH, 20) });

  // State.
  body.push({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: n.state,
    type: objectType([["phase", "Phase"], ...m.fields.map((f) => [f.name, typeCode(f.type)] as [string, string])]),
  });

  // Triggers and effects.
  const triggerType = (t: TriggerModel) => n.triggerType(t.name, t.kind);
  for (const t of m.triggers) {
    body.push({
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: triggerType(t),
      type: objectType([["kind", JSON.stringify(t.name)], ...t.fields.map((f) => [f.name, typeCode(f.type)] as [string, string])], WIDTH - `export type ${triggerType(t)} = ;`.length, WIDTH),
    });
  }
  // `first`: room for `export type <Name> = ` before the first line.
  const union = (names: string[], first = 60) => (names.length === 0 ? "never" : fill(names, " | ", WIDTH, first));
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.input, type: union(m.triggers.filter((t) => t.kind === "input").map(triggerType)) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.signal, type: union(m.triggers.filter((t) => t.kind === "signal").map(triggerType)) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.trigger, type: `${n.input} | ${n.signal}` });
  for (const e of m.effects) {
    body.push({
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: n.effectType(e.name),
      type: objectType([["effect", JSON.stringify(e.name)], ...e.fields.map((f) => [f.name, typeCode(f.type)] as [string, string])], WIDTH - `export type ${n.effectType(e.name)} = ;`.length, WIDTH),
    });
  }
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.effect, type: union(m.effects.map((e) => n.effectType(e.name))) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.triggerName, type: union(m.triggers.map((t) => JSON.stringify(t.name))) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.transitionName, type: union(m.transitions.map((t) => JSON.stringify(t.name))) });
  body.push({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: n.guardName,
    docs: ["Every guard name: what a GuardRejected refusal names."],
    type: union(guardNames(m).map((g) => JSON.stringify(g))),
  });
  body.push({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: n.result,
    type: render(typeArgs("TransitionResult", [n.state, n.transitionName, n.effect, n.guardName, "Phase", n.triggerName]), 0, 30),
  });

  body.push(...factStatements(m));

  // Initial states.
  body.push(...initialStatements(m, h));

  // Guards, the transition table and its dispatcher (kernel/dispatch.ts), then one fire function
  // per transition.
  // Short names for the two types every guard and fire function repeats.
  body.push({ kind: StructureKind.TypeAlias, name: "G", typeParameters: ["T"], type: `Guard<${n.state}, T, ${n.guardName}>` });
  body.push({ kind: StructureKind.TypeAlias, name: "FireResult", type: `Fired<${n.state}, ${n.transitionName}, ${n.effect}>` });
  body.push({
    kind: StructureKind.VariableStatement,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: "NO_EFFECTS", type: `readonly ${n.effect}[]`, initializer: "Object.freeze([])" }],
  });
  body.push(firedBuilder(m));
  const guards = guardConsts(m, h);
  const fires = fireFunctions(m, h);
  for (const g of guards.consts) body.push(g);
  const tableArgs = render(typeArgs("transitionRows", [n.state, n.trigger, n.effect, n.transitionName, n.guardName]), 0, 30);
  body.push({
    kind: StructureKind.VariableStatement,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Every transition in spec order: [name, trigger, from phases, to phase (null: stays), guards in order, fire function]."],
    declarations: [
      {
        name: "TRANSITIONS",
        initializer: render(list(`${tableArgs}([`, m.transitions.map((tr) => transitionRow(tr, guards.constFor, fires.nameFor(tr))), "])"), 0, 200),
      },
    ],
  });
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Applies one trigger to a state. Pure: the given state is never modified."],
    declarations: [{ name: "transition", type: `(s: ${n.state}, t: ${n.trigger}) => ${n.result}`, initializer: transitionInitializer(m, h) }],
  });
  body.push(...fires.functions);

  // Predicates.
  const preCtx: CodeContext = { field: (f) => `s.${f}`, phase: () => "s.phase" };
  // `reads`: the state fields a predicate depends on (phase first, then in declaration order), so
  // the instance re-evaluates an invariant only when one of them changed.
  const order = ["phase", ...m.fields.map((f) => f.name)];
  const reads = (p: Predicate) => dataDoc(order.filter((f) => fieldsRead(p.expr).includes(f)));
  // One row per predicate, [name, source, reads, holds] (kernel/predicates.ts).
  const predicates = (preds: readonly Predicate[]) =>
    render(
      list(
        `${h.use("predicates")}([`,
        preds.map((p) => hangingList(list("[", [JSON.stringify(p.name), stringDoc(p.source), reads(p), prefixed("(s) => ", exprDoc(p.expr, preCtx, h))], "]"))),
        "])",
      ),
      2,
      14,
    );

  const named = namedTypes(m);
  const types = typesConst(named);
  if (types !== null) body.push(types);
  const diffable = m.fields.length <= 31;
  const kernelValue = objectLiteral([
    ["machine", JSON.stringify(m.name)],
    ["version", String(m.version)],
    ["specFile", JSON.stringify(m.file)],
    ["phases", literal(m.phaseType.values)],
    ["initialPhase", JSON.stringify(m.initialPhase)],
    ["terminalPhases", literal(m.terminalPhases)],
    ["fields", render(fieldsDoc(m.fields, named), 2, 10)],
    ["triggers", render(list("[", m.triggers.map((t) => object([["kind", JSON.stringify(t.kind)], ["name", JSON.stringify(t.name)], ["fields", fieldsDoc(t.fields, named)]])), "]"), 2, 12)],
    ["queryOnly", literal(m.queryOnly)],
    ["effects", render(list("[", m.effects.map((e) => object([["name", JSON.stringify(e.name)], ["fields", fieldsDoc(e.fields, named)]])), "]"), 2, 11)],
    ["transitions", "transitionDescs(TRANSITIONS)"],
    ["invariants", predicates(m.invariants)],
    ["witnesses", predicates(m.witnesses)],
    ["profiles", literal(Object.fromEntries(m.profiles.map((p) => [p.name, p])))],
    ...(m.orderDependentLoops.length > 0
      ? [["orderDependentLoops", literal(m.orderDependentLoops.map((l) => ({ pointer: l.pointer, transition: l.transition, idType: l.dependence.idType, reason: l.dependence.reason })))] as const]
      : []),
    ...(m.idConstants && m.idConstants.length > 0 ? [["idConstants", literal(idConstantsByType(m.idConstants))] as const] : []),
    ["initialState", "initialState"],
    ["initialStates", "initialStates"],
    ["transition", "transition"],
    ["laidOutStates", "true"],
    ...(diffable ? [["changedFields", "changedFields"] as const] : []),
  ]);
  // Which state properties differ between two states, for the incremental invariant check.
  if (diffable) {
    const props = ["phase", ...m.fields.map((f) => f.name)];
    body.push({
      kind: StructureKind.Function,
      name: "changedFields",
      docs: ["Which state properties differ (`!==`): bit 0 is the phase, bit i + 1 field i."],
      parameters: [
        { name: "a", type: n.state },
        { name: "b", type: n.state },
      ],
      returnType: "number",
      statements: [["let bits = 0;", ...props.map((p, i) => `if (a.${p} !== b.${p}) bits |= ${2 ** i};`), "return bits;"].join("\n")],
    });
  }
  // Quantifier loops lifted out of guards, updates, effects and predicates (no closure per evaluation).
  for (const f of h.lifted) {
    // As text: the printer would put every parameter on one line.
    const params = render(args("(", f.parameters.map((p) => `${p.name}: ${p.type}`), ")"), 0, `function ${f.name}`.length, WIDTH - ": boolean {".length);
    body.push(`function ${f.name}${params}: boolean {\n${f.statements.split("\n").map((l) => `  ${l}`).join("\n")}\n}`);
  }
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Everything the explorer, the codec and the runtime need to drive this machine."],
    declarations: [{ name: n.kernel, type: render(typeArgs("MachineKernel", [n.state, n.trigger, n.effect, n.transitionName, n.guardName]), 0, 40), initializer: kernelValue }],
  });

  // The owning wrapper.
  body.push({
    kind: StructureKind.Class,
    isExported: true,
    name: n.instance,
    docs: [`One ${m.name} state, changed only by stage → commit (or restore).`],
    extends: render(typeArgs("MachineInstance", [n.state, n.trigger, n.effect, n.transitionName, n.guardName]), 0, 50),
    ctors: [
      {
        parameters: [
          { name: "state", type: n.state, initializer: "initialState()" },
          { name: "options", type: "InstanceOptions", initializer: "{}" },
        ],
        statements: [`super(${n.kernel}, state, options);`],
      },
    ],
    methods: [
      {
        name: "fromSnapshot",
        isStatic: true,
        docs: ["Rebuilds an instance from `snapshot()` output; throws SnapshotRejectedError if it is malformed or breaks an invariant."],
        parameters: [
          { name: "snapshot", type: "unknown" },
          { name: "options", type: "InstanceOptions", initializer: "{}" },
        ],
        returnType: n.instance,
        statements: [`return new ${n.instance}(decodeState(${n.kernel}, snapshot), options);`],
      },
    ],
  });

  const values = ["decodeState", "dispatcher", "MachineInstance", "transitionDescs", "transitionRows", ...h.used];
  const typeImports = ["Fired", "Guard", "InstanceOptions", "MachineKernel", "TransitionResult", ...(types === null ? [] : ["TypeDesc"])];
  return [kernelImport(kernelSpecifier, values, typeImports), ...body];
}

/**
 * `dispatcher(TRANSITIONS)`; when payloads hold records or tuples, wrapped so that the caller's
 * plain objects are interned first (kernel/intern.ts withInternedPayloads).
 */
function transitionInitializer(m: MachineModel, h: HelperUse): string {
  const payloads = m.triggers
    .map((t) => [t.name, t.fields.filter((f) => holdsCompound(f.type)).map((f) => ({ name: f.name, type: f.type }))] as const)
    .filter(([, fs]) => fs.length > 0);
  if (payloads.length === 0) return "dispatcher(TRANSITIONS)";
  return `${h.use("withInternedPayloads")}(dispatcher(TRANSITIONS), ${literal(Object.fromEntries(payloads), 2)})`;
}

function namedTypeCode(t: TypeDesc): string | WriterFunction {
  switch (t.kind) {
    case "enum":
      return fill(t.values.map((v) => JSON.stringify(v)), " | ", WIDTH, 50);
    case "int":
      return "number";
    case "record":
      return objectType(t.fields.map((f) => [f.name, typeCode(f.type)] as [string, string]));
    case "tuple":
      return tupleTypeCode(t.items);
    default:
      return "string";
  }
}

function docFor(t: TypeDesc): string[] {
  switch (t.kind) {
    case "int":
      return [`An integer from ${t.min} to ${t.max}.`];
    case "id":
      return ["An opaque identifier (any non-empty string)."];
    case "record":
    case "tuple":
      return [`A ${t.kind} value: interned (kernel intern), so equal ones are the same object; build one only with intern().`];
    default:
      return [];
  }
}


/**
 * One const per distinct guard (its name and generated code): a guard shared by several
 * transitions is emitted once, its trigger parameter typed as the union of their triggers.
 */
function guardConsts(m: MachineModel, h: HelperUse): { consts: StatementStructures[]; constFor: (tr: TransitionModel, i: number) => string } {
  const n = machineNames(m.name);
  const ctx: CodeContext = { field: (f) => `s.${f}`, phase: () => "s.phase", bind: (f) => `t.${f}` };
  const byKey = new Map<string, { local: string; name: string; doc: Doc; code: string; triggers: string[]; readsTrigger: boolean }>();
  const localOf = new Map<string, string>();
  const taken = new Map<string, number>();
  for (const tr of m.transitions) {
    const trigger = m.triggers.find((t) => t.name === tr.on) as TriggerModel;
    tr.guards.forEach((g, i) => {
      const code = render(exprDoc(g.expr, ctx, h), 100);
      const key = `${g.name}\u0000${code}`;
      let known = byKey.get(key);
      if (known === undefined) {
        const count = (taken.get(g.name) ?? 0) + 1;
        taken.set(g.name, count);
        const local = `guard_${g.name}${count === 1 ? "" : `_${count}`}`;
        known = { local, name: g.name, doc: exprDoc(g.expr, ctx, h), code, triggers: [], readsTrigger: /\bt\./.test(code) };
        byKey.set(key, known);
      }
      const type = n.triggerType(trigger.name, trigger.kind);
      if (!known.triggers.includes(type)) known.triggers.push(type);
      localOf.set(`${tr.name}/${i}`, known.local);
    });
  }
  const consts: StatementStructures[] = [...byKey.values()].map((g) => {
    const type = `G<${g.readsTrigger ? triggerParamType(m, g.triggers, g.code) : "unknown"}>`;
    const value = object([["name", JSON.stringify(g.name)], ["holds", prefixed(`(${g.readsTrigger ? "s, t" : "s"}) => `, g.doc)]]);
    const column = `const ${g.local}: ${type.split("\n").at(-1) ?? ""} = `.length;
    return {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: g.local, type, initializer: render(value, 0, column) }],
    };
  });
  return { consts, constFor: (tr, i) => localOf.get(`${tr.name}/${i}`) as string };
}

/**
 * `[name, trigger, from, to, guards, fire]`: one line per transition when it fits (see kernel
 * transitionRows), else where it fires on the first line and what it checks and does on the next.
 */
function transitionRow(tr: TransitionModel, constFor: (tr: TransitionModel, i: number) => string, fire: string): Doc {
  const guards = list("[", tr.guards.map((_, i) => constFor(tr, i)), "]");
  const items = [JSON.stringify(tr.name), JSON.stringify(tr.on), dataDoc(tr.from), JSON.stringify(tr.to), guards, fire];
  const row = packedList(list("[", items, "]"));
  const where = `[${items.slice(0, 4).map((d) => render(d, 0, 0, Number.MAX_SAFE_INTEGER)).join(", ")},`;
  const what = `    ${render(guards, 0, 0, Number.MAX_SAFE_INTEGER)}, ${fire}]`;
  // Items sit at column 2; the row's comma follows the second line.
  const fits = 2 + render(row, 0, 0, Number.MAX_SAFE_INTEGER).length + 1 <= WIDTH;
  return fits || 2 + where.length > WIDTH || what.length + 1 > WIDTH ? row : `${where}\n${what}`;
}

/** Named id constants grouped by type, in declaration order: the values the explorer keeps fixed. */
function idConstantsByType(list: readonly { readonly name: string; readonly type: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of list) (out[c.type] ??= []).push(c.name);
  return out;
}

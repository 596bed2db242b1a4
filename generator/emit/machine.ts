// Emits one machine module: exact types, initialState(), the pure transition function, invariant
// and witness predicates, the kernel descriptor and a typed wrapper class.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import type { TypeDesc } from "../../kernel/types.js";
import type { MachineModel, Predicate, TransitionModel, TriggerModel } from "../model.js";
import { literal } from "./literal.js";
import { objectLiteral, objectType } from "./writers.js";
import { machineNames } from "./names.js";
import { bindName, exprCode, fieldLocal, fieldsRead, HelperUse, isCollection, mutableTypeCode, stmtsCode, typeCode, writtenFields, type CodeContext } from "./ts-code.js";

export function machineStatements(m: MachineModel, kernelImport: string): StatementStructures[] {
  const n = machineNames(m.name);
  const h = new HelperUse(true);
  const body: StatementStructures[] = [];

  // Named types and the phase enum.
  for (const t of m.types) {
    body.push({ kind: StructureKind.TypeAlias, isExported: true, name: t.name, type: namedTypeCode(t.value), docs: docFor(t.value) });
  }
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: "Phase", type: m.phaseType.values.map((v) => JSON.stringify(v)).join(" | ") });

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
      type: objectType([["kind", JSON.stringify(t.name)], ...t.fields.map((f) => [f.name, typeCode(f.type)] as [string, string])]),
    });
  }
  const union = (names: string[]) => (names.length > 0 ? names.join(" | ") : "never");
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.input, type: union(m.triggers.filter((t) => t.kind === "input").map(triggerType)) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.signal, type: union(m.triggers.filter((t) => t.kind === "signal").map(triggerType)) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.trigger, type: `${n.input} | ${n.signal}` });
  for (const e of m.effects) {
    body.push({
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: n.effectType(e.name),
      type: objectType([["effect", JSON.stringify(e.name)], ...e.fields.map((f) => [f.name, typeCode(f.type)] as [string, string])]),
    });
  }
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.effect, type: union(m.effects.map((e) => n.effectType(e.name))) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.transitionName, type: union(m.transitions.map((t) => JSON.stringify(t.name))) });
  body.push({ kind: StructureKind.TypeAlias, isExported: true, name: n.result, type: `TransitionResult<${n.state}, ${n.transitionName}, ${n.effect}>` });

  // Initial state.
  const constCtx: CodeContext = { field: () => "undefined", phase: () => "undefined" };
  const init = [`phase: ${JSON.stringify(m.initialPhase)}`, ...m.fields.map((f) => `${f.name}: ${exprCode(f.init, constCtx, h)}`)];
  body.push({
    kind: StructureKind.Function,
    isExported: true,
    name: "initialState",
    returnType: n.state,
    statements: [`return { ${init.join(", ")} };`],
  });

  // Dispatch on the trigger, then one function per trigger and per transition.
  body.push({
    kind: StructureKind.VariableStatement,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: "NO_EFFECTS", type: `readonly ${n.effect}[]`, initializer: "Object.freeze([])" }],
  });
  const handledTriggers = m.triggers.filter((t) => m.transitions.some((tr) => tr.on === t.name));
  body.push({
    kind: StructureKind.Function,
    isExported: true,
    name: "transition",
    docs: ["Applies one trigger to a state. Pure: the given state is never modified."],
    parameters: [
      { name: "s", type: n.state },
      { name: "t", type: n.trigger },
    ],
    returnType: n.result,
    statements: [
      [
        "switch (t.kind) {",
        ...handledTriggers.map((t) => `  case ${JSON.stringify(t.name)}: return on${t.name}(s, t);`),
        "}",
        `return { ok: false, code: "NoMatchingTransition", phase: s.phase, trigger: (t as { readonly kind: string }).kind };`,
      ].join("\n"),
    ],
  });
  for (const t of handledTriggers) body.push(triggerFunction(m, t, h));
  for (const tr of m.transitions) body.push(fireFunction(m, tr, h));

  // Predicates.
  const preCtx: CodeContext = { field: (f) => `s.${f}`, phase: () => "s.phase" };
  // `reads`: the state fields a predicate depends on (phase first, then in declaration order), so
  // the instance re-evaluates an invariant only when one of them changed.
  const order = ["phase", ...m.fields.map((f) => f.name)];
  const reads = (p: Predicate) => literal(order.filter((f) => fieldsRead(p.expr).includes(f)));
  const predicates = (list: readonly Predicate[]) =>
    `[${list.map((p) => `{ name: ${JSON.stringify(p.name)}, source: ${JSON.stringify(p.source)}, reads: ${reads(p)}, holds: (s: ${n.state}): boolean => ${exprCode(p.expr, preCtx, h)} }`).join(",\n")}]`;

  const diffable = m.fields.length <= 31;
  const kernelValue = objectLiteral([
    ["machine", JSON.stringify(m.name)],
    ["version", String(m.version)],
    ["specFile", JSON.stringify(m.file)],
    ["phases", literal(m.phaseType.values)],
    ["initialPhase", JSON.stringify(m.initialPhase)],
    ["terminalPhases", literal(m.terminalPhases)],
    ["fields", literal(m.fields.map((f) => ({ name: f.name, type: f.type })))],
    ["triggers", literal(m.triggers.map((t) => ({ kind: t.kind, name: t.name, fields: t.fields.map((f) => ({ name: f.name, type: f.type })) })))],
    ["queryOnly", literal(m.queryOnly)],
    ["effects", literal(m.effects.map((e) => ({ name: e.name, fields: e.fields.map((f) => ({ name: f.name, type: f.type })) })))],
    ["transitions", literal(m.transitions.map((t) => ({ name: t.name, from: t.from, on: t.on, to: t.to, guards: t.guards.map((g) => g.name) })))],
    ["invariants", predicates(m.invariants)],
    ["witnesses", predicates(m.witnesses)],
    ["profiles", literal(Object.fromEntries(m.profiles.map((p) => [p.name, p])))],
    ...(m.orderDependentLoops.length > 0
      ? [["orderDependentLoops", literal(m.orderDependentLoops.map((l) => ({ pointer: l.pointer, transition: l.transition, idType: l.dependence.idType, reason: l.dependence.reason })))] as const]
      : []),
    ["initialState", "initialState"],
    ["transition", "transition"],
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
    body.push({ kind: StructureKind.Function, name: f.name, parameters: [...f.parameters], returnType: "boolean", statements: [f.statements] });
  }
  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Everything the explorer, the codec and the runtime need to drive this machine."],
    declarations: [{ name: n.kernel, type: `MachineKernel<${n.state}, ${n.trigger}, ${n.effect}, ${n.transitionName}>`, initializer: kernelValue }],
  });

  // The owning wrapper.
  body.push({
    kind: StructureKind.Class,
    isExported: true,
    name: n.instance,
    docs: [`One ${m.name} state, changed only by stage → commit (or restore).`],
    extends: `MachineInstance<${n.state}, ${n.trigger}, ${n.effect}, ${n.transitionName}>`,
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

  const valueImports = ["decodeState", "MachineInstance", ...[...h.used].sort()];
  const typeImports = ["InstanceOptions", "MachineKernel", "TransitionResult"];
  return [
    {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: kernelImport,
      namedImports: [...valueImports.map((name) => ({ name })), ...typeImports.map((name) => ({ name, isTypeOnly: true }))].sort((a, b) => a.name.localeCompare(b.name)),
    },
    ...body,
  ];
}

function namedTypeCode(t: TypeDesc): string {
  switch (t.kind) {
    case "enum":
      return t.values.map((v) => JSON.stringify(v)).join(" | ");
    case "int":
      return "number";
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
    default:
      return [];
  }
}


/** Finds the one enabled transition for a trigger, or explains why none (or several) are. */
function triggerFunction(m: MachineModel, t: TriggerModel, h: HelperUse): StatementStructures {
  const n = machineNames(m.name);
  const candidates = m.transitions.filter((tr) => tr.on === t.name);
  const preCtx: CodeContext = { field: (f) => `s.${f}`, phase: () => "s.phase" };
  const lines: string[] = [];
  for (const f of t.fields) lines.push(`const ${bindName(f.name)} = t.${f.name};`);
  lines.push("let first = -1;", "let second = -1;", "let rejected = -1;", `let rejectedGuard = "";`);
  candidates.forEach((tr, i) => {
    const phaseTest = tr.from.map((p) => `s.phase === ${JSON.stringify(p)}`).join(" || ");
    lines.push(`// ${tr.name}`);
    lines.push(`if (${phaseTest}) {`);
    let prefix = "  ";
    tr.guards.forEach((g, gi) => {
      lines.push(`${prefix}${gi === 0 ? "if" : "} else if"} (!${wrap(exprCode(g.expr, preCtx, h))}) {`);
      lines.push(`${prefix}  if (rejected < 0) { rejected = ${i}; rejectedGuard = ${JSON.stringify(g.name)}; }`);
    });
    if (tr.guards.length > 0) lines.push(`${prefix}} else {`);
    else prefix = "";
    lines.push(`${prefix}  if (first < 0) first = ${i}; else if (second < 0) second = ${i};`);
    if (tr.guards.length > 0) lines.push(`${prefix}}`);
    lines.push("}");
  });
  // The enabled transition fires first; the refusals (and their name table) come after.
  lines.push(`if (first >= 0 && second < 0) {`);
  lines.push(`  switch (first) {`);
  candidates.forEach((tr, i) => lines.push(`    case ${i}: return fire${tr.name}(s${t.fields.length > 0 ? ", t" : ""});`));
  lines.push(`  }`);
  lines.push(`}`);
  const names = `[${candidates.map((c) => JSON.stringify(c.name)).join(", ")}] as const`;
  lines.push(`const names = ${names};`);
  lines.push(`if (first < 0) {`);
  lines.push(`  if (rejected < 0) return { ok: false, code: "NoMatchingTransition", phase: s.phase, trigger: t.kind };`);
  lines.push(`  return { ok: false, code: "GuardRejected", phase: s.phase, trigger: t.kind, transition: names[rejected]!, guard: rejectedGuard };`);
  lines.push(`}`);
  lines.push(`if (second >= 0) return { ok: false, code: "AmbiguousTransition", phase: s.phase, trigger: t.kind, transitions: [names[first]!, names[second]!] };`);
  lines.push(`return { ok: false, code: "NoMatchingTransition", phase: s.phase, trigger: t.kind };`);
  return {
    kind: StructureKind.Function,
    name: `on${t.name}`,
    parameters: [
      { name: "s", type: n.state },
      { name: "t", type: n.triggerType(t.name, t.kind) },
    ],
    returnType: n.result,
    statements: [lines.join("\n")],
  };
}

function wrap(code: string): string {
  return /^[\w.]+$/.test(code) || (code.startsWith("(") && code.endsWith(")") && balanced(code.slice(1, -1))) ? code : `(${code})`;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** Applies one transition whose guards already passed: updates in order, then effects on the post-state. */
function fireFunction(m: MachineModel, tr: TransitionModel, h: HelperUse): StatementStructures {
  const n = machineNames(m.name);
  const trigger = m.triggers.find((t) => t.name === tr.on) as TriggerModel;
  const written = writtenFields(tr.updates);
  const fieldType = (f: string) => (m.fields.find((x) => x.name === f) as { type: TypeDesc }).type;
  const lines: string[] = [];
  for (const f of trigger.fields) lines.push(`const ${bindName(f.name)} = t.${f.name};`);
  for (const f of written) {
    const t = fieldType(f);
    lines.push(`let ${fieldLocal(f)}: ${typeCode(t)} = s.${f};`);
    // A Seq's first push may build the copy (`else w.push(...)` follows): keep the declared type.
    if (t.kind === "seq") lines.push(`let w_${f} = null as ${mutableTypeCode(t)} | null;`);
    else if (isCollection(t)) lines.push(`let w_${f}: ${mutableTypeCode(t)} | null = null;`);
  }
  const workCtx: CodeContext = { field: (f) => (written.includes(f) ? fieldLocal(f) : `s.${f}`), phase: () => "s.phase" };
  lines.push(...stmtsCode(tr.updates, workCtx, h, new Set(written)));
  const phase = tr.to === null ? "s.phase" : JSON.stringify(tr.to);
  const fields = [`phase: ${phase}`, ...m.fields.map((f) => `${f.name}: ${written.includes(f.name) ? fieldLocal(f.name) : `s.${f.name}`}`)];
  // A transition that writes nothing and stays in its phase leaves the state as it was.
  lines.push(written.length === 0 && tr.to === null ? `const next: ${n.state} = s;` : `const next: ${n.state} = { ${fields.join(", ")} };`);
  let effects = "NO_EFFECTS";
  if (tr.emits.length > 0) {
    const postCtx: CodeContext = { field: (f) => `next.${f}`, phase: () => "next.phase" };
    const build = (e: TransitionModel["emits"][number]) =>
      `{ effect: ${JSON.stringify(e.effect)}${e.fields.map((f) => `, ${f.name}: ${exprCode(f.expr, postCtx, h)}`).join("")} }`;
    if (tr.emits.every((e) => e.when === null)) {
      effects = "effects";
      lines.push(`const effects: ${n.effect}[] = [${tr.emits.map(build).join(", ")}];`);
    } else {
      effects = "effects";
      lines.push(`const effects: ${n.effect}[] = [];`);
      for (const e of tr.emits) {
        if (e.when) lines.push(`if (${exprCode(e.when.expr, postCtx, h)}) effects.push(${build(e)});`);
        else lines.push(`effects.push(${build(e)});`);
      }
    }
  }
  lines.push(`return { ok: true, transition: ${JSON.stringify(tr.name)}, state: next, effects${effects === "effects" ? "" : `: ${effects}`} };`);
  return {
    kind: StructureKind.Function,
    name: `fire${tr.name}`,
    parameters: [{ name: "s", type: n.state }, ...(trigger.fields.length > 0 ? [{ name: "t", type: n.triggerType(trigger.name, trigger.kind) }] : [])],
    returnType: n.result,
    statements: [lines.join("\n")],
  };
}

// Semantic validation of a machine spec (beyond its JSON Schema) and construction of the checked
// model. Every problem is collected; a model is returned only when there are none.

import type { TypeDesc } from "../kernel/types.js";
import { pointerOf, type Diagnostic } from "./diagnostics.js";
import { assume, Checker, NO_FACTS, type ExprError, type Facts, type Scope } from "./expr/check.js";
import type { Expr } from "./expr/ast.js";
import type { TExpr, TStmt } from "./expr/typed.js";
import type { EmitModel, FieldModel, MachineModel, Named, Predicate, TransitionModel, TriggerModel } from "./model.js";
import type { MachineJson, NamedTypeJson, PayloadsJson } from "./spec-json.js";
import { compoundTypes } from "./check-compound-types.js";
import type { SourceFile } from "./source.js";
import { checkPredicates, checkProfiles, isTExpr, Reporter } from "./check-common.js";
import { checkConstants } from "./check-constants.js";
import { checkRefusals } from "./check-refusals.js";
import { checkFieldInit } from "./check-init.js";
import { machineNames } from "./emit/names.js";
import { orderDependentLoops } from "./loop-order.js";
import { parseTypeExpr } from "./type-expr.js";
import { symmetryRefusals, type OrderDependentLoop } from "./symmetry-check.js";

const RESERVED_TYPE_NAMES = ["Phase", "Option", "Set", "Seq", "Map", "bool"];
/** Types the generated module imports from the kernel or uses from TypeScript's library (see emit/). */
const LIBRARY_TYPE_NAMES = ["Guard", "InstanceOptions", "MachineInstance", "MachineKernel", "TransitionResult", "TransitionTable", "Readonly", "ReadonlySet", "ReadonlyMap", "Record"];

/** Type names the generated module declares or imports for this machine; a spec type may not reuse them. */
function generatedTypeNames(json: MachineJson): Set<string> {
  const n = machineNames(json.machine);
  return new Set([
    ...LIBRARY_TYPE_NAMES,
    ...[n.state, n.input, n.signal, n.trigger, n.effect, n.transitionName, n.guardName, n.refusalCode, n.triggerName, n.result, n.instance],
    ...Object.keys(json.inputs).map((t) => n.triggerType(t, "input")),
    ...Object.keys(json.signals ?? {}).map((t) => n.triggerType(t, "signal")),
    ...Object.keys(json.effects ?? {}).map((e) => n.effectType(e)),
    ...Object.entries(json.types ?? {}).flatMap(([name, t]) => (t.kind === "enum" && t.terminal !== undefined ? [`Terminal${name}`, `Live${name}`] : [])),
  ]);
}

export interface MachineCheck {
  readonly model: MachineModel | undefined;
  readonly diagnostics: Diagnostic[];
}

export function checkMachine(source: SourceFile, json: MachineJson, file: string): MachineCheck {
  const r = new Reporter(source);
  const usedTypes = new Set<string>();

  // Named types.
  const named = new Map<string, TypeDesc>();
  const types: Named<TypeDesc>[] = [];
  const enumFacts: MachineModel["enumFacts"][number][] = [];
  const generated = generatedTypeNames(json);
  const compounds: [string, Extract<NamedTypeJson, { kind: "record" | "tuple" }>][] = [];
  for (const [name, t] of Object.entries(json.types ?? {})) {
    const p = pointerOf("types", name);
    if (RESERVED_TYPE_NAMES.includes(name)) {
      r.error("reserved-name", `type name "${name}" is reserved`, p);
      continue;
    }
    // Still declared below, so its uses do not also report an unknown type.
    if (generated.has(name)) r.error("reserved-name", `type name "${name}" is reserved: the code generated for ${json.machine} declares or imports a type of that name`, p);
    let desc: TypeDesc;
    if (t.kind === "record" || t.kind === "tuple") {
      compounds.push([name, t]);
      continue;
    }
    if (t.kind === "int") {
      if (t.min > t.max) r.error("bad-range", `int type ${name} has min ${t.min} greater than max ${t.max}`, pointerOf("types", name, "min"));
      desc = { kind: "int", name, min: t.min, max: t.max };
    } else if (t.kind === "enum") {
      const seen = new Set<string>();
      t.values.forEach((v, i) => {
        if (seen.has(v)) r.error("duplicate-name", `enum ${name} lists "${v}" twice`, pointerOf("types", name, "values", i));
        seen.add(v);
        r.checkName(v, pointerOf("types", name, "values", i), "an enum value");
      });
      desc = { kind: "enum", name, values: t.values };
      (t.terminal ?? []).forEach((v, i) => {
        if (!t.values.includes(v)) r.error("unknown-enum-value", `terminal value "${v}" is not one of the values of ${name}`, pointerOf("types", name, "terminal", i));
      });
      if (t.terminal !== undefined) enumFacts.push({ name, values: t.values, terminal: t.values.filter((v) => t.terminal?.includes(v)) });
    } else desc = { kind: "id", name };
    named.set(name, desc);
    types.push({ name, value: desc });
  }

  // Phases.
  const phases = json.state.phases;
  const phaseSeen = new Set<string>();
  phases.forEach((ph, i) => {
    if (phaseSeen.has(ph)) r.error("duplicate-name", `phase "${ph}" is listed twice`, pointerOf("state", "phases", i));
    phaseSeen.add(ph);
    r.checkName(ph, pointerOf("state", "phases", i), "a phase name");
  });
  const phaseType = { kind: "enum" as const, name: "Phase", values: phases };
  named.set("Phase", phaseType);
  // Records and tuples name other types, so they are resolved once the others (and Phase) are known.
  const compoundDescs = compounds.length > 0 ? compoundTypes(compounds, named, r, usedTypes) : new Map<string, TypeDesc>();
  const declOrder = Object.keys(json.types ?? {});
  for (const [name, value] of compoundDescs) types.push({ name, value });
  types.sort((a, b) => declOrder.indexOf(a.name) - declOrder.indexOf(b.name));
  if (!phaseSeen.has(json.state.initial)) r.error("unknown-phase", `initial phase "${json.state.initial}" is not one of the phases`, pointerOf("state", "initial"));
  const terminal = json.state.terminal ?? [];
  terminal.forEach((ph, i) => {
    if (!phaseSeen.has(ph)) r.error("unknown-phase", `terminal phase "${ph}" is not one of the phases`, pointerOf("state", "terminal", i));
  });

  const resolveType = (text: string, pointer: string): TypeDesc | undefined => {
    const parsed = parseTypeExpr(text, named);
    if (!parsed.ok) {
      r.exprError(pointer, text, { code: parsed.code, message: parsed.message, span: [parsed.start, parsed.end] });
      return undefined;
    }
    for (const ref of parsed.refs) usedTypes.add(ref);
    return parsed.type;
  };

  const enums = new Map([...named].filter((e): e is [string, TypeDesc & { kind: "enum" }] => e[1].kind === "enum"));
  const constants = checkConstants(r, json, named, usedTypes);

  // Fields and their initial values (constants: no fields, bindings or phase in scope).
  const fieldTypes = new Map<string, TypeDesc>();
  const fieldJson = Object.entries(json.state.fields ?? {});
  for (const [name, f] of fieldJson) {
    const p = pointerOf("state", "fields", name);
    if (!r.checkName(name, p, "a field name", ["phase"])) continue;
    const t = resolveType(f.type, pointerOf("state", "fields", name, "type"));
    if (t) fieldTypes.set(name, t);
    else r.declaredBroken.add(name);
  }
  const constScope: Scope = { fields: new Map(), phaseType: null, bindings: new Map(), instances: new Map(), enums, types: named, constants: constants.scope };
  const constChecker = new Checker(constScope);
  const fields: FieldModel[] = [];
  for (const [name, f] of fieldJson) {
    const t = fieldTypes.get(name);
    if (!t) continue;
    const p = pointerOf("state", "fields", name);
    if (f.init === undefined) {
      r.error("missing-init", `field ${name} has no initial value`, p, `add "init", e.g. ${initExample(t)}`);
      continue;
    }
    const checked = checkFieldInit(r, constChecker, named, name, t, f.init);
    if (!checked) continue;
    fields.push({ name, typeText: f.type, type: t, ...checked, ...(f.description ? { description: f.description } : {}) });
  }

  // Triggers and effects.
  const triggerNames = new Map<string, "input" | "signal">();
  const payloads = (group: PayloadsJson | undefined, kind: "input" | "signal" | "effect", reserved: string[]): TriggerModel[] => {
    const out: TriggerModel[] = [];
    const key = kind === "input" ? "inputs" : kind === "signal" ? "signals" : "effects";
    for (const [name, fs] of Object.entries(group ?? {})) {
      if (kind !== "effect") {
        const prev = triggerNames.get(name);
        if (prev) {
          r.error("duplicate-name", `"${name}" is declared both as an ${prev} and as a ${kind}`, pointerOf(key, name));
          continue;
        }
        triggerNames.set(name, kind);
      }
      const tf: { name: string; typeText: string; type: TypeDesc }[] = [];
      for (const [fname, ftext] of Object.entries(fs)) {
        const p = pointerOf(key, name, fname);
        if (!r.checkName(fname, p, `${kind === "signal" ? "a" : "an"} ${kind} field`, reserved)) {
          r.declaredBroken.add(fname);
          continue;
        }
        if (kind !== "effect" && fieldTypes.has(fname)) {
          r.error("binding-shadows-field", `payload field "${fname}" of ${name} has the same name as a state field`, p, "rename one of them; guards could not tell them apart");
          continue;
        }
        const t = resolveType(ftext, p);
        if (t) tf.push({ name: fname, typeText: ftext, type: t });
        else r.declaredBroken.add(fname);
      }
      out.push({ kind: kind === "effect" ? "input" : kind, name, fields: tf });
    }
    return out;
  };
  const inputs = payloads(json.inputs, "input", ["kind"]);
  const signals = payloads(json.signals, "signal", ["kind"]);
  const effects = payloads(json.effects, "effect", ["effect", "when"]);
  const triggers = [...inputs, ...signals];
  const queryOnly = json.queryOnly ?? [];
  queryOnly.forEach((q, i) => {
    if (triggerNames.get(q) !== "input") r.error("unknown-trigger", `queryOnly names "${q}", which is not an input`, pointerOf("queryOnly", i));
  });

  // Persistence: when declared, every trigger is classified and nothing else is.
  const persistence = json.persistence ?? null;
  if (persistence !== null) {
    for (const name of Object.keys(persistence)) {
      if (!triggerNames.has(name)) r.error("unknown-trigger", `persistence names "${name}", which is not an input or signal`, pointerOf("persistence", name));
    }
    const missing = [...triggerNames.keys()].filter((t) => persistence[t] === undefined);
    if (missing.length > 0) {
      r.error("persistence-not-total", `persistence does not classify ${missing.join(", ")}`, pointerOf("persistence"), `add "${missing[0]}": "persisted" or "transient"`);
    }
  }

  const refusals = checkRefusals(r, json);

  // Shared guards; a transition's guard list resolves names against them.
  const shared = json.guards ?? {};
  const usedShared = new Set<string>();
  const guardList = (tj: MachineJson["transitions"][number], ti: number): { gname: string; src: string; p: string }[] => {
    const list = tj.guards ?? {};
    if (!Array.isArray(list)) {
      return Object.entries(list).map(([gname, src]) => {
        const p = pointerOf("transitions", ti, "guards", gname);
        if (Object.hasOwn(shared, gname)) r.error("duplicate-name", `inline guard ${gname} has the name of a shared guard`, p, `list "${gname}" by name, or rename one of them`);
        return { gname, src, p };
      });
    }
    return list.flatMap((item, gi) => {
      if (typeof item === "string") {
        const src = shared[item];
        if (src === undefined || !Object.hasOwn(shared, item)) {
          r.error("unknown-guard", `"${item}" is not a shared guard`, pointerOf("transitions", ti, "guards", gi), `declare it under the top-level "guards", or write it inline as { "${item}": "..." }`);
          return [];
        }
        usedShared.add(item);
        return [{ gname: item, src, p: pointerOf("guards", item) }];
      }
      return Object.entries(item).map(([gname, src]) => {
        const p = pointerOf("transitions", ti, "guards", gi, gname);
        if (Object.hasOwn(shared, gname)) r.error("duplicate-name", `inline guard ${gname} has the name of a shared guard`, p, `list "${gname}" by name, or rename one of them`);
        return { gname, src, p };
      });
    });
  };

  // Definitions: shared named expressions over the state, expanded where they are read.
  const definitions = new Map<string, Expr>();
  for (const [name, src] of Object.entries(json.definitions ?? {})) {
    const p = pointerOf("definitions", name);
    if (!r.checkName(name, p, "a definition name", ["phase"])) continue;
    if (fieldTypes.has(name)) {
      r.error("duplicate-name", `definition ${name} has the name of a state field`, p);
      continue;
    }
    const parsed = r.parseExpr(p, src);
    if (parsed) definitions.set(name, parsed);
    else r.declaredBroken.add(name);
  }

  // Transitions.
  const scopeFor = (bindings: Map<string, TypeDesc>): Scope => ({ fields: fieldTypes, phaseType, bindings, instances: new Map(), enums, types: named, definitions, constants: constants.scope });
  const transitions: TransitionModel[] = [];
  const loops: OrderDependentLoop[] = [];
  const transitionNames = new Set<string>();
  const handled = new Set<string>();
  let unknownOn = false;
  json.transitions.forEach((tj, ti) => {
    const base = ["transitions", ti] as const;
    let ok = true;
    if (transitionNames.has(tj.name)) {
      r.error("duplicate-name", `transition name "${tj.name}" is used twice`, pointerOf(...base, "name"));
      ok = false;
    }
    transitionNames.add(tj.name);
    const from = tj.from === "any" ? phases.filter((p) => !terminal.includes(p)) : tj.from;
    if (tj.from !== "any") {
      tj.from.forEach((ph, i) => {
        if (!phaseSeen.has(ph)) {
          r.error("unknown-phase", `unknown phase "${ph}" in from`, pointerOf(...base, "from", i));
          ok = false;
        }
      });
    }
    if (tj.to !== undefined && !phaseSeen.has(tj.to)) {
      r.error("unknown-phase", `unknown target phase "${tj.to}"`, pointerOf(...base, "to"));
      ok = false;
    }
    for (const ph of from) {
      if (terminal.includes(ph) && tj.to !== undefined && tj.to !== ph) {
        r.error("terminal-exit", `${tj.name} leaves terminal phase ${ph} for ${tj.to}`, pointerOf(...base, "from"), "terminal phases are final; a transition from one may only stay in it");
        ok = false;
      }
    }
    const trigger = triggers.find((t) => t.name === tj.on);
    if (!trigger) {
      const isEffect = effects.some((e) => e.name === tj.on);
      r.error("unknown-trigger", `"${tj.on}" is not a declared input or signal${isEffect ? " (it is an effect)" : ""}`, pointerOf(...base, "on"));
      unknownOn = true;
      return;
    }
    // A queryOnly entry that is not an input was reported above.
    if (queryOnly.includes(tj.on) && trigger.kind === "input") {
      r.error("query-only-handled", `${tj.on} is declared queryOnly but transition ${tj.name} handles it`, pointerOf(...base, "on"));
      ok = false;
    }
    handled.add(tj.on);
    const checker = new Checker(scopeFor(new Map(trigger.fields.map((f) => [f.name, f.type]))));

    // Guards, in order; each may rely on the ones before it. Once one is broken, what it would have
    // proved is unknown, so "may be none" and "may overflow" errors after it are not reported.
    let facts: Facts = NO_FACTS;
    let guardsOk = true;
    const report = (p: string, src: string, e: ExprError) => {
      if (guardsOk || (e.code !== "option-unproven" && e.code !== "int-overflow")) r.exprError(p, src, e);
    };
    const guards: Predicate[] = [];
    const names = new Set<string>();
    for (const { gname, src, p } of guardList(tj, ti)) {
      if (names.has(gname)) {
        r.error("duplicate-name", `guard ${gname} is listed twice in ${tj.name}`, p);
        ok = guardsOk = false;
        continue;
      }
      names.add(gname);
      const parsed = r.parseExpr(p, src);
      if (!parsed) {
        ok = guardsOk = false;
        continue;
      }
      const te = checker.checkValue(parsed, { kind: "bool" }, facts, `guard ${gname}`);
      if (!isTExpr(te)) {
        report(p, src, te);
        ok = guardsOk = false;
        continue;
      }
      guards.push({ name: gname, source: src, expr: te });
      facts = assume(te, true, facts);
    }

    // Updates, in order.
    const updates: TStmt[] = [];
    (tj.updates ?? []).forEach((src, ui) => {
      const p = pointerOf(...base, "updates", ui);
      const parsed = r.parseStmts(p, src);
      if (!parsed) {
        ok = false;
        return;
      }
      const res = checker.stmts(parsed, facts);
      for (const e of res.errors) report(p, src, e);
      if (res.errors.length > 0) ok = false;
      updates.push(...res.typed);
      for (const l of orderDependentLoops(res.typed)) loops.push({ pointer: p, source: src, transition: tj.name, ...l });
      facts = res.facts;
    });

    // Effects see the post-update state.
    const emits: EmitModel[] = [];
    (tj.emit ?? []).forEach((ej, ei) => {
      const ebase = [...base, "emit", ei] as const;
      const eff = effects.find((e) => e.name === ej.effect);
      if (!eff) {
        r.error("unknown-effect", `unknown effect "${ej.effect}"`, pointerOf(...ebase, "effect"));
        ok = false;
        return;
      }
      let when: Predicate | null = null;
      let efacts = facts;
      if (ej.when !== undefined) {
        const p = pointerOf(...ebase, "when");
        const parsed = r.parseExpr(p, ej.when);
        const te = parsed && checker.checkValue(parsed, { kind: "bool" }, facts, "the emit condition");
        if (te && isTExpr(te)) {
          when = { name: "when", source: ej.when, expr: te };
          efacts = assume(te, true, facts);
        } else {
          if (te) report(p, ej.when, te);
          ok = false;
        }
      }
      const efields: { name: string; source: string; expr: TExpr }[] = [];
      for (const f of eff.fields) {
        const src = ej[f.name];
        if (src === undefined) {
          r.error("effect-missing-field", `emit of ${eff.name} is missing field "${f.name}"`, pointerOf(...ebase));
          ok = false;
          continue;
        }
        const p = pointerOf(...ebase, f.name);
        const parsed = r.parseExpr(p, src);
        const te = parsed && checker.checkValue(parsed, f.type, efacts, `${eff.name}.${f.name}`);
        if (te && isTExpr(te)) efields.push({ name: f.name, source: src, expr: te });
        else {
          if (te) report(p, src, te);
          ok = false;
        }
      }
      for (const key of Object.keys(ej)) {
        if (key === "effect" || key === "when" || eff.fields.some((f) => f.name === key)) continue;
        r.error("effect-extra-field", `effect ${eff.name} has no field "${key}"`, pointerOf(...ebase, key));
        ok = false;
      }
      emits.push({ effect: eff.name, when, fields: efields });
    });

    if (ok) {
      transitions.push({
        name: tj.name,
        ...(tj.description ? { description: tj.description } : {}),
        from,
        on: tj.on,
        guards,
        updateSources: tj.updates ?? [],
        updates,
        to: tj.to ?? null,
        emits,
      });
    }
  });

  for (const name of Object.keys(shared)) {
    if (!usedShared.has(name)) r.error("unused-guard", `shared guard ${name} is declared but no transition uses it`, pointerOf("guards", name));
  }

  // After a transition with an unknown trigger, the trigger it was meant to handle would show up
  // here too; report unhandled triggers once the transitions name known ones.
  for (const t of unknownOn ? [] : triggers) {
    if (!handled.has(t.name) && !queryOnly.includes(t.name)) {
      const key = t.kind === "input" ? "inputs" : "signals";
      r.error("unhandled-trigger", `${t.kind} ${t.name} is not handled by any transition`, pointerOf(key, t.name), t.kind === "input" ? `add a transition for it, or list it in "queryOnly"` : "add a transition for it, or remove it");
    }
  }

  // Invariants and witnesses read the state only.
  const stateChecker = new Checker(scopeFor(new Map()));
  // Each definition on its own, knowing nothing, so a mistake in it is reported where it is written.
  for (const [name, def] of definitions) {
    const te = stateChecker.check(def, undefined, NO_FACTS);
    if (!isTExpr(te)) r.exprError(pointerOf("definitions", name), json.definitions?.[name] ?? "", te);
  }
  const invariants = checkPredicates(r, stateChecker, json.invariants, ["invariants"]);
  const witnesses = checkPredicates(r, stateChecker, json.check?.witnesses, ["check", "witnesses"]);

  for (const t of types) {
    if (!usedTypes.has(t.name)) r.error("unused-type", `type ${t.name} is declared but never used`, pointerOf("types", t.name));
  }

  const idTypes = types.filter((t) => t.value.kind === "id" && usedTypes.has(t.name)).map((t) => t.name);
  const profiles = checkProfiles(r, json.check, idTypes, named, phases, terminal, fieldTypes);
  for (const p of profiles) {
    for (const t of new Set(constants.list.map((c) => c.type))) {
      const needed = constants.list.filter((c) => c.type === t).length;
      const size = p.domains[t];
      if (size !== undefined && size < needed) {
        r.error("bad-profile", `profile ${p.name} gives id type ${t} ${size} value${size === 1 ? "" : "s"}, fewer than its ${needed} constants`, json.check?.profiles?.[p.name] ? pointerOf("check", "profiles", p.name, "domains", t) : "", "each constant takes one value of the domain; the others are interchangeable ids");
      }
    }
  }
  for (const refusal of symmetryRefusals(loops, profiles, [])) r.error("symmetry-order-dependent", refusal.message, refusal.pointer, refusal.hint);

  if (r.diagnostics.length > 0) return { model: undefined, diagnostics: r.diagnostics };
  return {
    model: {
      kind: "machine",
      file,
      name: json.machine,
      version: json.version,
      ...(json.description ? { description: json.description } : {}),
      types,
      phaseType,
      initialPhase: json.state.initial,
      terminalPhases: terminal,
      fields,
      triggers,
      queryOnly,
      persistence,
      refusals,
      enumFacts,
      effects,
      transitions,
      orderDependentLoops: loops,
      invariants,
      ...(definitions.size > 0 ? { definitions: [...definitions.keys()].map((name) => ({ name, source: json.definitions?.[name] ?? "" })) } : {}),
      witnesses,
      profiles,
      ...(constants.list.length > 0 ? { idConstants: constants.list } : {}),
    },
    diagnostics: [],
  };
}

function initExample(t: TypeDesc): string {
  switch (t.kind) {
    case "bool":
      return `"false"`;
    case "int":
      return `"${t.min}"`;
    case "enum":
      return `"${t.values[0]}"`;
    case "option":
      return `"none"`;
    case "seq":
      return `"[]"`;
    case "set":
    case "map":
      return `"{}"`;
    case "id":
      return "(an id field needs a named id constant, see \"constants\"; or use Option<Id> with none)";
    case "record":
      return `"${t.name}{${t.fields.map((f) => `${f.name}: ...`).join(", ")}}"`;
    case "tuple":
      return `"(${t.items.map(() => "...").join(", ")})"`;
  }
}

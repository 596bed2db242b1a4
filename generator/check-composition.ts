// Semantic validation of a composition: instances name known machines, entry inputs exist (and
// their environment assumptions are bool predicates over the composed state), routes connect an
// existing effect to an existing input or signal, bindings are complete and well typed, and the
// transitions it declares left out exist.

import type { TypeDesc } from "../kernel/types.js";
import { pointerOf, type Diagnostic } from "./diagnostics.js";
import { Checker, NO_FACTS, type InstanceScope, type Scope } from "./expr/check.js";
import type { TExpr } from "./expr/typed.js";
import type { CompositionModel, EntryModel, MachineModel, RouteModel } from "./model.js";
import type { CompositionJson } from "./spec-json.js";
import type { SourceFile } from "./source.js";
import { symmetryRefusals } from "./symmetry-check.js";
import { checkPredicates, checkProfiles, isTExpr, Reporter } from "./check-common.js";
import { checkLeftOut } from "./check-left-out.js";

export function checkComposition(
  source: SourceFile,
  json: CompositionJson,
  file: string,
  machines: ReadonlyMap<string, MachineModel>,
): { model: CompositionModel | undefined; diagnostics: Diagnostic[] } {
  const r = new Reporter(source);
  const instances: { name: string; machine: MachineModel }[] = [];
  for (const [name, inst] of Object.entries(json.instances)) {
    if (!r.checkName(name, pointerOf("instances", name), "an instance name", ["phase"])) continue;
    const m = machines.get(inst.machine);
    if (!m) {
      const known = [...machines.keys()];
      r.error("unknown-machine", `no machine named "${inst.machine}" among the loaded specs`, pointerOf("instances", name, "machine"), known.length ? `known machines: ${known.join(", ")}` : undefined);
      r.declaredBroken.add(name);
      continue;
    }
    instances.push({ name, machine: m });
  }
  const byName = new Map(instances.map((i) => [i.name, i.machine]));

  const split = (text: string): [string, string] => text.split(".") as [string, string];
  const instanceOf = (name: string, pointer: string): MachineModel | undefined => {
    const m = byName.get(name);
    if (!m && json.instances[name] === undefined) r.error("unknown-instance", `no instance named "${name}"`, pointer);
    return m;
  };

  // Composition predicates (invariants, witnesses, entry assumptions) read instance.field and
  // instance.phase.
  const instScopes = new Map<string, InstanceScope>(
    instances.map((i) => [i.name, { fields: new Map(i.machine.fields.map((f) => [f.name, f.type])), phaseType: i.machine.phaseType }]),
  );
  const enums = new Map<string, TypeDesc & { kind: "enum" }>();
  for (const i of instances) for (const t of i.machine.types) if (t.value.kind === "enum") enums.set(t.name, t.value);
  const stateChecker = new Checker({ fields: new Map(), phaseType: null, bindings: new Map(), instances: instScopes, enums });

  const entry: EntryModel[] = [];
  if (json.entry) {
    json.entry.forEach((item, i) => {
      const text = typeof item === "string" ? item : item.input;
      const pointer = typeof item === "string" ? pointerOf("entry", i) : pointerOf("entry", i, "input");
      const [inst, trig] = split(text);
      const m = instanceOf(inst, pointer);
      if (!m) return;
      if (!m.triggers.some((t) => t.kind === "input" && t.name === trig)) {
        r.error("unknown-trigger", `${m.name} has no input "${trig}"`, pointer);
        return;
      }
      if (typeof item === "string") {
        entry.push({ instance: inst, trigger: trig });
        return;
      }
      let when: EntryModel["when"];
      if (item.when !== undefined) {
        const wp = pointerOf("entry", i, "when");
        const parsed = r.parseExpr(wp, item.when);
        if (!parsed) return;
        const te = stateChecker.checkValue(parsed, { kind: "bool" }, NO_FACTS, "when");
        if (!isTExpr(te)) {
          r.exprError(wp, item.when, te);
          return;
        }
        when = { source: item.when, expr: te };
      }
      entry.push({ instance: inst, trigger: trig, ...(when ? { when } : {}), ...(item.description ? { description: item.description } : {}) });
    });
  } else {
    for (const i of instances) for (const t of i.machine.triggers) if (t.kind === "input") entry.push({ instance: i.name, trigger: t.name });
  }

  const routes: RouteModel[] = [];
  const routeNames = new Set<string>();
  json.routes.forEach((rj, ri) => {
    const base = ["routes", ri] as const;
    if (routeNames.has(rj.name)) r.error("duplicate-name", `route name "${rj.name}" is used twice`, pointerOf(...base, "name"));
    routeNames.add(rj.name);
    const [fi, fe] = split(rj.from);
    const [ti, tt] = split(rj.to);
    const fm = instanceOf(fi, pointerOf(...base, "from"));
    const tm = instanceOf(ti, pointerOf(...base, "to"));
    if (!fm || !tm) return;
    const effect = fm.effects.find((e) => e.name === fe);
    if (!effect) {
      r.error("unknown-effect", `${fm.name} (instance ${fi}) has no effect "${fe}"`, pointerOf(...base, "from"));
      return;
    }
    const trigger = tm.triggers.find((t) => t.name === tt);
    if (!trigger) {
      r.error("unknown-trigger", `${tm.name} (instance ${ti}) has no input or signal "${tt}"`, pointerOf(...base, "to"));
      return;
    }
    if (tm.queryOnly.includes(tt)) {
      r.error("query-only-handled", `route ${rj.name} delivers to ${tm.name}.${tt}, which is a query-only input that no transition handles`, pointerOf(...base, "to"));
      return;
    }
    const scope: Scope = {
      fields: new Map(),
      phaseType: null,
      bindings: new Map(effect.fields.map((f) => [f.name, f.type])),
      instances: new Map(),
      enums: new Map([...fm.types, ...tm.types].filter((t) => t.value.kind === "enum").map((t) => [t.name, t.value as TypeDesc & { kind: "enum" }])),
    };
    const checker = new Checker(scope);
    const bind: { field: string; source: string; expr: TExpr }[] = [];
    const given = rj.bind ?? {};
    let ok = true;
    for (const f of trigger.fields) {
      // A field with the same name and type on both sides binds itself.
      const src = given[f.name] ?? (effect.fields.some((ef) => ef.name === f.name) ? f.name : undefined);
      if (src === undefined) {
        r.error("route-missing-binding", `route ${rj.name} does not say how to fill ${tt}.${f.name}`, pointerOf(...base), `add "bind": { "${f.name}": "<expression over ${fe}'s fields>" }`);
        ok = false;
        continue;
      }
      const p = given[f.name] !== undefined ? pointerOf(...base, "bind", f.name) : pointerOf(...base);
      const parsed = r.parseExpr(p, src);
      const te = parsed && checker.checkValue(parsed, f.type, NO_FACTS, `${tt}.${f.name}`);
      if (te && isTExpr(te)) bind.push({ field: f.name, source: src, expr: te });
      else {
        if (te) r.exprError(p, src, te);
        ok = false;
      }
    }
    for (const key of Object.keys(given)) {
      if (!trigger.fields.some((f) => f.name === key)) {
        r.error("route-extra-binding", `${tm.name}.${tt} has no field "${key}"`, pointerOf(...base, "bind", key));
        ok = false;
      }
    }
    if (ok) {
      routes.push({
        name: rj.name,
        ...(rj.description ? { description: rj.description } : {}),
        from: { instance: fi, effect: fe },
        to: { instance: ti, trigger: tt, kind: trigger.kind },
        bind,
      });
    }
  });

  const leftOut = checkLeftOut(r, json.leftOut, byName, new Set(Object.keys(json.instances)));
  const invariants = checkPredicates(r, stateChecker, json.invariants, ["invariants"]);
  const witnesses = checkPredicates(r, stateChecker, json.check?.witnesses, ["check", "witnesses"]);

  const idTypes = [...new Set(instances.flatMap((i) => i.machine.types.filter((t) => t.value.kind === "id").map((t) => t.name)))];
  const allTypes = new Map(instances.flatMap((i) => i.machine.types.map((t) => [t.name, t.value] as const)));
  // allowDeadlockIn names phases of the instances (the explorer accepts a phase of any of them); a
  // phase is terminal here only if it is terminal in every instance that has it.
  const phases = [...new Set(instances.flatMap((i) => i.machine.phaseType.values))];
  const terminal = phases.filter((ph) => instances.every((i) => !i.machine.phaseType.values.includes(ph) || i.machine.terminalPhases.includes(ph)));
  // Per-field bounds name instance.field, or the delivery queue (a Seq of deliveries).
  const boundable = new Map<string, TypeDesc>([
    ...instances.flatMap((i) => i.machine.fields.map((f) => [`${i.name}.${f.name}`, f.type] as const)),
    ["queue", { kind: "seq", of: { kind: "bool" } }],
  ]);
  const profiles = checkProfiles(r, json.check, idTypes, allTypes, phases, terminal, boundable);
  const composed = instances.map((i) => ({ instance: i.name, file: i.machine.file, loops: i.machine.orderDependentLoops }));
  for (const refusal of symmetryRefusals([], profiles, composed)) r.error("symmetry-order-dependent", refusal.message, refusal.pointer, refusal.hint);

  if (r.diagnostics.length > 0) return { model: undefined, diagnostics: r.diagnostics };
  return {
    model: {
      kind: "composition",
      file,
      name: json.composition,
      version: json.version,
      ...(json.description ? { description: json.description } : {}),
      instances,
      entry,
      routes,
      leftOut,
      invariants,
      witnesses,
      profiles,
    },
    diagnostics: [],
  };
}

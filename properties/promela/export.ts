// Exports a checked machine as a Promela model for SPIN, under one check profile, with the state
// space the explorer (properties/explorer) explores:
//
// - a state is the phase plus every field; nothing else is in the state vector (scratch variables
//   are `hidden`, the single process never leaves its one loop location);
// - from every state, every trigger (inputs and signals, not queryOnly inputs) is tried with every
//   payload of the profile's bounded domains: one `d_step` per (trigger, payload), whose first
//   statement is the enabling condition, so a disabled trigger is not executable;
// - a trigger with two enabled transitions is a determinism violation (assert) and has no successor;
// - a successor with a collection over maxCollectionSize (nested ones included), or an int outside
//   the profile's narrower bound for its type (profile `ints`), is out of bounds: the step leaves
//   the state unchanged (no new state), as the explorer prunes it;
// - invariants are asserted in every reachable state, the initial one included, by one loop
//   alternative that is executable only when an invariant is false (a self-loop, so it adds no
//   state); this checks each state once, exactly like the explorer's check of each new state;
// - terminal phases, and the profile's allowDeadlockIn phases, get a stutter step so that having
//   nothing else enabled there is not an invalid end state; anywhere else it is (a deadlock).
//
// The profile's maxDepth is ignored (the model is explored exhaustively) and so is symmetry.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import { writtenFields } from "../../generator/emit/ts-code.js";
import type { MachineModel, TransitionModel, TriggerModel } from "../../generator/model.js";
import { overBound } from "./bounds.js";
import { scratchSeqCapacity } from "./capacity.js";
import { allConstValues, constView, evalConst, type ConstVal } from "./const.js";
import { locatedAt, PromelaProfileError, PromelaUnsupportedError } from "./errors.js";
import { compileExpr, type ExprScope } from "./expr.js";
import { withInitial } from "./init.js";
import { and, comment, ifElse, not, or, raw, render, type PStmt } from "./pml.js";
import { scalarDomain } from "./scalar.js";
import { Scratch } from "./scratch.js";
import { compileStmts, type UpdateScope } from "./stmt.js";
import { buildStore, cellRead, cellsOf, copyStore, declare, isSplit, viewOf, type Store } from "./store.js";
import { expect, range, type View } from "./view.js";

/** Most concrete payloads one trigger may expand to (as the explorer's MAX_PAYLOADS). */
export const MAX_PAYLOADS = 100_000;

export function exportPromela(model: MachineModel, profileName: string): string {
  const profile = model.profiles.find((p) => p.name === profileName);
  if (!profile) throw new PromelaProfileError(model.name, profileName, model.profiles.map((p) => p.name));
  if (profile.collectionSizes) {
    // Store capacities are one bound for every collection; per-field bounds are explorer-only.
    const pointer = `/check/profiles/${profile.name}/collectionSizes`;
    throw new PromelaUnsupportedError(`per-field collection bounds of profile ${profile.name} (at ${pointer}) are not supported by the SPIN export: use maxCollectionSize alone in the exported profile`, pointer);
  }
  // Records and tuples have no Promela translation: refuse at the type's declaration.
  const compound = model.types.find((t) => t.value.kind === "record" || t.value.kind === "tuple");
  if (compound) {
    const pointer = `/types/${compound.name}`;
    throw new PromelaUnsupportedError(`${compound.value.kind} type ${compound.name} (at ${pointer}) is not supported by the SPIN export: records and tuples are checked by meerkat check only`, pointer);
  }
  return new Exporter(model, profile).text();
}

class Exporter {
  readonly max: number;
  readonly scratchCap: number;
  readonly state = new Map<string, Store>();
  readonly work = new Map<string, Store>();
  readonly types = new Map<string, TypeDesc>();
  readonly scratch: Scratch;
  readonly tmp: UpdateScope["tmp"];
  #ambiguous: string | null = null;

  constructor(
    readonly m: MachineModel,
    readonly profile: ProfileDesc,
  ) {
    this.max = profile.maxCollectionSize;
    this.scratchCap = scratchSeqCapacity(m, profile);
    this.scratch = new Scratch(profile, this.scratchCap);
    this.tmp = { a: this.scratch.int("a"), b: this.scratch.int("b"), i: this.scratch.int("i"), j: this.scratch.int("j"), oob: this.scratch.named("out_of_bounds") };
    const written = new Set(m.transitions.flatMap((t) => writtenFields(t.updates)));
    for (const f of m.fields) {
      this.types.set(f.name, f.type);
      const store = buildStore(f.type, `f_${f.name}`, { profile, seqCap: this.max, hidden: false });
      this.state.set(f.name, withInitial(store, locatedAt(`/state/fields/${f.name}/init`, `the initial value of ${f.name}`, () => evalConst(singleInit(f), profile))));
      if (written.has(f.name)) {
        const w = buildStore(f.type, `w_${f.name}`, { profile, seqCap: this.scratchCap, hidden: true });
        this.scratch.adopt(w);
        this.work.set(f.name, w);
      }
    }
  }

  /** A hidden flag whose name makes pan's report say what failed. */
  ambiguousFlag(): string {
    if (this.#ambiguous === null) this.#ambiguous = this.scratch.named("ambiguous_transition");
    return this.#ambiguous;
  }

  phaseCode(p: string): number {
    const i = this.m.phaseType.values.indexOf(p);
    if (i < 0) throw new Error(`internal: unknown phase ${p}`);
    return i;
  }

  stateStore(name: string): Store {
    const s = this.state.get(name);
    if (!s) throw new Error(`internal: unknown field ${name}`);
    return s;
  }

  fieldType(name: string): TypeDesc {
    const t = this.types.get(name);
    if (!t) throw new Error(`internal: unknown field ${name}`);
    return t;
  }

  workStore(name: string): Store {
    const s = this.work.get(name);
    if (!s) throw new Error(`internal: field ${name} has no working copy`);
    return s;
  }

  preScope(binds: ReadonlyMap<string, View>): ExprScope {
    return {
      profile: this.profile,
      field: (n) => viewOf(this.stateStore(n)),
      bind: (n) => {
        const v = binds.get(n);
        if (!v) throw new Error(`internal: unknown payload field ${n}`);
        return v;
      },
      vars: new Map(),
    };
  }

  cond(e: Parameters<typeof compileExpr>[0], scope: ExprScope): string {
    return expect(compileExpr(e, scope), "scalar").e;
  }

  enabled(tr: TransitionModel, scope: ExprScope): string {
    const inPhase = or(tr.from.map((p) => `(phase == ${this.phaseCode(p)})`));
    return and([inPhase, ...tr.guards.map((g) => this.cond(g.expr, scope))]);
  }

  /** The body of a transition whose guards hold: copy in, updates, bound check, commit. */
  fire(tr: TransitionModel, binds: ReadonlyMap<string, View>): PStmt[] {
    const written = writtenFields(tr.updates);
    const pre = this.preScope(binds);
    const scope: UpdateScope = {
      ...pre,
      field: (n) => (written.includes(n) ? viewOf(this.workStore(n)) : viewOf(this.stateStore(n))),
      work: (n) => this.workStore(n),
      scratch: this.scratch,
      tmp: this.tmp,
    };
    const copyIn = written.flatMap((f) => copyStore(this.workStore(f), this.stateStore(f)));
    const updates = compileStmts(tr.updates, scope);
    const flagged = renderedUses(updates, this.tmp.oob);
    const bound = or([flagged ? this.tmp.oob : "0", ...written.map((f) => overBound(viewOf(this.workStore(f)), this.fieldType(f), this.profile))]);
    const commit = [
      ...written.flatMap((f) => copyStore(this.stateStore(f), this.workStore(f))),
      ...(tr.to === null ? [] : [raw(`phase = ${this.phaseCode(tr.to)}`)]),
    ];
    const tail = bound === "0" ? commit : ifElse(bound, [comment("out of bounds (a collection over maxCollectionSize): no successor")], commit);
    return [comment(`${tr.name}${tr.to === null ? "" : ` -> ${tr.to}`}`), ...(flagged ? [raw(`${this.tmp.oob} = 0`)] : []), ...copyIn, ...updates, ...tail];
  }

  /** `fire`, with an unsupported construct located at the transition's updates. */
  fireAt(tr: TransitionModel, binds: ReadonlyMap<string, View>): PStmt[] {
    return locatedAt(`/transitions/${this.m.transitions.indexOf(tr)}/updates`, `an update of ${tr.name}`, () => this.fire(tr, binds));
  }

  /** One loop alternative per concrete trigger. */
  alternatives(t: TriggerModel): string[] {
    const candidates = this.m.transitions.filter((tr) => tr.on === t.name);
    if (candidates.length === 0) return [];
    const out: string[] = [];
    for (const payload of payloads(t, this.profile)) {
      const binds = new Map(t.fields.map((f) => [f.name, constView(payload.get(f.name) as ConstVal, f.type, this.profile)] as const));
      const scope = this.preScope(binds);
      const en = candidates.map((tr) => locatedAt(`/transitions/${this.m.transitions.indexOf(tr)}/guards`, `a guard of ${tr.name}`, () => this.enabled(tr, scope)));
      const someEnabled = or(en);
      if (someEnabled === "0") continue;
      let body: PStmt[];
      if (candidates.length === 1) body = [raw(someEnabled), ...this.fireAt(candidates[0] as TransitionModel, binds)];
      else {
        const branches = candidates.map((tr, i) => ({
          guard: and([en[i] as string, ...en.filter((_, j) => j !== i).map(not)]),
          body: this.fireAt(tr, binds),
        }));
        const names = candidates.map((c) => c.name).join(", ");
        const flag = this.ambiguousFlag();
        const report = [comment(`AmbiguousTransition: two of ${names} are enabled`), raw(`${flag} = 1`), raw(`assert(${flag} == 0)`)];
        body = [raw(someEnabled), { k: "if", branches: [...branches, { guard: "else", body: report }] }];
      }
      out.push(`  :: /* ${t.name}${describePayload(t, payload, this.profile)} */`, "     d_step {", ...render(body, "       "), "     }");
    }
    return out;
  }

  text(): string {
    const m = this.m;
    const p = this.profile;
    const alts = m.triggers.filter((t) => !(t.kind === "input" && m.queryOnly.includes(t.name))).flatMap((t) => this.alternatives(t));
    const stateScope = this.preScope(new Map());
    const invariants = m.invariants.map((inv) => ({ name: inv.name, source: inv.source, e: locatedAt(`/invariants/${inv.name}`, `invariant ${inv.name}`, () => this.cond(inv.expr, stateScope)), flag: this.scratch.named(`invariant_${inv.name.replace(/\W/g, "_")}`) }));
    const restful = [...m.terminalPhases, ...p.allowDeadlockIn];
    const stateCells = [...this.state.values()].flatMap(cellsOf);
    const lines: string[] = [
      `/* ${m.name} (${m.file}), version ${m.version}: Promela export for SPIN under check profile "${p.name}". */`,
      `/* Generated by properties/promela/export.ts; the state space is the one properties/explorer explores. */`,
      `/* Domains: ${Object.entries(p.domains).map(([k, v]) => `${k}=${v}`).join(", ") || "no id types"}; maxCollectionSize ${p.maxCollectionSize}. */`,
      `/* Exhaustive: the profile's maxDepth (${p.maxDepth ?? "none"}) is ignored${p.symmetry ? ", and so is symmetry" : ""}. */`,
      `/* Encoding: bool 0/1, ints as themselves, enums and ids as 0-based indexes (ids: Type#1 is 0); */`,
      `/* Option x as x__has + x__v; Set as one bit per element; Map as k__has + k__v per key; Seq as slots + x__len. */`,
      `/* Unused slots (none, absent keys, past the end of a Seq) hold the type's first value. */`,
      `/* Phases: ${m.phaseType.values.map((v, i) => `${i}=${v}`).join(", ")}. */`,
      ...enumLegend(m),
      "",
      `/* State vector: the phase and every field, initialised here. */`,
      `byte phase = ${this.phaseCode(m.initialPhase)};`,
      ...stateCells.flatMap(declare),
      "",
      `/* Scratch (hidden: not part of the state vector; Seq scratch capacity ${this.scratchCap}). */`,
      ...this.scratch.declarations(),
      "",
      `active proctype ${m.name}() {`,
      `  do`,
      ...alts,
    ];
    if (restful.length > 0) {
      lines.push(
        `  :: /* ${restful.join(", ")}: no trigger needs to be enabled here (terminal or allowDeadlockIn) */`,
        `     d_step { ${or(restful.map((ph) => `(phase == ${this.phaseCode(ph)})`))} }`,
      );
    }
    if (invariants.length > 0) {
      lines.push(`  :: /* invariants, checked in every reachable state (executable only when one is false) */`);
      lines.push(`     d_step {`, `       !${and(invariants.map((i) => i.e))};`);
      for (const inv of invariants) lines.push(`       /* ${inv.name}: ${inv.source.replace(/\*\//g, "* /")} */`, `       ${inv.flag} = ${inv.e};`);
      invariants.forEach((inv, i) => lines.push(`       assert(${inv.flag})${i < invariants.length - 1 ? ";" : ""}`));
      lines.push(`     }`);
    }
    // SPIN drops variables that are written but never read from the state vector; this never-enabled
    // step reads every field so each one counts in the state, as in the explorer.
    const touch = stateCells.flatMap((c) => (c.count === 1 ? [c.name] : isSplit(c) ? range(c.count).map((i) => cellRead(c, i)) : [cellRead(c, 0)]));
    lines.push(`  :: /* never enabled: reads every field so SPIN keeps all of them in the state vector */`, `     d_step { (0 && (${touch.join(" + ")} > 0)) }`);
    lines.push(`  od`, `}`, "");
    return lines.join("\n");
  }
}

/** Whether the printed statements mention a name (the out-of-bounds flag is only reset where it is set). */
function renderedUses(stmts: readonly PStmt[], name: string): boolean {
  return render(stmts, "").some((line) => line.includes(name));
}

function enumLegend(m: MachineModel): string[] {
  return m.types
    .filter((t) => t.value.kind === "enum" && t.name !== "Phase")
    .map((t) => `/* ${t.name}: ${(t.value as { values: readonly string[] }).values.map((v, i) => `${i}=${v}`).join(", ")}. */`);
}

/** Every concrete payload of a trigger: the product of its fields' value sets. */
export function payloads(t: TriggerModel, profile: ProfileDesc): Map<string, ConstVal>[] {
  let out: Map<string, ConstVal>[] = [new Map()];
  for (const f of t.fields) {
    const values = allConstValues(f.type, profile, MAX_PAYLOADS);
    if (out.length * values.length > MAX_PAYLOADS) throw new PromelaUnsupportedError(`trigger ${t.name} has more than ${MAX_PAYLOADS} payloads under profile ${profile.name}`);
    out = out.flatMap((partial) => values.map((v) => new Map([...partial, [f.name, v]])));
  }
  return out;
}

function describePayload(t: TriggerModel, payload: ReadonlyMap<string, ConstVal>, profile: ProfileDesc): string {
  if (t.fields.length === 0) return "";
  return ` ${t.fields.map((f) => `${f.name}=${showConst(payload.get(f.name) as ConstVal, f.type, profile)}`).join(" ")}`;
}

function showConst(v: ConstVal, t: TypeDesc, profile: ProfileDesc): string {
  switch (v.k) {
    case "none":
      return "none";
    case "some":
      return `some(${showConst(v.v, t.kind === "option" ? t.of : t, profile)})`;
    case "scalar":
      if (t.kind === "id") return `${t.name}#${v.v + 1}`;
      if (t.kind === "enum") return t.values[v.v] ?? String(v.v);
      if (t.kind === "bool") return v.v === 1 ? "true" : "false";
      return String(v.v);
    case "set": {
      const of = t.kind === "set" ? t.of : t;
      const d = of.kind === "bool" || of.kind === "int" || of.kind === "enum" || of.kind === "id" ? scalarDomain(of, profile) : { lo: 0 };
      return `{${v.members.map((i) => showConst({ k: "scalar", v: i + d.lo }, of, profile)).join(",")}}`;
    }
    case "seq":
      return `[${v.items.map((x) => showConst({ k: "scalar", v: x }, t.kind === "seq" ? t.of : t, profile)).join(",")}]`;
    case "map":
      return `{${[...v.entries].map(([k, x]) => `${k}:${showConst(x, t.kind === "map" ? t.value : t, profile)}`).join(",")}}`;
  }
}

/**
 * The one initial value of a field. A choice of initial values (`oneOf`: several initial states)
 * would need a nondeterministic init step, which would add a state SPIN counts and ours does not.
 */
function singleInit(f: MachineModel["fields"][number]): MachineModel["fields"][number]["init"] {
  if (f.choices) throw new PromelaUnsupportedError(`a choice of ${f.choices.length} initial values (several initial states) cannot be a declaration initialiser; export a profile of a spec with one initial state`);
  return f.init;
}

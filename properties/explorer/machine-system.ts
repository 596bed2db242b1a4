// A machine kernel as an explorable system: choices are its concrete triggers (queryOnly inputs
// skipped), states are split into phase and fields.

import type { AnyKernel, AnyState, AnyTrigger, EffectDesc, ProfileDesc } from "../../kernel/descriptor.js";
import { encodeState } from "../../kernel/instance.js";
import { recordAccess } from "./accessors.js";
import { denseOf, fieldDense, type Dense, type DenseContext } from "./dense.js";
import { IdSpace } from "./ids.js";
import { kernelInitialStates } from "./initial-states.js";
import { effectJson, recordJson, refusalJson } from "./json.js";
import type { Layout } from "./layout.js";
import { concreteTriggers } from "./payloads.js";
import { containsInt, fieldsRangeProblem } from "./ranges.js";
import type { StepResult, System } from "./system.js";

/** `prefix` is how the profile's per-field bounds name this machine's fields (`instance.` in a composition). */
export function machineLayout(kernel: AnyKernel, ctx: DenseContext, prefix = ""): Layout<AnyState> {
  const fields = kernel.fields;
  const names = ["phase", ...fields.map((f) => f.name)];
  const access = recordAccess(names);
  const components: Dense<unknown>[] = [denseOf({ kind: "enum", name: "Phase", values: kernel.phases }, ctx), ...fields.map((f) => fieldDense(prefix + f.name, f.type, ctx))];
  return {
    components,
    names,
    flatten: (s, out) => access.read(s, out),
    build: (values) => access.make(values) as AnyState,
  };
}

/** The machine's choices: every concrete trigger (queryOnly inputs skipped), with its trigger's index. */
export function machineChoices(kernel: AnyKernel, ctx: DenseContext): { choices: AnyTrigger[]; choiceDesc: number[] } {
  const choices: AnyTrigger[] = [];
  const choiceDesc: number[] = [];
  kernel.triggers.forEach((t, ti) => {
    if (t.kind === "input" && kernel.queryOnly.includes(t.name)) return;
    for (const trig of concreteTriggers(t.name, t.fields, ctx)) {
      choices.push(trig);
      choiceDesc.push(ti);
    }
  });
  return { choices, choiceDesc };
}

/**
 * Per phase, the choices whose trigger some transition handles from it (null: all of them): in the
 * other phases the dispatcher could only answer NoMatchingTransition, so they are not tried at all.
 */
export function choicesWorthTrying(kernel: AnyKernel, choices: readonly AnyTrigger[]): (Int32Array | null)[] {
  const handles = kernel.phases.map((p) => new Set(kernel.transitions.filter((t) => t.from.includes(p)).map((t) => t.on as string)));
  return handles.map((on) => {
    const list = choices.map((t, c) => (on.has(t.kind) ? c : -1)).filter((c) => c >= 0);
    return list.length === choices.length ? null : Int32Array.from(list);
  });
}

/** The dense context of a profile (what payloads and state components are enumerated under). */
export function denseContext(profile: ProfileDesc, ids: IdSpace): DenseContext {
  return { ids, maxCollectionSize: profile.maxCollectionSize, intBounds: profile.intBounds, ...(profile.collectionSizes ? { collectionSizes: profile.collectionSizes } : {}) };
}

export function machineSystem(kernel: AnyKernel, profile: ProfileDesc, ids: IdSpace = new IdSpace(profile, kernel.idConstants)): System<AnyState> {
  const ctx = denseContext(profile, ids);
  const layout = machineLayout(kernel, ctx);
  const { choices, choiceDesc } = machineChoices(kernel, ctx);
  const phaseIndex = new Map(kernel.phases.map((p, i) => [p, i]));
  const terminal = new Set(kernel.terminalPhases);
  const allowed = new Set(profile.allowDeadlockIn);
  const effectDescs = new Map<string, EffectDesc>(kernel.effects.map((e) => [e.name, e]));
  const intEffects = new Map(kernel.effects.filter((e) => e.fields.some((f) => containsInt(f.type))).map((e) => [e.name, e]));
  const phaseIds: number[][] = kernel.phases.map((_, i) => [i]);
  const n = choices.length;
  const worthTrying = choicesWorthTrying(kernel, choices);
  return {
    subject: "machine",
    name: kernel.machine,
    specFile: kernel.specFile,
    profile,
    ids,
    coverageIsChecked: true,
    phaseNames: kernel.phases,
    transitionNames: kernel.transitions.map((t) => t.name),
    invariants: kernel.invariants,
    witnesses: kernel.witnesses,
    layout,
    initialStates: () => kernelInitialStates(kernel),
    choicesFrom: () => 0,
    choicesTo: () => n,
    step: (s, c) => kernel.transition(s, choices[c] as AnyTrigger),
    choicesIn: (s) => worthTrying[phaseIndex.get(s.phase) ?? 0] ?? null,
    phasesOf: (s) => phaseIds[phaseIndex.get(s.phase) ?? 0] as number[],
    isTerminal: (s) => terminal.has(s.phase),
    deadlockAllowed: (s) => allowed.has(s.phase),
    whereStuck: (s) => s.phase,
    effectRangeProblem: (r) => {
      if (intEffects.size === 0) return null;
      for (const e of r.effects) {
        const desc = intEffects.get(e.effect);
        const bad = desc ? fieldsRangeProblem(desc.fields, e, `${e.effect}.`) : null;
        if (bad) return bad;
      }
      return null;
    },
    stateRangeProblem: (s) => fieldsRangeProblem(kernel.fields, s, ""),
    stateJson: (s) => encodeState(kernel.fields, s),
    stepJson: (s, c, r: StepResult<AnyState>) => {
      const t = kernel.triggers[choiceDesc[c] as number];
      const payload = t ? recordJson(t.fields, choices[c] as AnyTrigger) : {};
      const trigger = (choices[c] as AnyTrigger).kind;
      if (r.ok) return { trigger, payload, transition: r.transition, state: encodeState(kernel.fields, r.state), effects: r.effects.map((e) => effectJson(effectDescs, e)) };
      return { trigger, payload, transition: null, state: null, effects: [], refusal: r.code === "RouteRefused" ? { code: r.code, route: r.route } : r.code === "NotOffered" ? { code: r.code } : refusalJson(r) };
    },
  };
}

// A composition as an explorable system. The composed state is one state per instance plus a FIFO
// queue of routed deliveries. Run to completion: while the queue is non-empty the only step is
// delivering its head; when it is empty the environment may inject any entry input whose
// environment assumption (`when`) holds in the state. Besides the composition's own witnesses,
// every route has one (it must carry a delivery in some reachable state).

import type { AnyKernel, AnyState, AnyTrigger, CompositionKernel, EffectDesc, ProfileDesc } from "../../kernel/descriptor.js";
import { encodeState } from "../../kernel/instance.js";
import type { Refusal } from "../../kernel/result.js";
import { seqDense, type Dense, type DenseContext } from "./dense.js";
import { deliveryDense, type Delivery } from "./delivery.js";
import { IdSpace } from "./ids.js";
import { kernelInitialStates, product } from "./initial-states.js";
import { effectJson, recordJson, refusalJson, triggerFields } from "./json.js";
import { routeWitnesses } from "./route-witness.js";
import type { Layout } from "./layout.js";
import { machineLayout } from "./machine-system.js";
import { concreteTriggers } from "./payloads.js";
import { containsInt, fieldsRangeProblem } from "./ranges.js";
import type { NamedCheck, StepFired, StepResult, System } from "./system.js";
import type { JsonObject, TraceStep } from "./trace.js";

export interface ComposedState {
  readonly inst: readonly AnyState[];
  readonly queue: readonly Delivery[];
}

export function compositionSystem(kernel: CompositionKernel<unknown>, profile: ProfileDesc, ids: IdSpace = new IdSpace(profile, compositionConstants(kernel))): System<ComposedState> {
  const ctx: DenseContext = { ids, maxCollectionSize: profile.maxCollectionSize, intBounds: profile.intBounds, ...(profile.collectionSizes ? { collectionSizes: profile.collectionSizes } : {}) };
  const names = Object.keys(kernel.instances);
  const kernels: AnyKernel[] = names.map((n) => kernel.instances[n] as AnyKernel);
  const instIndex = new Map(names.map((n, i) => [n, i]));
  const indexOf = (name: string): number => {
    const i = instIndex.get(name);
    if (i === undefined) throw new Error(`${kernel.composition}: no instance ${name}`);
    return i;
  };

  // Routes, by producing instance and effect.
  const routes = kernel.routes;
  const routeTo = routes.map((r) => indexOf(r.to.instance));
  const routesFrom: Map<string, number[]>[] = names.map(() => new Map());
  routes.forEach((r, ri) => {
    const m = routesFrom[indexOf(r.from.instance)] as Map<string, number[]>;
    m.set(r.from.effect, [...(m.get(r.from.effect) ?? []), ri]);
  });
  const shapes = routes.map((r, ri) => ({ name: r.name, trigger: r.to.trigger, fields: triggerFields((kernels[routeTo[ri] as number] as AnyKernel).triggers, r.to.trigger) }));

  // Layout: every instance's phase and fields, then the queue.
  const inner = kernels.map((k, i) => machineLayout(k, ctx, `${names[i]}.`));
  const widths = inner.map((l) => l.components.length);
  const scratch = inner.map((l) => new Array<unknown>(l.components.length));
  const delivery = deliveryDense(shapes, ctx);
  const queueDense = seqDense(delivery, profile.collectionSizes?.queue ?? profile.maxCollectionSize, "queue") as Dense<unknown>;
  const layout: Layout<ComposedState> = {
    components: [...inner.flatMap((l) => l.components), queueDense],
    names: [...inner.flatMap((l, i) => l.names.map((n) => `${names[i]}.${n}`)), "queue"],
    flatten: (s, out) => {
      let at = 0;
      for (let i = 0; i < inner.length; i++) {
        const buf = scratch[i] as unknown[];
        (inner[i] as Layout<AnyState>).flatten(s.inst[i] as AnyState, buf);
        for (let j = 0; j < buf.length; j++) out[at++] = buf[j];
      }
      out[at] = s.queue;
    },
    build: (values) => {
      let at = 0;
      const inst = inner.map((l, i) => {
        const w = widths[i] as number;
        const part = values.slice(at, at + w);
        at += w;
        return l.build(part);
      });
      return { inst, queue: values[at] as readonly Delivery[] };
    },
  };

  // Choices: every concrete entry input, then "deliver the queue head".
  const choices: AnyTrigger[] = [];
  const choiceInst: number[] = [];
  /** The entry's environment assumption (index into `assumptions`) of each choice, or -1. */
  const choiceAssumption: number[] = [];
  const assumptions: ((state: unknown) => boolean)[] = [];
  for (const e of kernel.entryInputs) {
    const i = indexOf(e.instance);
    const when = e.when?.bind(e);
    const a = when ? assumptions.push(when) - 1 : -1;
    for (const t of concreteTriggers(e.trigger, triggerFields((kernels[i] as AnyKernel).triggers, e.trigger), ctx)) {
      choices.push(t);
      choiceInst.push(i);
      choiceAssumption.push(a);
    }
  }
  const DELIVER = choices.length;

  const qualified = kernels.map((k, i) => new Map(k.transitions.map((t) => [t.name, `${names[i]}.${t.name}`])));
  const qualify = (i: number, t: string): string => (qualified[i] as Map<string, string>).get(t) ?? `${names[i]}.${t}`;
  const ambiguous = (i: number, r: Refusal<string>): Refusal<string> =>
    r.code === "AmbiguousTransition" ? { ...r, transitions: r.transitions.map((t) => qualify(i, t)) } : r;

  const fire = (s: ComposedState, i: number, r: StepFired<AnyState>, rest: readonly Delivery[]): StepFired<ComposedState> => {
    const inst = s.inst.slice();
    inst[i] = r.state;
    let queue = rest;
    const from = routesFrom[i] as Map<string, number[]>;
    for (const e of r.effects) {
      const rs = from.get(e.effect);
      if (!rs) continue;
      const grown = queue.slice();
      for (const ri of rs) grown.push({ route: ri, trigger: (routes[ri] as (typeof routes)[number]).deliver(e) });
      queue = grown;
    }
    return { ok: true, transition: qualify(i, r.transition), state: { inst, queue }, effects: r.effects, instance: i };
  };

  // Assumptions are evaluated once per state (the engine tries every choice of a state in a row).
  let assumedFor: ComposedState | null = null;
  const assumed = new Int8Array(assumptions.length);
  const assumptionHolds = (s: ComposedState, a: number): boolean => {
    if (a < 0) return true;
    if (assumedFor !== s) {
      assumedFor = s;
      assumed.fill(-1);
    }
    if (assumed[a] === -1) assumed[a] = (assumptions[a] as (state: unknown) => boolean)(recordOf(s)) ? 1 : 0;
    return assumed[a] === 1;
  };

  const step = (s: ComposedState, c: number): StepResult<ComposedState> => {
    if (c === DELIVER) {
      const d = s.queue[0] as Delivery;
      const i = routeTo[d.route] as number;
      const r = (kernels[i] as AnyKernel).transition(s.inst[i] as AnyState, d.trigger);
      if (r.ok) return fire(s, i, r, s.queue.slice(1));
      if (r.code === "AmbiguousTransition") return ambiguous(i, r);
      return { ok: false, code: "RouteRefused", route: (routes[d.route] as (typeof routes)[number]).name, instance: names[i] as string, refusal: r };
    }
    const i = choiceInst[c] as number;
    if (!assumptionHolds(s, choiceAssumption[c] as number)) return { ok: false, code: "NotOffered", instance: names[i] as string, trigger: (choices[c] as AnyTrigger).kind };
    const r = (kernels[i] as AnyKernel).transition(s.inst[i] as AnyState, choices[c] as AnyTrigger);
    return r.ok ? fire(s, i, r, s.queue) : ambiguous(i, r);
  };

  // Checks: composed predicates over {instance: state}, then each instance's own invariants.
  const recordOf = (s: ComposedState): Record<string, AnyState> => {
    const out: Record<string, AnyState> = {};
    names.forEach((n, i) => (out[n] = s.inst[i] as AnyState));
    return out;
  };
  const composed = (p: { name: string; source: string; holds(x: unknown): boolean }): NamedCheck<ComposedState> => ({
    name: p.name,
    source: p.source,
    holds: (s) => p.holds(recordOf(s)),
  });
  const invariants: NamedCheck<ComposedState>[] = [
    ...kernel.invariants.map(composed),
    ...kernels.flatMap((k, i) =>
      k.invariants.map((inv) => ({ name: `${names[i]}.${inv.name}`, source: inv.source, holds: (s: ComposedState) => inv.holds(s.inst[i] as AnyState) })),
    ),
  ];

  const phaseOffset: number[] = [];
  const phaseNames: string[] = [];
  kernels.forEach((k, i) => {
    phaseOffset.push(phaseNames.length);
    for (const p of k.phases) phaseNames.push(`${names[i]}.${p}`);
  });
  const phaseIndex = kernels.map((k) => new Map(k.phases.map((p, j) => [p, j])));
  const terminal = kernels.map((k) => new Set(k.terminalPhases));
  const allowed = new Set(profile.allowDeadlockIn);
  const effectDescs = kernels.map((k) => new Map<string, EffectDesc>(k.effects.map((e) => [e.name, e])));
  const intEffects = kernels.map((k) => new Map(k.effects.filter((e) => e.fields.some((f) => containsInt(f.type))).map((e) => [e.name, e])));

  const stateJson = (s: ComposedState): JsonObject => {
    const out: JsonObject = {};
    names.forEach((n, i) => (out[n] = encodeState((kernels[i] as AnyKernel).fields, s.inst[i] as AnyState)));
    return out;
  };
  const deliveryJson = (d: Delivery): JsonObject => {
    const shape = shapes[d.route] as (typeof shapes)[number];
    return { route: shape.name, trigger: d.trigger.kind, payload: recordJson(shape.fields, d.trigger) };
  };

  return {
    subject: "composition",
    name: kernel.composition,
    specFile: kernel.specFile,
    profile,
    ids,
    coverageIsChecked: false,
    phaseNames,
    transitionNames: kernels.flatMap((k, i) => k.transitions.map((t) => `${names[i]}.${t.name}`)),
    invariants,
    witnesses: [...kernel.witnesses.map(composed), ...routeWitnesses(routes)],
    layout,
    initialStates: () => product(kernels.map(kernelInitialStates)).map((inst) => ({ inst, queue: [] })),
    choicesFrom: (s) => (s.queue.length > 0 ? DELIVER : 0),
    choicesTo: (s) => (s.queue.length > 0 ? DELIVER + 1 : DELIVER),
    step,
    phasesOf: (s) => s.inst.map((st, i) => (phaseOffset[i] as number) + ((phaseIndex[i] as Map<string, number>).get(st.phase) ?? 0)),
    isTerminal: (s) => s.queue.length === 0 && s.inst.every((st, i) => (terminal[i] as Set<string>).has(st.phase)),
    deadlockAllowed: (s) => s.inst.every((st, i) => (terminal[i] as Set<string>).has(st.phase) || allowed.has(st.phase) || allowed.has(`${names[i]}.${st.phase}`)),
    whereStuck: (s) => s.inst.map((st, i) => `${names[i]}=${st.phase}`).join(","),
    effectRangeProblem: (r) => {
      const i = r.instance ?? 0;
      const m = intEffects[i] as Map<string, EffectDesc>;
      if (m.size === 0) return null;
      for (const e of r.effects) {
        const desc = m.get(e.effect);
        const bad = desc ? fieldsRangeProblem(desc.fields, e, `${names[i]}.${e.effect}.`) : null;
        if (bad) return bad;
      }
      return null;
    },
    stateRangeProblem: (s) => {
      for (let i = 0; i < kernels.length; i++) {
        const bad = fieldsRangeProblem((kernels[i] as AnyKernel).fields, s.inst[i] as AnyState, `${names[i]}.`);
        if (bad) return bad;
      }
      for (const d of s.queue) {
        const shape = shapes[d.route];
        const bad = shape ? fieldsRangeProblem(shape.fields, d.trigger, `queue.${shape.name}.`) : null;
        if (bad) return bad;
      }
      return null;
    },
    stateJson,
    stepJson: (s, c, r): TraceStep => {
      let head: { instance: string; route?: string; trigger: string; payload: JsonObject };
      if (c === DELIVER) {
        const d = s.queue[0] as Delivery;
        const shape = shapes[d.route] as (typeof shapes)[number];
        head = { instance: names[routeTo[d.route] as number] as string, route: shape.name, trigger: d.trigger.kind, payload: recordJson(shape.fields, d.trigger) };
      } else {
        const i = choiceInst[c] as number;
        const t = choices[c] as AnyTrigger;
        head = { instance: names[i] as string, trigger: t.kind, payload: recordJson(triggerFields((kernels[i] as AnyKernel).triggers, t.kind), t) };
      }
      if (r.ok) {
        const effs = effectDescs[r.instance ?? 0] as Map<string, EffectDesc>;
        return { ...head, transition: r.transition, state: stateJson(r.state), effects: r.effects.map((e) => effectJson(effs, e)), pending: r.state.queue.map(deliveryJson) };
      }
      const refusal: JsonObject =
        r.code === "RouteRefused"
          ? { code: r.code, route: r.route, instance: r.instance, refused: refusalJson(r.refusal) }
          : r.code === "NotOffered"
            ? { code: r.code, instance: r.instance, trigger: r.trigger }
            : refusalJson(r);
      return { ...head, transition: null, state: null, effects: [], pending: s.queue.map(deliveryJson), refusal };
    },
  };
}

/** The named id constants of every instance's machine, by type (a constant two machines share is one id). */
export function compositionConstants(kernel: CompositionKernel<unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of Object.values(kernel.instances) as AnyKernel[]) {
    for (const [type, names] of Object.entries(k.idConstants ?? {})) {
      const list = (out[type] ??= []);
      for (const n of names) if (!list.includes(n)) list.push(n);
    }
  }
  return out;
}

// Re-runs a trace against a kernel, step by step, and confirms that it still shows its violation
// (or witness). The stepping is done directly on the kernel's transition function, independently
// of the explorer's own stepping, so a replay is a real cross-check of a trace.

import { fromJson, type DecodeProblem } from "../../kernel/codec.js";
import type { AnyEffect, AnyKernel, AnyState, AnyTrigger, CompositionKernel, FieldDesc } from "../../kernel/descriptor.js";
import { encodeState } from "../../kernel/instance.js";
import { describeRefusal, type Fired, type Refusal } from "../../kernel/result.js";
import { compositionSystem, type ComposedState } from "./composition-system.js";
import type { Delivery } from "./delivery.js";
import { triggerFields } from "./json.js";
import { kernelInitialStates, product } from "./initial-states.js";
import { machineSystem } from "./machine-system.js";
import { selectProfile } from "./profile.js";
import type { StepFired, StepResult, System } from "./system.js";
import type { JsonObject, Trace, TraceStep } from "./trace.js";

export type ReplayTarget = { readonly kind: "machine"; readonly kernel: AnyKernel } | { readonly kind: "composition"; readonly kernel: CompositionKernel<unknown> };

export interface ReplayRow {
  readonly step: number;
  readonly trigger: string;
  readonly transition: string;
  readonly phase: string;
  readonly effects: string;
}

export interface ReplayResult {
  readonly reproduced: boolean;
  readonly message: string;
  readonly rows: readonly ReplayRow[];
}

type Outcome =
  | (Fired<AnyState, string, AnyEffect> & { readonly instance?: number })
  | Refusal<string>
  | { readonly ok: false; readonly code: "RouteRefused"; readonly route: string };

/** One way of stepping: a machine, or a composition with its delivery queue. */
interface Stepper<S> {
  readonly sys: System<S>;
  /** Every initial state: a trace may start in any of them. */
  initialStates(): readonly S[];
  apply(s: S, step: TraceStep): { outcome: Outcome; next: S | null };
  json(s: S): JsonObject;
  phase(s: S): string;
}

export function replayTrace(trace: Trace, target: ReplayTarget): ReplayResult {
  return target.kind === "machine" ? run(trace, machineStepper(target.kernel, trace.profile)) : run(trace, compositionStepper(target.kernel, trace.profile));
}

function decodeTrigger(fields: readonly FieldDesc[], kind: string, payload: JsonObject): AnyTrigger {
  const problems: DecodeProblem[] = [];
  const out: Record<string, unknown> & { kind: string } = { kind };
  for (const f of fields) out[f.name] = fromJson(f.type, payload[f.name], `/payload/${f.name}`, problems);
  if (problems.length > 0) throw new Error(`bad payload for ${kind}: ${problems.map((p) => `${p.pointer}: ${p.message}`).join("; ")}`);
  return out;
}

function machineStepper(kernel: AnyKernel, profile: string): Stepper<AnyState> {
  return {
    sys: machineSystem(kernel, selectProfile(`machine ${kernel.machine}`, kernel.profiles, profile)),
    initialStates: () => kernelInitialStates(kernel),
    apply: (s, step) => {
      const r = kernel.transition(s, decodeTrigger(triggerFields(kernel.triggers, step.trigger), step.trigger, step.payload));
      return { outcome: r, next: r.ok ? r.state : null };
    },
    json: (s) => encodeState(kernel.fields, s),
    phase: (s) => s.phase,
  };
}

function compositionStepper(kernel: CompositionKernel<unknown>, profile: string): Stepper<ComposedState> {
  const names = Object.keys(kernel.instances);
  const kernels = names.map((n) => kernel.instances[n] as AnyKernel);
  const at = (name: string | undefined): number => {
    const i = names.indexOf(name ?? "");
    if (i < 0) throw new Error(`${kernel.composition} has no instance ${String(name)}`);
    return i;
  };
  const record = (s: ComposedState): Record<string, AnyState> => Object.fromEntries(names.map((n, i) => [n, s.inst[i] as AnyState]));
  return {
    sys: compositionSystem(kernel, selectProfile(`composition ${kernel.composition}`, kernel.profiles, profile)),
    initialStates: () => product(kernels.map(kernelInitialStates)).map((inst) => ({ inst, queue: [] })),
    apply: (s, step) => {
      let trigger: AnyTrigger;
      let rest: readonly Delivery[];
      let i: number;
      if (step.route !== undefined) {
        const head = s.queue[0];
        const route = head ? kernel.routes[head.route] : undefined;
        if (!head || !route || route.name !== step.route) throw new Error(`the queue head is ${route ? `route ${route.name}` : "empty"}, not route ${step.route}`);
        i = at(route.to.instance);
        trigger = head.trigger;
        rest = s.queue.slice(1);
      } else {
        if (s.queue.length > 0) throw new Error(`input ${step.trigger} injected while deliveries are pending`);
        i = at(step.instance);
        const entries = kernel.entryInputs.filter((e) => e.instance === step.instance && e.trigger === step.trigger);
        if (entries.length > 0 && !entries.some((e) => e.when === undefined || e.when(record(s)))) {
          throw new Error(`input ${step.instance ?? ""}.${step.trigger} injected where its environment assumption does not hold`);
        }
        trigger = decodeTrigger(triggerFields((kernels[i] as AnyKernel).triggers, step.trigger), step.trigger, step.payload);
        rest = s.queue;
      }
      const r = (kernels[i] as AnyKernel).transition(s.inst[i] as AnyState, trigger);
      if (!r.ok) {
        if (step.route !== undefined && r.code !== "AmbiguousTransition") return { outcome: { ok: false, code: "RouteRefused", route: step.route }, next: null };
        return { outcome: r, next: null };
      }
      const queue = [...rest];
      for (const e of r.effects) {
        kernel.routes.forEach((route, ri) => {
          if (route.from.instance === names[i] && route.from.effect === e.effect) queue.push({ route: ri, trigger: route.deliver(e) });
        });
      }
      const inst = s.inst.slice();
      inst[i] = r.state;
      return { outcome: { ...r, transition: `${names[i]}.${r.transition}`, instance: i }, next: { inst, queue } };
    },
    json: (s) => Object.fromEntries(names.map((n, i) => [n, encodeState((kernels[i] as AnyKernel).fields, s.inst[i] as AnyState)])),
    phase: (s) => s.inst.map((st, i) => `${names[i]}=${st.phase}`).join(" "),
  };
}

function showPayload(p: JsonObject): string {
  const parts = Object.entries(p).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return parts.length ? `(${parts.join(", ")})` : "";
}

function run<S>(trace: Trace, st: Stepper<S>): ReplayResult {
  const rows: ReplayRow[] = [];
  const fail = (message: string): ReplayResult => ({ reproduced: false, message, rows });
  const want = JSON.stringify(trace.initial);
  const all = st.initialStates();
  const start = all.find((s) => JSON.stringify(st.json(s)) === want);
  if (start === undefined) return fail(all.length === 1 ? "the initial state differs from the trace's" : `the trace's initial state is none of the ${all.length} initial states`);
  let state = start;
  let last: Outcome | null = null;
  for (const [n, step] of trace.steps.entries()) {
    let applied: { outcome: Outcome; next: S | null };
    try {
      applied = st.apply(state, step);
    } catch (e) {
      return fail(`step ${n + 1}: ${(e as Error).message}`);
    }
    const { outcome, next } = applied;
    const label = `${step.instance ? `${step.instance}.` : ""}${step.trigger}${showPayload(step.payload)}${step.route ? ` via ${step.route}` : ""}`;
    rows.push({
      step: n + 1,
      trigger: label,
      transition: outcome.ok ? outcome.transition : outcome.code === "RouteRefused" ? "refused" : outcome.code,
      phase: next ? st.phase(next) : "-",
      effects: outcome.ok ? outcome.effects.map((e) => e.effect + showPayload(Object.fromEntries(Object.entries(e).filter(([k]) => k !== "effect")) as JsonObject)).join(" ") : "",
    });
    const recorded = step.transition;
    if ((outcome.ok ? outcome.transition : null) !== recorded) {
      return fail(`step ${n + 1}: trace says ${recorded ?? "refused"}, the kernel gives ${outcome.ok ? outcome.transition : outcome.code}`);
    }
    if (next && JSON.stringify(st.json(next)) !== JSON.stringify(step.state)) return fail(`step ${n + 1}: the state after ${recorded} differs from the trace's`);
    last = outcome;
    if (next) state = next;
    else if (n !== trace.steps.length - 1) return fail(`step ${n + 1} was refused before the end of the trace`);
  }
  return confirm(trace, st, state, last, rows);
}

function confirm<S>(trace: Trace, st: Stepper<S>, state: S, last: Outcome | null, rows: ReplayRow[]): ReplayResult {
  const yes = (message: string): ReplayResult => ({ reproduced: true, message, rows });
  const no = (message: string): ReplayResult => ({ reproduced: false, message, rows });
  const sys = st.sys;
  switch (trace.kind) {
    case "invariant": {
      const inv = sys.invariants.find((i) => i.name === trace.name);
      if (!inv) return no(`no invariant named ${trace.name}`);
      return inv.holds(state) ? no(`invariant ${trace.name} holds at the end of the trace`) : yes(`invariant ${trace.name} (${inv.source}) is false after ${trace.steps.length} steps`);
    }
    case "witness": {
      const w = sys.witnesses.find((i) => i.name === trace.name);
      if (!w) return no(`no witness named ${trace.name}`);
      return w.holds(state) ? yes(`witness ${trace.name} (${w.source}) holds after ${trace.steps.length} steps`) : no(`witness ${trace.name} does not hold at the end`);
    }
    case "determinism":
      return last && !last.ok && last.code === "AmbiguousTransition"
        ? yes(`the last step is ambiguous: ${describeRefusal(last)}`)
        : no("the last step is not ambiguous");
    case "route-refused":
      return last && !last.ok && last.code === "RouteRefused" ? yes(`route ${last.route}'s delivery is refused at the last step`) : no("the last delivery is not refused");
    case "out-of-range": {
      if (!last || !last.ok) return no("the last step did not fire");
      const fired: StepFired<S> = { ok: true, transition: last.transition, state, effects: last.effects, ...(last.instance !== undefined ? { instance: last.instance } : {}) };
      const bad = sys.effectRangeProblem(fired) ?? sys.stateRangeProblem(state);
      return bad ? yes(bad.message) : no("no int is out of range after the last step");
    }
    case "deadlock": {
      if (sys.isTerminal(state)) return no("the final state is terminal");
      for (let c = sys.choicesFrom(state); c < sys.choicesTo(state); c++) {
        const r: StepResult<S> = sys.step(state, c);
        if (r.ok || r.code === "AmbiguousTransition" || r.code === "RouteRefused") return no(`the final state is not stuck (${r.ok ? r.transition : r.code} is possible)`);
      }
      return yes(`no trigger is enabled in ${sys.whereStuck(state)}`);
    }
    default:
      return no(`a ${trace.kind} violation has no trace to replay`);
  }
}

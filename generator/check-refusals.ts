// The refusal annotation of a machine: the error codes its refusals carry. A refusal in an
// annotated phase carries that phase's code, a guard refusal its guard's code, anything else the
// default. Only names checked here reach the model, so the generated tables are total and typed.

import type { Reporter } from "./check-common.js";
import { pointerOf } from "./diagnostics.js";
import type { RefusalsModel } from "./model.js";
import type { MachineJson } from "./spec-json.js";

/** Every guard name a transition lists (inline or shared), as the generated GuardName union has them. */
export function listedGuardNames(json: MachineJson): Set<string> {
  const names = new Set<string>();
  for (const t of json.transitions) {
    const guards = t.guards ?? {};
    const items = Array.isArray(guards) ? guards : [guards];
    for (const item of items) {
      if (typeof item === "string") names.add(item);
      else for (const name of Object.keys(item)) names.add(name);
    }
  }
  return names;
}

export function checkRefusals(r: Reporter, json: MachineJson): RefusalsModel | null {
  const spec = json.refusals;
  if (spec === undefined) return null;
  const codes = new Set(spec.codes);
  const known = (code: string, ...at: (string | number)[]): boolean => {
    if (codes.has(code)) return true;
    r.error("unknown-refusal-code", `refusal code "${code}" is not one of refusals.codes (${spec.codes.join(", ")})`, pointerOf("refusals", ...at), `add "${code}" to refusals.codes, or use one of them`);
    return false;
  };
  spec.codes.forEach((code, i) => {
    if (spec.codes.indexOf(code) !== i) r.error("duplicate-name", `refusal code "${code}" is listed twice`, pointerOf("refusals", "codes", i));
  });
  known(spec.default, "default");
  const guards = listedGuardNames(json);
  const guardCodes: Record<string, string> = {};
  for (const [guard, code] of Object.entries(spec.guards ?? {})) {
    if (!guards.has(guard)) r.error("unknown-guard", `refusals.guards names "${guard}", which no transition lists as a guard`, pointerOf("refusals", "guards", guard));
    else if (known(code, "guards", guard)) guardCodes[guard] = code;
  }
  const phases = new Set(json.state.phases);
  const phaseCodes: Record<string, string> = {};
  for (const [phase, code] of Object.entries(spec.phases ?? {})) {
    if (!phases.has(phase)) r.error("unknown-phase", `refusals.phases names "${phase}", which is not a phase`, pointerOf("refusals", "phases", phase));
    else if (known(code, "phases", phase)) phaseCodes[phase] = code;
  }
  return { codes: spec.codes, default: spec.default, guards: guardCodes, phases: phaseCodes };
}

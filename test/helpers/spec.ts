// Builds small machine specs in memory and checks them without touching the disk.

import { checkMachine } from "../../generator/check-machine.js";
import type { Diagnostic } from "../../generator/diagnostics.js";
import type { MachineModel } from "../../generator/model.js";
import { schemaDiagnostics } from "../../generator/schema-check.js";
import type { MachineJson, TransitionJson } from "../../generator/spec-json.js";
import { parseSource } from "../../generator/source.js";

export function baseMachine(over: Partial<MachineJson> = {}): MachineJson {
  return {
    machine: "Probe",
    version: 1,
    types: {
      Id: { kind: "id" },
      Small: { kind: "int", min: 0, max: 3 },
      Color: { kind: "enum", values: ["Red", "Green"] },
    },
    state: {
      phases: ["Idle", "Busy", "Done"],
      initial: "Idle",
      terminal: ["Done"],
      fields: {
        n: { type: "Small", init: "0" },
        cur: { type: "Option<Id>", init: "none" },
        ids: { type: "Set<Id>", init: "{}" },
        lane: { type: "Seq<Id>", init: "[]" },
        tries: { type: "Map<Id, Small>", init: "{}" },
        color: { type: "Color", init: "Red" },
      },
    },
    inputs: { Go: { id: "Id" }, Stop: {} },
    transitions: [
      { name: "Start", from: ["Idle"], on: "Go", to: "Busy" },
      { name: "Finish", from: "any", on: "Stop", to: "Done" },
    ],
    check: { profiles: { ci: { domains: { Id: 2 } } } },
    ...over,
  };
}

export function withTransition(t: Partial<TransitionJson>, over: Partial<MachineJson> = {}): MachineJson {
  const m = baseMachine(over);
  m.transitions = [{ name: "Start", from: ["Idle"], on: "Go", to: "Busy", ...t }, ...m.transitions.slice(1)];
  return m;
}

export function check(json: MachineJson): { model: MachineModel | undefined; diagnostics: Diagnostic[] } {
  const parsed = parseSource("probe.machine.json", JSON.stringify(json, null, 2));
  if (!parsed.ok) return { model: undefined, diagnostics: parsed.diagnostics };
  const schema = schemaDiagnostics("machine", parsed.source);
  if (schema.length > 0) return { model: undefined, diagnostics: schema };
  return checkMachine(parsed.source, json, "probe.machine.json");
}

export function codes(json: MachineJson): string[] {
  return check(json).diagnostics.map((d) => d.code);
}

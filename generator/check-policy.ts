// Semantic validation of a policy table (spec/<name>.policy.json): declared kinds and column
// values, every cell (kind × runtime state × handling mode) decided by exactly one row, no
// duplicate, overlapping or shadowed rows, and admission facts that fit the session machine.

import type { TypeDesc } from "../kernel/types.js";
import { pointerOf, type Diagnostic } from "./diagnostics.js";
import { Reporter } from "./check-common.js";
import {
  POLICY_ENUM_COLUMNS,
  POLICY_MODES,
  POLICY_STATES,
  type MachineModel,
  type PolicyCellModel,
  type PolicyDecisionModel,
  type PolicyDerived,
  type PolicyEnumColumn,
  type PolicyMode,
  type PolicyModel,
  type PolicyRowModel,
  type PolicyState,
} from "./model.js";
import type { SourceFile } from "./source.js";
import { checkPolicyFacts, checkPolicyInputs, type PolicyFactsJson, type PolicyInputsJson } from "./check-policy-facts.js";

type OutcomeJson = string | { reject: string };

export interface PolicyRowJson {
  name: string;
  description?: string;
  kinds: string[] | "*";
  modes: PolicyMode[] | "*";
  idle?: OutcomeJson;
  running?: OutcomeJson;
  any?: OutcomeJson;
}

export type PolicyDecisionJson = { description?: string; recordTranscript: boolean } & { [C in PolicyEnumColumn]: string };

/** The shape of a policy file once it has passed spec/schema/policy.schema.json. */
export interface PolicyJson {
  policy: string;
  version: number;
  description?: string;
  kinds: Record<string, string>;
  columns: { [C in PolicyEnumColumn]: { description?: string; values: Record<string, string> } } & { recordTranscript: { description: string } };
  decisions: Record<string, PolicyDecisionJson>;
  rows: PolicyRowJson[];
  admission: {
    machine: string;
    trigger: string;
    lane: { field: string; byRouting: Record<string, string> };
    class: { field: string; byMode?: { Queue?: string; Steer?: string }; byWake: Record<string, string> };
    front?: { field: string; queueModes: string[] };
    consumeOnAccept: { applyModes: string[]; consumePoints: string[] };
  } & PolicyFactsJson;
  inputs: PolicyInputsJson;
}

/** One cell of the table as a string key. */
function cellKey(kind: string, state: PolicyState, mode: PolicyMode): string {
  return `${kind} ${state} ${mode}`;
}

function cellText(key: string): string {
  const [kind, state, mode] = key.split(" ");
  return `(${kind}, ${state}, ${mode === "none" ? "no handling mode" : mode})`;
}

interface RowInfo {
  readonly index: number;
  readonly json: PolicyRowJson;
  /** Cell key → decision name or rejection reason. */
  readonly cells: Map<string, { decision: string } | { reject: string }>;
}

/**
 * Checks a policy table. `machines` are the machines loaded with it; `brokenMachines` names
 * machines that exist but have errors of their own (then the consistency check is skipped).
 */
export function checkPolicy(
  source: SourceFile,
  json: PolicyJson,
  file: string,
  machines: ReadonlyMap<string, MachineModel>,
  brokenMachines: ReadonlySet<string>,
): { model: PolicyModel | undefined; diagnostics: Diagnostic[] } {
  const r = new Reporter(source);
  const kinds = Object.keys(json.kinds);
  const valuesOf = (c: PolicyEnumColumn): string[] => Object.keys(json.columns[c].values);
  const checkValue = (c: PolicyEnumColumn, value: string, pointer: string): boolean => {
    if (valuesOf(c).includes(value)) return true;
    r.error("policy-unknown-value", `"${value}" is not a value of column ${c}`, pointer, `declared values: ${valuesOf(c).join(", ")}`);
    return false;
  };

  // Decisions: every column value declared.
  const decisions = new Map<string, PolicyDecisionModel>();
  for (const [name, d] of Object.entries(json.decisions)) {
    let ok = true;
    for (const c of POLICY_ENUM_COLUMNS) ok = checkValue(c, d[c], pointerOf("decisions", name, c)) && ok;
    if (ok) decisions.set(name, { name, ...(d.description !== undefined ? { description: d.description } : {}), ...pickColumns(d), recordTranscript: d.recordTranscript });
  }

  // Rows: known kinds and decisions, and the cells each covers.
  const used = new Set<string>();
  const rows: RowInfo[] = [];
  const rowModels: PolicyRowModel[] = [];
  const rowNames = new Map<string, number>();
  json.rows.forEach((row, i) => {
    const at = (...p: (string | number)[]) => pointerOf("rows", i, ...p);
    const prev = rowNames.get(row.name);
    if (prev !== undefined) r.error("duplicate-name", `row name "${row.name}" is also used by row ${prev}`, at("name"));
    else rowNames.set(row.name, i);
    let rowKinds: string[];
    if (row.kinds === "*") rowKinds = kinds;
    else {
      rowKinds = [];
      row.kinds.forEach((k, j) => {
        if (json.kinds[k] === undefined) r.error("policy-unknown-kind", `unknown input kind "${k}"`, at("kinds", j), `declared kinds: ${kinds.join(", ")}`);
        else rowKinds.push(k);
      });
    }
    const modes: readonly PolicyMode[] = row.modes === "*" ? POLICY_MODES : row.modes;
    const outcomes: Partial<Record<PolicyState, { decision: string } | { reject: string }>> = {};
    if (row.any !== undefined && (row.idle !== undefined || row.running !== undefined)) {
      r.error("schema", `give the outcome either for "any" state or for "idle" and "running", not both`, at("any"));
    } else if (row.any === undefined && row.idle === undefined && row.running === undefined) {
      r.error("schema", `the row has no outcome: give "idle", "running" or "any"`, at());
    }
    const outcome = (o: OutcomeJson, key: string): { decision: string } | { reject: string } | undefined => {
      if (typeof o !== "string") return { reject: o.reject };
      used.add(o);
      if (json.decisions[o] === undefined) {
        r.error("policy-unknown-value", `no decision named "${o}"`, at(key), `decisions: ${Object.keys(json.decisions).join(", ")}`);
        return undefined;
      }
      return { decision: o };
    };
    let valid = true;
    for (const state of POLICY_STATES) {
      const o = row.any ?? row[state];
      if (o === undefined) continue;
      const resolved = outcome(o, row.any !== undefined ? "any" : state);
      if (resolved === undefined) valid = false;
      else outcomes[state] = resolved;
    }
    rowModels.push({
      name: row.name,
      ...(row.description !== undefined ? { description: row.description } : {}),
      kinds: row.kinds === "*" ? "*" : row.kinds,
      modes: row.modes,
      outcomes,
    });
    const cells = new Map<string, { decision: string } | { reject: string }>();
    for (const k of rowKinds) {
      for (const state of POLICY_STATES) {
        const o = outcomes[state];
        if (o === undefined) continue;
        for (const m of modes) cells.set(cellKey(k, state, m), o);
      }
    }
    // A row whose outcome names an unknown decision still covers its cells (so no echo of
    // "not total"), but does not decide them.
    if (!valid) for (const state of POLICY_STATES) if ((row.any ?? row[state]) !== undefined && outcomes[state] === undefined) addBroken(cells, rowKinds, state, modes);
    rows.push({ index: i, json: row, cells });
  });
  for (const name of Object.keys(json.decisions)) {
    if (!used.has(name)) r.error("policy-unused-decision", `decision "${name}" is not used by any row`, pointerOf("decisions", name), "remove it, or refer to it from a row");
  }

  // Coverage: duplicates and overlaps between rows, then the winner of every cell.
  const contains = (a: RowInfo, b: RowInfo) => [...b.cells.keys()].every((k) => a.cells.has(k));
  const reported = new Set<string>();
  const involved = new Set<number>();
  const pairKey = (a: RowInfo, b: RowInfo) => `${a.index} ${b.index}`;
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const a = rows[i] as RowInfo;
      const b = rows[j] as RowInfo;
      if (a.cells.size === 0 || a.cells.size !== b.cells.size || !contains(a, b)) continue;
      reported.add(pairKey(a, b));
      involved.add(a.index).add(b.index);
      r.error("policy-duplicate-row", `row "${b.json.name}" covers exactly the cells of row "${a.json.name}" (row ${a.index})`, pointerOf("rows", b.index), "merge the two rows, or narrow one of them");
    }
  }
  const wins = new Set<number>();
  const winner = new Map<string, RowInfo>();
  const missing = new Map<string, string[]>();
  for (const kind of kinds) {
    for (const state of POLICY_STATES) {
      for (const mode of POLICY_MODES) {
        const key = cellKey(kind, state, mode);
        const candidates = rows.filter((row) => row.cells.has(key));
        if (candidates.length === 0) {
          missing.set(kind, [...(missing.get(kind) ?? []), key]);
          continue;
        }
        const best = candidates.find((c) => candidates.every((o) => o === c || (contains(o, c) && o.cells.size > c.cells.size)));
        if (best) {
          winner.set(key, best);
          wins.add(best.index);
          continue;
        }
        for (const a of candidates) {
          for (const b of candidates) {
            if (a.index >= b.index || reported.has(pairKey(a, b))) continue;
            if (contains(a, b) || contains(b, a)) continue;
            reported.add(pairKey(a, b));
            involved.add(a.index).add(b.index);
            r.error(
              "policy-overlapping-rows",
              `rows "${a.json.name}" (row ${a.index}) and "${b.json.name}" both decide ${cellText(key)}, and neither is contained in the other`,
              pointerOf("rows", b.index),
              "an override must cover a subset of the cells of the row it overrides: split or narrow one of the rows",
            );
          }
        }
      }
    }
  }
  for (const [kind, keys] of missing) {
    r.error("policy-not-total", `no row decides ${keys.map(cellText).join(", ")}`, pointerOf("kinds", kind), "add a row (or extend one) that gives these cells a decision or an explicit rejection");
  }
  for (const row of rows) {
    if (row.cells.size === 0 || wins.has(row.index) || involved.has(row.index)) continue;
    const over = [...new Set([...row.cells.keys()].map((k) => winner.get(k)?.json.name).filter((n): n is string => n !== undefined))];
    r.error(
      "policy-shadowed-row",
      `row "${row.json.name}" never applies: every cell it covers is decided by a more specific row (${over.join(", ")})`,
      pointerOf("rows", row.index),
      "remove the row, or narrow the rows that override it",
    );
  }

  // Consistency with the session machine.
  const adm = json.admission;
  const consistency = checkAdmission(r, json, machines, brokenMachines, valuesOf);
  const kindList = Object.entries(json.kinds).map(([name, description]) => ({ name, description }));
  const inputs = checkPolicyInputs(r, json.inputs, kindList);
  const facts = checkPolicyFacts(r, adm, { kinds, valuesOf, classValues: consistency?.cls.values, inputs: json.inputs });

  if (r.diagnostics.length > 0 || consistency === undefined || inputs === undefined || facts === undefined) return { model: undefined, diagnostics: r.diagnostics };

  const drives = (d: PolicyDecisionModel) => facts.drivesLoop.wakeModes.includes(d.wakeMode) || facts.drivesLoop.drainPolicies.includes(d.drainPolicy);
  const decisionAt = (kind: string, state: PolicyState, mode: PolicyMode): PolicyDecisionModel | undefined => {
    const key = cellKey(kind, state, mode);
    const o = winner.get(key)?.cells.get(key);
    return o !== undefined && "decision" in o ? decisions.get(o.decision) : undefined;
  };
  const derive = (d: PolicyDecisionModel, kind: string, mode: PolicyMode): PolicyDerived => ({
    lane: adm.lane.byRouting[d.routingDisposition] as string,
    admission: (mode !== "none" ? adm.class.byMode?.[mode] : undefined) ?? (adm.class.byWake[d.wakeMode] as string),
    enqueueFront: adm.front ? adm.front.queueModes.includes(d.queueMode) : false,
    consumeOnAccept: adm.consumeOnAccept.applyModes.includes(d.applyMode) && adm.consumeOnAccept.consumePoints.includes(d.consumePoint),
    drivesLoop: drives(facts.drivesLoop.judgedAs === "idle" ? (decisionAt(kind, "idle", mode) ?? d) : d),
  });
  const cells: PolicyCellModel[] = [];
  for (const kind of kinds) {
    for (const state of POLICY_STATES) {
      for (const mode of POLICY_MODES) {
        const key = cellKey(kind, state, mode);
        const row = winner.get(key) as RowInfo;
        const o = row.cells.get(key) as { decision: string } | { reject: string };
        const outcome =
          "decision" in o ? { ok: true as const, decision: o.decision, derived: derive(decisions.get(o.decision) as PolicyDecisionModel, kind, mode) } : { ok: false as const, reason: o.reject };
        cells.push({ kind, state, mode, row: row.json.name, outcome });
      }
    }
  }
  const column = (c: PolicyEnumColumn) => {
    const col = json.columns[c];
    return { ...(col.description !== undefined ? { description: col.description } : {}), values: Object.entries(col.values).map(([name, description]) => ({ name, description })) };
  };
  const columns: PolicyModel["columns"] = {
    applyMode: column("applyMode"),
    wakeMode: column("wakeMode"),
    queueMode: column("queueMode"),
    consumePoint: column("consumePoint"),
    drainPolicy: column("drainPolicy"),
    routingDisposition: column("routingDisposition"),
  };
  const model: PolicyModel = {
    kind: "policy",
    file,
    name: json.policy,
    version: json.version,
    ...(json.description !== undefined ? { description: json.description } : {}),
    kinds: Object.entries(json.kinds).map(([name, description]) => ({ name, description })),
    columns,
    recordTranscriptDescription: json.columns.recordTranscript.description,
    decisions: [...decisions.values()],
    rows: rowModels,
    cells,
    admission: {
      machine: adm.machine,
      machineFile: consistency.machine.file,
      trigger: adm.trigger,
      lane: { field: adm.lane.field, type: consistency.lane.name, values: consistency.lane.values, byRouting: adm.lane.byRouting },
      class: { field: adm.class.field, type: consistency.cls.name, values: consistency.cls.values, byMode: adm.class.byMode ?? {}, byWake: adm.class.byWake },
      front: adm.front ? { field: adm.front.field, queueModes: adm.front.queueModes } : null,
      consumeOnAccept: adm.consumeOnAccept,
      ...facts,
    },
    inputs,
  };
  return { model, diagnostics: [] };
}

function pickColumns(d: PolicyDecisionJson): { [C in PolicyEnumColumn]: string } {
  return {
    applyMode: d.applyMode,
    wakeMode: d.wakeMode,
    queueMode: d.queueMode,
    consumePoint: d.consumePoint,
    drainPolicy: d.drainPolicy,
    routingDisposition: d.routingDisposition,
  };
}

function addBroken(cells: Map<string, { decision: string } | { reject: string }>, kinds: readonly string[], state: PolicyState, modes: readonly PolicyMode[]): void {
  for (const k of kinds) for (const m of modes) cells.set(cellKey(k, state, m), { reject: "(unknown decision)" });
}

type EnumType = TypeDesc & { kind: "enum" };

/**
 * The derived admission facts must feed the machine's admission trigger: its lane and class
 * fields are enums, and every value the table can derive is one of their values.
 */
function checkAdmission(
  r: Reporter,
  json: PolicyJson,
  machines: ReadonlyMap<string, MachineModel>,
  brokenMachines: ReadonlySet<string>,
  valuesOf: (c: PolicyEnumColumn) => string[],
): { machine: MachineModel; lane: EnumType; cls: EnumType } | undefined {
  const adm = json.admission;
  const at = (...p: (string | number)[]) => pointerOf("admission", ...p);
  let failed = false;
  const declared = (c: PolicyEnumColumn, value: string, pointer: string) => {
    if (valuesOf(c).includes(value)) return true;
    r.error("policy-unknown-value", `"${value}" is not a value of column ${c}`, pointer, `declared values: ${valuesOf(c).join(", ")}`);
    failed = true;
    return false;
  };
  /** A map keyed by a column's values must have exactly those keys. */
  const total = (c: PolicyEnumColumn, map: Record<string, string>, pointer: string, what: string) => {
    for (const k of Object.keys(map)) declared(c, k, `${pointer}${pointerOf(k)}`);
    const absent = valuesOf(c).filter((v) => map[v] === undefined);
    if (absent.length > 0) {
      r.error("policy-not-total", `${absent.map((v) => `${c} ${v}`).join(", ")} ${absent.length === 1 ? "has" : "have"} no ${what}`, pointer);
      failed = true;
    }
  };
  total("routingDisposition", adm.lane.byRouting, at("lane", "byRouting"), "lane");
  total("wakeMode", adm.class.byWake, at("class", "byWake"), "admission class");
  adm.front?.queueModes.forEach((q, i) => declared("queueMode", q, at("front", "queueModes", i)));
  adm.consumeOnAccept.applyModes.forEach((v, i) => declared("applyMode", v, at("consumeOnAccept", "applyModes", i)));
  adm.consumeOnAccept.consumePoints.forEach((v, i) => declared("consumePoint", v, at("consumeOnAccept", "consumePoints", i)));

  const machine = machines.get(adm.machine);
  if (!machine) {
    if (!brokenMachines.has(adm.machine)) {
      const known = [...machines.keys()];
      r.error("unknown-machine", `no machine named "${adm.machine}" among the loaded specs`, at("machine"), known.length ? `known machines: ${known.join(", ")}` : "put the machine spec beside the policy file");
    }
    return undefined;
  }
  const trigger = machine.triggers.find((t) => t.name === adm.trigger);
  if (!trigger) {
    r.error("unknown-trigger", `${machine.name} has no input or signal "${adm.trigger}"`, at("trigger"), `triggers: ${machine.triggers.map((t) => t.name).join(", ")}`);
    return undefined;
  }
  const fieldType = (field: string, pointer: string): TypeDesc | undefined => {
    const f = trigger.fields.find((x) => x.name === field);
    if (!f) {
      r.error("unknown-field", `${machine.name}.${trigger.name} has no payload field "${field}"`, pointer, `fields: ${trigger.fields.map((x) => x.name).join(", ") || "none"}`);
      return undefined;
    }
    return f.type;
  };
  const enumField = (field: string, pointer: string): EnumType | undefined => {
    const t = fieldType(field, pointer);
    if (t === undefined) return undefined;
    if (t.kind !== "enum") {
      r.error("type-mismatch", `${machine.name}.${trigger.name}.${field} must be an enum to receive a derived value`, pointer);
      return undefined;
    }
    return t;
  };
  const lane = enumField(adm.lane.field, at("lane", "field"));
  const cls = enumField(adm.class.field, at("class", "field"));
  if (adm.front) {
    const t = fieldType(adm.front.field, at("front", "field"));
    if (t !== undefined && t.kind !== "bool") r.error("type-mismatch", `${machine.name}.${trigger.name}.${adm.front.field} must be bool to receive enqueue-at-front`, at("front", "field"));
  }
  const member = (t: EnumType, value: string, pointer: string) => {
    if (t.values.includes(value)) return;
    r.error("policy-machine-mismatch", `"${value}" is not a value of ${machine.name}'s ${t.name} enum (${t.values.join(", ")})`, pointer, `the ${t.name} enum is declared in ${machine.file}`);
    failed = true;
  };
  if (lane) for (const [k, v] of Object.entries(adm.lane.byRouting)) member(lane, v, at("lane", "byRouting", k));
  if (cls) {
    for (const [k, v] of Object.entries(adm.class.byMode ?? {})) member(cls, v, at("class", "byMode", k));
    for (const [k, v] of Object.entries(adm.class.byWake)) member(cls, v, at("class", "byWake", k));
  }
  if (!lane || !cls || failed) return undefined;
  return { machine, lane, cls };
}

// One fire function per distinct fire body. Many transitions differ only in their name, their
// target phase or their trigger (CommitToIdle / CommitToAttached / CommitToRetired; Prepare and
// the loop's own run openers), so the dispatcher passes every fire function the row's name and
// target phase (kernel/dispatch.ts): a shared body returns `fired(name, ...)` and writes
// `phase: to` when its transitions go to different phases. A transition with a body of its own
// keeps the literal name and phase, so it reads on its own.

import { StructureKind, type StatementStructures } from "ts-morph";
import type { MachineModel, TransitionModel, TriggerModel } from "../model.js";
import { fireBody, type FireShape } from "./fire.js";
import { args, render, WIDTH } from "./layout.js";
import { machineNames } from "./names.js";
import { readsTrigger, triggerParamType } from "./trigger-param.js";
import { typeCode, writtenFields, type HelperUse } from "./ts-code.js";

export interface FireFunctions {
  readonly functions: readonly (StatementStructures | string)[];
  /** The fire function a transition's row names. */
  readonly nameFor: (tr: TransitionModel) => string;
}

/** Groups transitions by the body their fire function would have with `name` / `to` as parameters. */
export function fireFunctions(m: MachineModel, h: HelperUse): FireFunctions {
  const groups = new Map<string, TransitionModel[]>();
  // The body, and the types of the payload fields it reads: one shared parameter type must fit them all.
  const key = (tr: TransitionModel, phase: string | null) => {
    const body = fireBody(m, tr, h, { name: "name", phase });
    const read = triggerOf(m, tr).fields.filter((f) => new RegExp(`(^|[^\\w.$])t\\.${f.name}\\b`, "m").test(body));
    return `${body}\u0000${read.map((f) => `${f.name}: ${typeCode(f.type)}`).join(", ")}`;
  };
  const join = (k: string, tr: TransitionModel) => {
    const known = groups.get(k);
    if (known === undefined) groups.set(k, [tr]);
    else known.push(tr);
  };
  // Moving transitions first, so a staying one whose body only lacks `phase: to` can join them
  // (the dispatcher passes a staying transition its own phase). One that writes nothing keeps
  // returning the state itself.
  for (const tr of m.transitions) if (tr.to !== null) join(key(tr, "to"), tr);
  for (const tr of m.transitions) {
    if (tr.to !== null) continue;
    const moving = key(tr, "to");
    const alone = key(tr, null);
    join(groups.has(moving) && writtenFields(tr.updates).length > 0 ? moving : alone, tr);
  }
  const ordered = [...groups.values()]
    .map((g) => g.sort((a, b) => m.transitions.indexOf(a) - m.transitions.indexOf(b)))
    .sort((a, b) => m.transitions.indexOf(a[0] as TransitionModel) - m.transitions.indexOf(b[0] as TransitionModel));
  const nameOf = new Map<string, string>();
  const functions = ordered.map((g) => {
    const first = g[0] as TransitionModel;
    for (const tr of g) nameOf.set(tr.name, `fire${first.name}`);
    return g.length === 1 ? ownFunction(m, first, h) : sharedFunction(m, g, h);
  });
  return { functions, nameFor: (tr) => nameOf.get(tr.name) as string };
}

function triggerOf(m: MachineModel, tr: TransitionModel): TriggerModel {
  return m.triggers.find((t) => t.name === tr.on) as TriggerModel;
}

function ownFunction(m: MachineModel, tr: TransitionModel, h: HelperUse): StatementStructures {
  const n = machineNames(m.name);
  const trigger = triggerOf(m, tr);
  const body = fireBody(m, tr, h, { name: JSON.stringify(tr.name), phase: tr.to === null ? null : JSON.stringify(tr.to) });
  const reads = trigger.fields.length > 0 && readsTrigger(body);
  return {
    kind: StructureKind.Function,
    name: `fire${tr.name}`,
    parameters: [{ name: "s", type: n.state }, ...(reads ? [{ name: "t", type: n.triggerType(trigger.name, trigger.kind) }] : [])],
    returnType: "FireResult",
    statements: [body],
  };
}

function sharedFunction(m: MachineModel, group: readonly TransitionModel[], h: HelperUse): string {
  const n = machineNames(m.name);
  const first = group[0] as TransitionModel;
  const targets = new Set(group.map((tr) => tr.to));
  const shape: FireShape = {
    name: "name",
    phase: targets.size === 1 ? (first.to === null ? null : JSON.stringify(first.to)) : "to",
  };
  const body = fireBody(m, first, h, shape);
  const types = [...new Set(group.map((tr) => triggerOf(m, tr)).map((t) => n.triggerType(t.name, t.kind)))];
  const reads = readsTrigger(body);
  const names = group.map((tr) => tr.name);
  const listed = `${names.slice(0, -1).join(", ")} and ${names.at(-1) as string}`;
  const params = [
    `s: ${n.state}`,
    `${reads ? "t" : "_t"}: ${reads ? triggerParamType(m, types, body, 2) : "unknown"}`,
    `name: ${n.transitionName}`,
    ...(shape.phase === "to" ? ["to: Phase"] : []),
  ];
  const head = `function fire${first.name}`;
  // As text: the printer would put every parameter on one line.
  const doc = `/** Fires ${listed}${shape.phase === "to" ? ", each with its name and target phase" : ", each with its name"}. */`;
  const signature = `${head}${render(args("(", params, ")"), 0, head.length, WIDTH - ": FireResult {".length)}: FireResult {`;
  return `${doc}\n${signature}\n${body.split("\n").map((l) => `  ${l}`).join("\n")}\n}`;
}

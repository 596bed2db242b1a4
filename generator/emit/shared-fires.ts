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
  const key = (tr: TransitionModel, phase: string | null) => withReadTypes(m, tr, fireBody(m, tr, h, { name: "name", phase }));
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
  // Groups whose bodies differ only in enum literals (CompleteOp / FailOp / AbortOp writing their
  // own status) become one factory taking those literals, called once per row.
  const families = new Map<string, TransitionModel[][]>();
  for (const g of ordered) {
    const head = g[0] as TransitionModel;
    const k = withReadTypes(m, head, skeleton(fireBody(m, head, h, familyShape(g))));
    const known = families.get(k);
    if (known === undefined) families.set(k, [g]);
    else known.push(g);
  }
  const nameOf = new Map<string, string>();
  const functions: (StatementStructures | string)[] = [];
  for (const family of families.values()) {
    const first = (family[0] as TransitionModel[])[0] as TransitionModel;
    const factory = family.length > 1 ? literalFactory(m, family, h) : null;
    if (factory !== null) {
      family.forEach((g, i) => g.forEach((tr) => nameOf.set(tr.name, `fire${first.name}(${factory.args[i] as string})`)));
      functions.push(factory.code);
      continue;
    }
    for (const g of family) {
      const head = g[0] as TransitionModel;
      for (const tr of g) nameOf.set(tr.name, `fire${head.name}`);
      functions.push(g.length === 1 ? ownFunction(m, head, h) : sharedFunction(m, g, h));
    }
  }
  return { functions, nameFor: (tr) => nameOf.get(tr.name) as string };
}

/** A body keyed with the types of the payload fields it reads: one shared parameter type must fit them all. */
function withReadTypes(m: MachineModel, tr: TransitionModel, body: string): string {
  const read = triggerOf(m, tr).fields.filter((f) => new RegExp(`(^|[^\\w.$])t\\.${f.name}\\b`, "m").test(body));
  return `${body}\u0000${read.map((f) => `${f.name}: ${typeCode(f.type)}`).join(", ")}`;
}

const STRING = /"(?:[^"\\]|\\.)*"/g;

/** A body with its value literals blanked (an effect's name is its type, not a value). */
function skeleton(body: string): string {
  return body.replace(STRING, (lit, at: number) => (/effect: $/.test(body.slice(Math.max(0, at - 8), at)) ? lit : "\u0001"));
}

/** Name and phase as a function shared by every transition of `group` writes them. */
function familyShape(group: readonly TransitionModel[]): FireShape {
  const targets = new Set(group.map((tr) => tr.to));
  const only = group[0] as TransitionModel;
  return { name: "name", phase: targets.size === 1 ? (only.to === null ? null : JSON.stringify(only.to)) : "to" };
}

/**
 * `fireX(outcome: "Completed" | "Failed")` returning the fire function for one literal choice:
 * each literal position that differs between the groups becomes a parameter (positions with the
 * same values share one, named after the property it sets when there is one). Null when the
 * groups' bodies do not line up.
 */
function literalFactory(m: MachineModel, family: readonly TransitionModel[][], h: HelperUse): { code: string; args: string[] } | null {
  const all = family.flat();
  const shape = familyShape(all);
  const bodies = family.map((g) => fireBody(m, g[0] as TransitionModel, h, shape));
  if (new Set(bodies.map(skeleton)).size !== 1) return null;
  const literals = bodies.map((b) => [...b.matchAll(STRING)].map((x) => x[0]));
  const base = bodies[0] as string;
  const positions = [...base.matchAll(STRING)];
  const params: { name: string; values: string[] }[] = [];
  const paramAt = new Map<number, string>();
  positions.forEach((p, i) => {
    const values = literals.map((ls) => ls[i] as string);
    if (new Set(values).size === 1) return;
    const known = params.find((x) => x.values.join() === values.join());
    if (known !== undefined) return void paramAt.set(i, known.name);
    // Named after the property it sets (`terminalCause: …`) or the field it is stored in (`mapPut(s.status, …)`).
    const before = base.slice(Math.max(0, (p.index as number) - 80), p.index as number);
    let name = /(\w+): $/.exec(before)?.[1] ?? /\((?:s\.|f_)(\w+),[^()]*$/.exec(before)?.[1] ?? "value";
    if (params.some((x) => x.name === name) || ["s", "t", "name", "to", "next", "effects"].includes(name)) name = `${name}${params.length + 1}`;
    params.push({ name, values });
    paramAt.set(i, name);
  });
  let at = 0;
  const body = base
    .replace(STRING, (lit) => paramAt.get(at++) ?? lit)
    .replace(/([{,] )(\w+): (\w+)(?=[,}\n ])/g, (all, lead: string, key: string, value: string) => (key === value && paramAt.size > 0 && params.some((x) => x.name === key) ? `${lead}${key}` : all));
  const n = machineNames(m.name);
  const types = [...new Set(all.map((tr) => triggerOf(m, tr)).map((t) => n.triggerType(t.name, t.kind)))];
  const reads = readsTrigger(body);
  const fnParams = [
    `s: ${n.state}`,
    `${reads ? "t" : "_t"}: ${reads ? triggerParamType(m, types, body, 2) : "unknown"}`,
    `name: ${n.transitionName}`,
    ...(shape.phase === "to" ? ["to: Phase"] : []),
  ];
  const head = `function fire${(all[0] as TransitionModel).name}`;
  const factoryParams = params.map((x) => `${x.name}: ${[...new Set(x.values)].join(" | ")}`);
  const names = all.map((tr) => tr.name);
  const doc = docComment(`Fires ${names.slice(0, -1).join(", ")} and ${names.at(-1) as string}, each with its name and ${params.map((x) => `\`${x.name}\``).join(", ")}.`);
  const arrow = `return ${render(args("(", fnParams, ")"), 2, 9, WIDTH - ": FireResult => {".length)}: FireResult => {`;
  // A body that is one `return` line becomes the arrow's expression.
  const single = body.includes("\n") ? undefined : /^return (.*);$/.exec(body)?.[1];
  const code = [
    doc,
    `${head}${render(args("(", factoryParams, ")"), 0, head.length, WIDTH - " {".length)} {`,
    ...(single !== undefined && arrow.length + single.length <= WIDTH
      ? [`  ${arrow.slice(0, -2)} ${single};`]
      : [`  ${arrow}`, ...body.split("\n").map((l) => `    ${l}`), "  };"]),
    "}",
  ].join("\n");
  return { code, args: family.map((_, i) => params.map((x) => x.values[i] as string).join(", ")) };
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
  const doc = docComment(`Fires ${listed}${shape.phase === "to" ? ", each with its name and target phase" : ", each with its name"}.`);
  const signature = `${head}${render(args("(", params, ")"), 0, head.length, WIDTH - ": FireResult {".length)}: FireResult {`;
  return `${doc}\n${signature}\n${body.split("\n").map((l) => `  ${l}`).join("\n")}\n}`;
}

/** A one-line doc comment, or a wrapped one when it would not fit. */
function docComment(text: string): string {
  if (text.length + 7 <= WIDTH) return `/** ${text} */`;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + word.length + 1 > WIDTH - 3) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return ["/**", ...lines.map((l) => ` * ${l}`), " */"].join("\n");
}

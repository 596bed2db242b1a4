// Emits the fire functions: the updates in order, then the effects on the post-state, returned
// through the module's one result builder `fired` (its effects default to none). Transitions whose
// fire functions would read the same share one (shared-fires.ts): the dispatcher passes the
// transition's name and target phase, so the shared body writes `fired(name, { ...s, phase: to })`. A field written once needs no working copy (single-writes.ts): its value, or the pure
// kernel update of its collection (`setAdd(s.pendingOps, o)`), goes straight into the next-state
// literal when nothing else reads it. The rest keeps the copy-on-write working copies of
// `stmtsCode` (ts-code.ts): `f_x` is the field's current value, `w_x` its private copy (null
// until the first change), `t` the trigger, `v_x` a loop variable.
//
// Every next state is one object literal of `phase` and then every field in declaration order
// (untouched ones read from `s`), never `{ ...s, x }`: a spread copy of a spread copy takes V8's
// slow path, and the literal is the state's final layout, so the instance adopts it without copying
// it again (the kernel says so with `laidOutStates`; kernel/state-layout.ts). One shape for every
// state also keeps property access monomorphic in the explorer and runtime.

import { StructureKind, type StatementStructures } from "ts-morph";
import type { TypeDesc } from "../../kernel/types.js";
import type { MachineModel, TransitionModel } from "../model.js";
import { args, list, object, packedList, render, type Doc } from "./layout.js";
import { machineNames } from "./names.js";
import { inlineable, singleAssigned } from "./single-writes.js";
import {
  exprDoc,
  fieldLocal,
  HelperUse,
  ifHead,
  isCollection,
  mutableTypeCode,
  ownedFields,
  stmtsCode,
  typeCode,
  updateValueDoc,
  writtenFields,
  type CodeContext,
} from "./ts-code.js";

/** The module-level result builder every fire function returns through. */
export function firedBuilder(m: MachineModel): StatementStructures {
  const n = machineNames(m.name);
  return {
    kind: StructureKind.Function,
    name: "fired",
    parameters: [
      { name: "transition", type: n.transitionName },
      { name: "state", type: n.state },
      { name: "effects", type: `readonly ${n.effect}[]`, initializer: "NO_EFFECTS" },
    ],
    returnType: "FireResult",
    statements: ["return { ok: true, transition, state, effects };"],
  };
}

/**
 * How a fire body names its transition and target phase: literals for a function of its own, the
 * dispatcher's `name` / `to` arguments for a shared one (`phase: null`: the phase is not written).
 */
export interface FireShape {
  readonly name: string;
  readonly phase: string | null;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `s.f`, or `s["f"]` for a field name that is not an identifier. */
function stateRead(f: string): string {
  return IDENTIFIER.test(f) ? `s.${f}` : `s[${JSON.stringify(f)}]`;
}

/** Applies one transition whose guards already passed: updates in order, then effects on the post-state. */
export function fireBody(m: MachineModel, tr: TransitionModel, h: HelperUse, shape: FireShape): string {
  const n = machineNames(m.name);
  const written = writtenFields(tr.updates);
  const fieldType = (f: string) => (m.fields.find((x) => x.name === f) as { type: TypeDesc }).type;
  const lines: string[] = [];
  const once = singleAssigned(tr.updates);
  const inline = inlineable(tr.updates, once, written);
  const declare = new Map([...once].map((f) => [f, inline.has(f) ? "" : typeCode(fieldType(f))] as const));
  const owned = ownedFields(tr.updates);
  for (const f of written) {
    if (once.has(f)) continue;
    const t = fieldType(f);
    lines.push(`let ${fieldLocal(f)}: ${typeCode(t)} = s.${f};`);
    if (owned.has(f)) continue;
    // A Seq's first push may build the copy (`else w.push(...)` follows): keep the declared type.
    if (t.kind === "seq") lines.push(`let w_${f} = null as ${mutableTypeCode(t)} | null;`);
    else if (isCollection(t)) lines.push(`let w_${f}: ${mutableTypeCode(t)} | null = null;`);
  }
  const bind = (f: string) => `t.${f}`;
  const workCtx: CodeContext = { field: (f) => (written.includes(f) ? fieldLocal(f) : `s.${f}`), phase: () => "s.phase", bind };
  lines.push(...stmtsCode(tr.updates, workCtx, h, new Set(written.filter((f) => !once.has(f) && !owned.has(f))), "", declare, owned));

  // Every property, in declaration order: written fields get their new value, the rest `s.x`.
  const entries: (readonly [string, Doc])[] = [["phase", shape.phase ?? "s.phase"]];
  for (const field of m.fields) {
    const f = field.name;
    const s = written.includes(f) ? inline.get(f) : undefined;
    entries.push([f, !written.includes(f) ? stateRead(f) : s === undefined ? fieldLocal(f) : updateValueDoc(s, workCtx, h)]);
  }
  // A transition that writes nothing and stays in its phase leaves the state as it was.
  const state: Doc = written.length === 0 && shape.phase === null ? "s" : packedList(object(entries));
  const name = shape.name;
  const postCtx: CodeContext = { field: (f) => `next.${f}`, phase: () => "next.phase", bind };
  const build = (e: TransitionModel["emits"][number]) =>
    object([["effect", JSON.stringify(e.effect)], ...e.fields.map((f) => [f.name, exprDoc(f.expr, postCtx, h)] as const)]);
  const conditional = tr.emits.some((e) => e.when !== null);
  const effects: Doc | null = tr.emits.length === 0 || conditional ? null : list("[", tr.emits.map(build), "]");
  const readsNext = (doc: Doc | null) => doc !== null && /\bnext\./.test(render(doc, 0, 0, Number.MAX_SAFE_INTEGER));
  const result = (stateDoc: Doc, effectsDoc: Doc | null) => args("fired(", [name, stateDoc, ...(effectsDoc === null ? [] : [effectsDoc])], ")");
  const fits = (doc: Doc, head: string) => !render(doc, 2, 2 + head.length).includes("\n");

  if (!conditional && !readsNext(effects) && fits(result(state, effects), "return ")) {
    lines.push(`return ${render(result(state, effects), 2, 9)};`);
  } else {
    const head = `const next: ${n.state} = `;
    lines.push(state === "s" ? `${head}s;` : `${head}${render(state, 2, head.length + 2)};`);
    if (conditional) {
      lines.push(`const effects: ${n.effect}[] = [];`);
      for (const e of tr.emits) {
        const push = `effects.push(${render(build(e), 4, 16)});`;
        if (e.when) lines.push(ifHead(e.when.expr, postCtx, h, 2), `  ${push}`, "}");
        else lines.push(push);
      }
      lines.push(`return fired(${name}, next, effects);`);
    } else if (effects === null || fits(result("next", effects), "return ")) {
      lines.push(`return ${render(result("next", effects), 2, 9)};`);
    } else {
      const head = `const effects: ${n.effect}[] = `;
      lines.push(`${head}${render(effects, 2, head.length + 2)};`);
      lines.push(`return fired(${name}, next, effects);`);
    }
  }
  return lines.join("\n");
}

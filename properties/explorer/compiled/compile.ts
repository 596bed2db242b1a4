// Compiles a machine spec (its checked model) under one profile into successor functions over
// packed slots: per trigger, the guards of every transition that may fire from the state's phase
// (in declaration order) and the updates of the one that is enabled, written straight into the
// successor's slots; plus the bounds check, the key digits and the invariants and witnesses. The
// source is evaluated with `new Function`; only numbers, slot offsets and names checked against
// the identifier pattern are spliced into it.
//
// Outcomes the compiled code does not decide itself return BAIL, and the engine asks the generic
// kernel for that one step: two enabled transitions (the determinism finding names them), an int
// leaving its declared range (the out-of-range finding), a Seq growing past its slack.

import type { AnyKernel, AnyTrigger, ProfileDesc } from "../../../kernel/descriptor.js";
import type { TypeDesc, Value } from "../../../kernel/types.js";
import type { MachineModel } from "../../../generator/model.js";
import { WORD, wordPlan } from "../packed-key.js";
import { containsInt } from "../ranges.js";
import type { IdSpace } from "../ids.js";
import { bindName, expr, HELPERS, stmts, type EmitContext } from "./emit.js";
import { NotCompilable, scalarOf, slotLayout, type SlotLayout } from "./slots.js";

export const NONE = -1;
export const BAIL = -2;
/** check(): the successor has a collection or int beyond the profile's bounds (pruned). */
export const OVER = -3;

export interface CompiledMachine {
  readonly layout: SlotLayout;
  /** Fires choice c in S into O: the transition index, NONE (refused) or BAIL. */
  step(c: number, S: Float64Array, O: Float64Array): number;
  /** 0, OVER, or BAIL (an int outside its declared range). */
  check(O: Float64Array): number;
  digits(S: Float64Array, D: Float64Array): void;
  fromDigits(D: Float64Array, S: Float64Array): void;
  /** digits then the word packing (packed-key.ts) in one: S's key into W[0..width). */
  keyWords(S: Float64Array, W: Uint16Array): void;
  /** The inverse: the slots of the key W[at..at+width). */
  fromWords(W: Uint16Array, at: number, S: Float64Array): void;
  readonly invariants: readonly ((S: Float64Array) => boolean)[];
  readonly witnesses: readonly ((S: Float64Array) => boolean)[];
  /** The generated source (the body of a function of T and P, the choices' trigger numbers and payload codes). */
  readonly source: string;
  /** What the source was evaluated with: parallel workers evaluate it again (parallel-partitioned.ts). */
  readonly choices: CompiledChoices;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Refuses a model that does not describe this kernel (a spec edited since it was generated). */
function checkMatches(kernel: AnyKernel, m: MachineModel): void {
  const same =
    m.name === kernel.machine &&
    sameJson(m.phaseType.values, kernel.phases) &&
    sameJson(m.fields.map((f) => [f.name, f.type]), kernel.fields.map((f) => [f.name, f.type])) &&
    sameJson(m.triggers.map((t) => [t.name, t.fields.map((f) => [f.name, f.type])]), kernel.triggers.map((t) => [t.name, t.fields.map((f) => [f.name, f.type])])) &&
    sameJson(
      m.transitions.map((t) => [t.name, t.from, t.on, t.to, t.guards.map((g) => g.name)]),
      kernel.transitions.map((t) => [t.name, t.from, t.on, t.to, t.guards]),
    ) &&
    sameJson(m.invariants.map((p) => [p.name, p.source]), kernel.invariants.map((p) => [p.name, p.source])) &&
    sameJson(m.witnesses.map((p) => [p.name, p.source]), kernel.witnesses.map((p) => [p.name, p.source]));
  if (!same) throw new NotCompilable("the spec differs from the generated kernel (run meerkat generate)");
}

/** A payload value's code, as the compiled trigger functions take it. */
function payloadCode(t: TypeDesc, v: Value, ids: IdSpace): number {
  switch (t.kind) {
    case "bool":
      return v === true ? 1 : 0;
    case "int":
      return v as number;
    case "enum":
    case "id": {
      const s = scalarOf(t, ids);
      return s.kind === "finite" ? s.values.indexOf(v as string) : (v as number);
    }
    case "option":
      return v === null ? -1 : payloadCode(t.of, v, ids);
    case "set": {
      if (t.of.kind !== "enum" && t.of.kind !== "id") throw new NotCompilable("a payload Set of non-finite values");
      let m = 0;
      for (const x of v as ReadonlySet<Value>) m |= 1 << payloadCode(t.of, x, ids);
      return m;
    }
    default:
      throw new NotCompilable(`a ${t.kind} payload`);
  }
}

export interface CompiledChoices {
  readonly trigger: Int32Array;
  readonly payload: Float64Array;
  readonly width: number;
}

/** The concrete triggers (the generic system's choices, in its order) as trigger numbers and payload codes. */
export function compiledChoices(kernel: AnyKernel, choices: readonly AnyTrigger[], ids: IdSpace): CompiledChoices {
  const width = Math.max(1, ...kernel.triggers.map((t) => t.fields.length));
  const trigger = new Int32Array(choices.length);
  const payload = new Float64Array(choices.length * width);
  choices.forEach((ch, c) => {
    const ti = kernel.triggers.findIndex((t) => t.name === ch.kind);
    const t = kernel.triggers[ti];
    if (!t) throw new NotCompilable(`trigger ${ch.kind}`);
    trigger[c] = ti;
    t.fields.forEach((f, j) => (payload[c * width + j] = payloadCode(f.type, ch[f.name] as Value, ids)));
  });
  return { trigger, payload, width };
}

export function compileMachine(kernel: AnyKernel, m: MachineModel, profile: ProfileDesc, ids: IdSpace, choices: CompiledChoices): CompiledMachine {
  const width = choices.width;
  checkMatches(kernel, m);
  const layout = slotLayout(kernel.phases, kernel.fields, profile, ids);
  let n = 0;
  const fresh = (p: string) => `${p}$${n++}`;
  const hoisted: string[] = [];
  const hoist = (declaration: string) => void hoisted.push(declaration);
  const guardCtx: EmitContext = { layout, arr: "S", fresh, hoist };
  const updateCtx: EmitContext = { layout, arr: "O", fresh, hoist };
  const phaseIndex = new Map(kernel.phases.map((p, i) => [p, i]));
  const out: string[] = ['"use strict";', HELPERS];

  // One function per trigger: candidates by phase, exactly one enabled fires.
  m.triggers.forEach((t, ti) => {
    const params = t.fields.map((f) => bindName(f.name));
    const rows = m.transitions.map((tr, i) => ({ tr, i })).filter((x) => x.tr.on === t.name);
    const cases: string[] = [];
    m.phaseType.values.forEach((p, pi) => {
      const here = rows.filter((x) => x.tr.from.includes(p));
      if (here.length === 0) return;
      const tests = here.map(({ tr, i }) => {
        const cond = tr.guards.length === 0 ? "true" : tr.guards.map((g) => `(${expr(guardCtx, g.expr)})`).join(" && ");
        return `if (${cond}) { n++; w = ${i}; }`;
      });
      cases.push(`case ${pi}: ${tests.join(" ")} break;`);
    });
    const fires = rows.map(({ tr, i }) => {
      const to = tr.to === null ? "" : `O[0] = ${phaseIndex.get(tr.to) as number};`;
      return `case ${i}: {\n${stmts(updateCtx, tr.updates)}\n${to}\n${effectChecks(m, tr, updateCtx)}\nbreak; }`;
    });
    out.push(
      `function t${ti}(S, O${params.map((p) => `, ${p}`).join("")}) {`,
      `let n = 0; let w = -1;`,
      `switch (S[0]) { ${cases.join("\n")} default: return ${NONE}; }`,
      `if (n === 0) return ${NONE}; if (n > 1) return BAIL;`,
      `O.set(S);`,
      `switch (w) { ${fires.join("\n")} }`,
      `return w; }`,
    );
  });
  const calls = m.triggers.map((t, ti) => {
    const args = t.fields.map((f, j) => (f.type.kind === "bool" ? `P[c * ${width} + ${j}] === 1` : `P[c * ${width} + ${j}]`));
    return `case ${ti}: return t${ti}(S, O${args.map((a) => `, ${a}`).join("")});`;
  });
  out.push(`function step(c, S, O) { switch (T[c]) { ${calls.join("\n")} } return ${NONE}; }`);

  // Bounds: an int outside its declared range is the generic path's finding; beyond the profile's bounds, pruned.
  const checks: string[] = [];
  const intCheck = (at: string, s: { kind: string; min?: number; max?: number }, lo: number, hi: number, guard = "") => {
    if (s.kind !== "int") return;
    checks.push(`{ const v = O[${at}]; if (${guard}(v < ${s.min} || v > ${s.max})) return BAIL; if (${guard}(v < ${lo} || v > ${hi})) over = true; }`);
  };
  const digits: string[] = ["D[0] = S[0];"];
  const undigits: string[] = ["S.fill(0);", "S[0] = D[0];"];
  let d = 1;
  for (const f of layout.fields) {
    switch (f.kind) {
      case "scalar":
        intCheck(String(f.at), f.t, f.lo, f.hi);
        digits.push(`D[${d}] = S[${f.at}]${f.lo !== 0 ? ` - ${f.lo}` : ""};`);
        undigits.push(`S[${f.at}] = D[${d}]${f.lo !== 0 ? ` + ${f.lo}` : ""};`);
        d++;
        break;
      case "option":
        intCheck(String(f.at), f.of, f.lo, f.hi, `O[${f.at}] !== -1 && `);
        digits.push(`D[${d}] = S[${f.at}] === -1 ? 0 : S[${f.at}] - ${f.lo - 1};`);
        undigits.push(`S[${f.at}] = D[${d}] === 0 ? -1 : D[${d}] + ${f.lo - 1};`);
        d++;
        break;
      case "set":
        checks.push(`if (pc(O[${f.at}]) > ${Math.min(f.bound, f.of.n)}) over = true;`);
        digits.push(`D[${d}] = S[${f.at}];`);
        undigits.push(`S[${f.at}] = D[${d}];`);
        d++;
        break;
      case "map":
        checks.push(`if (pc(mapKeys(O, ${f.at}, ${f.key.n})) > ${Math.min(f.bound, f.key.n)}) over = true;`);
        for (let k = 0; k < f.key.n; k++) {
          intCheck(String(f.at + k), f.value, f.lo, f.hi, `O[${f.at + k}] !== -1 && `);
          digits.push(`D[${d}] = S[${f.at + k}] === -1 ? 0 : S[${f.at + k}] - ${f.lo - 1};`);
          undigits.push(`S[${f.at + k}] = D[${d}] === 0 ? -1 : D[${d}] + ${f.lo - 1};`);
          d++;
        }
        break;
      case "seq":
        checks.push(`if (O[${f.at}] > ${f.bound}) over = true;`);
        for (let j = 0; j < f.cap; j++) intCheck(String(f.at + 1 + j), f.of, f.lo, f.hi, `${j} < O[${f.at}] && `);
        digits.push(`D[${d}] = S[${f.at}];`);
        undigits.push(`S[${f.at}] = D[${d}];`);
        d++;
        for (let j = 0; j < f.bound; j++) {
          digits.push(`D[${d}] = ${j} < S[${f.at}] ? S[${f.at + 1 + j}]${f.lo !== 0 ? ` - ${f.lo}` : ""} : 0;`);
          undigits.push(`if (${j} < D[${d - 1 - j}]) S[${f.at + 1 + j}] = D[${d}]${f.lo !== 0 ? ` + ${f.lo}` : ""};`);
          d++;
        }
        break;
    }
  }
  out.push(`function check(O) { let over = false; ${checks.join("\n")} return over ? ${OVER} : 0; }`);
  out.push(`function digits(S, D) { ${digits.join("\n")} }`);
  out.push(`function fromDigits(D, S) { ${undigits.join("\n")} }`);
  out.push(...wordFunctions(layout.digitSizes, digits, undigits));
  const preds = (list: MachineModel["invariants"]) => `[${list.map((p) => `(S) => ${expr(guardCtx, p.expr)}`).join(",\n")}]`;
  const invariants = preds(m.invariants);
  const witnesses = preds(m.witnesses);
  // The quantifiers of the guards, updates and predicates above (emit.ts's quant).
  out.push(...hoisted);
  out.push(`return { step, check, digits, fromDigits, keyWords, fromWords, invariants: ${invariants}, witnesses: ${witnesses} };`);
  const source = out.join("\n");
  return { layout, source, choices, ...(new Function("T", "P", source) as (T: Int32Array, P: Float64Array) => Omit<CompiledMachine, "layout" | "source" | "choices">)(choices.trigger, choices.payload) };
}

/** keyWords and fromWords: the digit statements over locals instead of D, fused with the word packing. */
function wordFunctions(sizes: readonly number[], digits: readonly string[], undigits: readonly string[]): string[] {
  const local = (code: string) => code.replace(/D\[(\d+)\]/g, "d$1");
  const plan = wordPlan(sizes);
  const pack: string[] = [];
  const unpack: string[] = [];
  plan.words.forEach((w, j) => {
    if (w.kind === "mixed") {
      pack.push(`W[${j}] = ${w.parts.reduce((acc, c, k) => (k === 0 ? `d${c}` : `(${acc}) * ${sizes[c]} + d${c}`), "")};`);
      unpack.push(`r = W[at + ${j}];`);
      for (let k = w.parts.length - 1; k >= 0; k--) {
        const c = w.parts[k] as number;
        unpack.push(k === 0 ? `d${c} = r;` : `d${c} = r % ${sizes[c]}; r = (r - d${c}) / ${sizes[c]};`);
      }
    } else {
      const scale = WORD ** w.digit;
      pack.push(`W[${j}] = Math.floor(d${w.component} / ${scale}) % ${WORD};`);
      unpack.push(`${w.digit === 0 ? `d${w.component} = 0; ` : ""}d${w.component} += W[at + ${j}] * ${scale};`);
    }
  });
  const declare = `let r = 0; ${sizes.map((_, i) => `let d${i} = 0;`).join(" ")}`;
  return [
    `function keyWords(S, W) { ${digits.map((l) => local(l).replace(/^d(\d+) = /, "const d$1 = ")).join("\n")}\n${pack.join("\n")} }`,
    `function fromWords(W, at, S) { ${declare}\n${unpack.join("\n")}\n${undigits.map(local).join("\n")} }`,
  ];
}

/**
 * An int in an effect payload outside its declared range is the generic path's finding: the
 * payload is computed from the successor (as the kernel emits it) and BAIL hands the step over.
 */
function effectChecks(m: MachineModel, tr: MachineModel["transitions"][number], ctx: EmitContext): string {
  const out: string[] = [];
  for (const em of tr.emits) {
    const desc = m.effects.find((e) => e.name === em.effect);
    if (!desc) throw new NotCompilable(`effect ${em.effect}`);
    const tests: string[] = [];
    for (const f of em.fields) {
      const t = desc.fields.find((x) => x.name === f.name)?.type;
      if (!t || !containsInt(t)) continue;
      const int = t.kind === "option" ? t.of : t;
      if (int.kind !== "int") throw new NotCompilable("an effect with ints inside a collection");
      const v = ctx.fresh("e");
      const none = t.kind === "option" ? `${v} !== -1 && ` : "";
      tests.push(`{ const ${v} = ${expr(ctx, f.expr)}; if (${none}(${v} < ${int.min} || ${v} > ${int.max})) return BAIL; }`);
    }
    if (tests.length === 0) continue;
    out.push(em.when ? `if (${expr(ctx, em.when.expr)}) { ${tests.join(" ")} }` : tests.join(" "));
  }
  return out.join("\n");
}

// A parallel worker's chunk expansion on the compiled successor functions: the contract of
// ../expand-chunk.ts (same findings, same successor order and keys as the coordinator's serial
// counterpart would store), with compiled keys. A step the compiled code hands back (BAIL) is
// taken by the generic kernel, as in engine.ts.

import type { AnyState } from "../../../kernel/descriptor.js";
import { OUT_OF_DOMAIN, OVER_BOUND } from "../dense.js";
import { deadlockMessage } from "../engine.js";
import type { ChunkExpander } from "../expand-chunk.js";
import { badKeyOf, enabledRefusal, type FinalTag } from "../findings.js";
import type { Keying } from "../keying.js";
import { stringToWords, wordsToString } from "../packed-key.js";
import type { WorkerFinding } from "../parallel-protocol.js";
import type { ViolationKind } from "../result.js";
import { BAIL, NONE, OVER } from "./compile.js";
import type { CompiledRun } from "./engine.js";
import { fromSlots } from "./slots.js";

export function compiledChunkExpander(run: CompiledRun, keys: Keying<AnyState>): ChunkExpander {
  const { sys, machine } = run;
  const layout = machine.layout;
  const width = keys.codec.words?.width ?? 1;
  const W = new Uint16Array(width);
  const S = new Float64Array(layout.size);
  const O = new Float64Array(layout.size);
  const badKey = badKeyOf(sys, keys.codec);
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const n = run.choiceCount;

  return (req) => {
    const words = req.words ?? null;
    const count0 = words ? words.data.length / width : req.keys.length;
    const tried = new Int32Array(count0).fill(n);
    const from = new Int32Array(count0);
    const broken = Uint8Array.from(req.broken);
    const witnessed = Uint8Array.from(req.witnessed);
    const phases = new Uint8Array(sys.phaseNames.length);
    const findings: WorkerFinding[] = [];
    const foundIds = new Set<string>();
    const found: (readonly [number, number])[] = [];
    const report = (kind: ViolationKind, name: string, message: string, at: number, tag: FinalTag | null, choice: number, order: number): void => {
      const id = `${kind}\u0000${name}`;
      if (foundIds.has(id)) return;
      foundIds.add(id);
      findings.push({ kind, name, message, at, choice, tag, order });
    };
    const succState: number[] = [];
    const succChoice: number[] = [];
    const succTransition: number[] = [];
    const succKeys: (string | number)[] = [];
    let codes = new Float64Array(1024);
    let out = new Uint16Array(1024 * width);
    /** k: a key string, a negative code, or 0 for the key in W (kept as words with word keys). */
    const push = (local: number, c: number, ti: number, k: string | number): void => {
      const e = succState.length;
      succState.push(local);
      succChoice.push(c);
      succTransition.push(ti);
      if (!words) {
        succKeys.push(k === 0 ? wordsToString(W, 0, width) : k);
        return;
      }
      if (e === codes.length) {
        const c2 = new Float64Array(e * 2);
        c2.set(codes);
        codes = c2;
        const o2 = new Uint16Array(e * 2 * width);
        o2.set(out);
        out = o2;
      }
      if (typeof k === "string") {
        stringToWords(k, out, e * width);
        codes[e] = 0;
      } else {
        if (k === 0) for (let q = 0; q < width; q++) out[e * width + q] = W[q] as number;
        codes[e] = k;
      }
    };

    for (let local = 0; local < count0; local++) {
      const at = req.start + local;
      if (words) machine.fromWords(words.data, local * width, S);
      else {
        stringToWords(req.keys[local] as string, W, 0);
        machine.fromWords(W, 0, S);
      }
      let obj: AnyState | null = null;
      for (let v = 0; v < machine.invariants.length; v++) {
        if (broken[v] === 1) continue;
        if (!(machine.invariants[v] as (X: Float64Array) => boolean)(S)) {
          broken[v] = 1;
          const inv = sys.invariants[v] as (typeof sys.invariants)[number];
          report("invariant", inv.name, `invariant ${inv.name} (${inv.source}) is false`, at, null, -1, v);
        }
      }
      for (let w = 0; w < machine.witnesses.length; w++) {
        if (witnessed[w] === 0 && (machine.witnesses[w] as (X: Float64Array) => boolean)(S)) {
          witnessed[w] = 1;
          found.push([w, at]);
        }
      }
      const phase = S[0] as number;
      phases[phase] = 1;
      const only = run.worthTrying[phase] ?? null;
      const count = only ? only.length : n;
      let enabled = false;
      for (let j = 0; j < count; j++) {
        const c = only ? (only[j] as number) : j;
        const r = machine.step(c, S, O);
        if (r === NONE) continue;
        const chk = r === BAIL ? BAIL : machine.check(O);
        if (chk === BAIL) {
          obj ??= fromSlots(layout, S) as AnyState;
          const g = sys.step(obj, c);
          if (!g.ok) {
            const f = enabledRefusal(g);
            if (f !== null) {
              enabled = true;
              report(f.kind, f.name, f.message, at, f.kind, c, 0);
            }
            continue;
          }
          enabled = true;
          const effectBad = sys.effectRangeProblem(g);
          if (effectBad) report("out-of-range", effectBad.name, `effect ${effectBad.message} (transition ${g.transition})`, at, "effect-range", c, 0);
          const k = keys.keyOf(g.state);
          if (req.expand && k === OUT_OF_DOMAIN) {
            const bad = badKey(g.state);
            report("out-of-range", bad.name, `field ${bad.message} after transition ${g.transition}`, at, "state-range", c, 0);
          }
          push(local, c, transIndex.get(g.transition) ?? -1, k);
          continue;
        }
        enabled = true;
        if (chk === OVER) {
          push(local, c, r, OVER_BOUND);
          continue;
        }
        machine.keyWords(O, W);
        push(local, c, r, 0);
      }
      if (!enabled && !run.terminal.has(phase) && !run.deadlockAllowed.has(phase)) {
        const where = sys.phaseNames[phase] as string;
        report("deadlock", where, deadlockMessage(where), at, null, -1, 0);
      }
    }
    return {
      id: req.id,
      tried,
      from,
      succState: Int32Array.from(succState),
      succChoice: Int32Array.from(succChoice),
      succTransition: Int32Array.from(succTransition),
      succKeys: words ? codes.slice(0, succState.length) : succKeys,
      ...(words ? { succWords: out.slice(0, succState.length * width) } : {}),
      succCount: succState.length,
      findings,
      witnesses: found,
      phases,
    };
  };
}

// What a parallel worker does with one chunk of a BFS level: the serial engine's work on those
// states (checks on the state, every choice, successor keys), recorded with store positions
// instead of applied to a store, so the coordinator can merge chunks in BFS order.

import { OUT_OF_DOMAIN } from "./dense.js";
import { deadlockMessage } from "./engine.js";
import { badKeyOf, enabledRefusal, type FinalTag } from "./findings.js";
import type { Keying } from "./keying.js";
import type { ChunkRequest, ChunkResult, WorkerFinding } from "./parallel-protocol.js";
import type { ViolationKind } from "./result.js";
import type { System } from "./system.js";

export type ChunkExpander = (req: ChunkRequest) => ChunkResult;

export function chunkExpander<S>(sys: System<S>, keys: Keying<S>): ChunkExpander {
  const { codec, successorKey } = keys;
  const badKey = badKeyOf(sys, codec);
  const invariants = sys.invariants;
  const witnesses = sys.witnesses;
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const numberKeys = codec.kind === "number";
  // Reused between chunks; each result gets copies of the filled part.
  let cap = 4096;
  let succState = new Int32Array(cap);
  let succChoice = new Int32Array(cap);
  let succTransition = new Int32Array(cap);
  let succNum = new Float64Array(cap);
  const succStr: (string | number)[] = [];

  return (req) => {
    const n = req.keys.length;
    const tried = new Int32Array(n);
    const from = new Int32Array(n);
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
    let count = 0;
    succStr.length = 0;
    const push = (local: number, c: number, ti: number, k: number | string): void => {
      if (count === cap) {
        cap *= 2;
        const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
        succState = grow(succState, new Int32Array(cap));
        succChoice = grow(succChoice, new Int32Array(cap));
        succTransition = grow(succTransition, new Int32Array(cap));
        succNum = grow(succNum, new Float64Array(cap));
      }
      succState[count] = local;
      succChoice[count] = c;
      succTransition[count] = ti;
      if (numberKeys) succNum[count] = k as number;
      else succStr.push(k);
      count++;
    };

    for (let local = 0; local < n; local++) {
      const at = req.start + local;
      const s = codec.decode(req.keys[local] as number | string);
      for (let v = 0; v < invariants.length; v++) {
        if (broken[v] === 1) continue;
        const inv = invariants[v] as (typeof invariants)[number];
        if (!inv.holds(s)) {
          broken[v] = 1;
          report("invariant", inv.name, `invariant ${inv.name} (${inv.source}) is false`, at, null, -1, v);
        }
      }
      for (let w = 0; w < witnesses.length; w++) {
        if (witnessed[w] === 0 && (witnesses[w] as (typeof witnesses)[number]).holds(s)) {
          witnessed[w] = 1;
          found.push([w, at]);
        }
      }
      for (const p of sys.phasesOf(s)) phases[p] = 1;

      const f = sys.choicesFrom(s);
      const to = sys.choicesTo(s);
      from[local] = f;
      tried[local] = Math.max(0, to - f);
      const only = sys.choicesIn?.(s) ?? null;
      const count = only ? only.length : to - f;
      let enabled = false;
      for (let j = 0; j < count; j++) {
        const c = only ? (only[j] as number) : f + j;
        const r = sys.step(s, c);
        if (!r.ok) {
          const f = enabledRefusal(r);
          if (f !== null) {
            enabled = true;
            report(f.kind, f.name, f.message, at, f.kind, c, 0);
          }
          continue;
        }
        enabled = true;
        const effectBad = sys.effectRangeProblem(r);
        if (effectBad) report("out-of-range", effectBad.name, `effect ${effectBad.message} (transition ${r.transition})`, at, "effect-range", c, 0);
        const k = successorKey(r.state);
        if (req.expand && k === OUT_OF_DOMAIN) {
          const bad = badKey(r.state);
          report("out-of-range", bad.name, `field ${bad.message} after transition ${r.transition}`, at, "state-range", c, 0);
        }
        push(local, c, transIndex.get(r.transition) ?? -1, k);
      }
      if (!enabled && !sys.isTerminal(s) && !sys.deadlockAllowed(s)) {
        const where = sys.whereStuck(s);
        report("deadlock", where, deadlockMessage(where), at, null, -1, 0);
      }
    }
    return {
      id: req.id,
      tried,
      from,
      succState: succState.slice(0, count),
      succChoice: succChoice.slice(0, count),
      succTransition: succTransition.slice(0, count),
      succKeys: numberKeys ? succNum.slice(0, count) : succStr.slice(),
      succCount: count,
      findings,
      witnesses: found,
      phases,
    };
  };
}

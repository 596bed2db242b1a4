// Breadth-first exploration on the compiled successor functions: the same search as engine.ts
// (same choice order, same checks, same findings, same counters), with states as packed slots and
// keys as fixed-width words written straight into the store. A step the compiled code hands back
// (BAIL) is taken by the generic kernel on the object form of the state, and handled exactly as the
// generic engine handles it. Traces are rebuilt afterwards by the generic replay (paths.ts), with
// a keyOf that keys object states the compiled way.

import type { AnyState } from "../../../kernel/descriptor.js";
import { OUT_OF_DOMAIN, OVER_BOUND } from "../dense.js";
import { deadlockMessage, finishExploration, memoryNow, seedRoots, TICK_MS, type EngineOptions } from "../engine.js";
import { badKeyOf, enabledRefusal } from "../findings.js";
import { wordCodec } from "../packed-key.js";
import { PackedStore } from "../packed-store.js";
import type { ExploreResult } from "../result.js";
import type { System } from "../system.js";
import { Tally } from "../tally.js";
import { BAIL, NONE, OVER, type CompiledMachine } from "./compile.js";
import { compiledKeying } from "./keys.js";
import { fromSlots, toSlots } from "./slots.js";

/** Where the store reads made only to warm the cache end up (so that they are not optimised away). */
let touchSink = 0;

export interface CompiledRun {
  readonly sys: System<AnyState>;
  readonly machine: CompiledMachine;
  readonly choiceCount: number;
  /** Per phase index, the choices worth trying (null: all). */
  readonly worthTrying: readonly (Int32Array | null)[];
  readonly terminal: ReadonlySet<number>;
  readonly deadlockAllowed: ReadonlySet<number>;
}

export function exploreCompiled(run: CompiledRun, opts: EngineOptions): ExploreResult {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { sys, machine } = run;
  const layout = machine.layout;
  const wc = wordCodec(layout.digitSizes);
  const S = new Float64Array(layout.size);
  const O = new Float64Array(layout.size);
  const store = new PackedStore(wc.width);
  const scratch = store.scratch;
  const keys = compiledKeying(run);
  const { codec, keyOf } = keys;
  const maxStates = opts.maxStates;
  const maxDepth = sys.profile.maxDepth;
  const tickMs = opts.progressIntervalMs ?? TICK_MS;

  const tally = new Tally<Float64Array>(sys as System<unknown>, opts.stopOnViolation, machine.invariants, machine.witnesses, (X, seen) => {
    seen[X[0] as number] = 1;
  });
  const report = tally.report.bind(tally);
  const badKey = badKeyOf(sys, codec);
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const markFired = (t: number): void => tally.markFired(t);
  const onNew = (idx: number, X: Float64Array, depth: number): void => tally.onNew(idx, X, depth);

  // Every initial state is a root (level 0), seeded as the generic engine seeds them.
  for (const root of seedRoots(sys, keys, store)) {
    toSlots(layout, root.state, S);
    onNew(root.index, S, 0);
  }

  let depth = 0;
  let levelEnd = store.size;
  let pruned = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;
  let limitHit = false;
  let peakMemory = memoryNow();
  let lastTick = t0;
  const n = run.choiceCount;
  // A state's compiled successors, gathered before any is looked up (see batch below).
  const width = wc.width;
  const bChoice = new Int32Array(n);
  const bTrans = new Int32Array(n);
  const bOver = new Uint8Array(n);
  const bHash = new Int32Array(n);
  const bSlot = new Int32Array(n);
  const bWords = new Uint16Array(n * width);
  let touched = 0;

  /**
   * Steps every choice worth trying from S and keeps the successors' transitions and keys, without
   * touching the store; returns how many, or -1 if a step was handed back (BAIL), which the
   * one-by-one loop below takes instead. Gathering first lets the lookups' cache misses overlap
   * (PackedStore.touch): they are most of the time spent per successor.
   */
  const batch = (only: Int32Array | null, count: number): number => {
    let m = 0;
    for (let j = 0; j < count; j++) {
      const c = only ? (only[j] as number) : j;
      const r = machine.step(c, S, O);
      if (r === NONE) continue;
      if (r === BAIL) return -1;
      const chk = machine.check(O);
      if (chk === BAIL) return -1;
      bChoice[m] = c;
      bTrans[m] = r;
      bOver[m] = chk === OVER ? 1 : 0;
      if (chk !== OVER) {
        machine.keyWords(O, scratch);
        bWords.set(scratch, m * width);
        bHash[m] = store.hashOf(bWords, m * width);
      }
      m++;
    }
    return m;
  };

  for (let i = 0; i < store.size && !limitHit && !tally.stopped; i++) {
    if (i === levelEnd) {
      depth++;
      levelEnd = store.size;
    }
    machine.fromWords(store.keyPageOf(i), store.keyOffsetOf(i), S);
    let obj: AnyState | null = null;
    const expand = maxDepth === null || depth < maxDepth;
    const only = run.worthTrying[S[0] as number] ?? null;
    const count = only ? only.length : n;
    let lastTried = -1;
    let enabled = false;
    // The successors in one go, as the loop below would take them, unless a step is handed back or
    // the state limit could be reached among them (the loop stops exactly there).
    const m = tally.stopped ? -1 : batch(only, count);
    const batched = m >= 0 && store.size + m < maxStates;
    if (batched) {
      for (let k = 0; k < m; k++) bSlot[k] = store.touchSlot(bHash[k] as number);
      for (let k = 0; k < m; k++) touched ^= store.touchKey(bSlot[k] as number, bHash[k] as number);
      for (let k = 0; k < m && !tally.stopped; k++) {
        lastTried = bChoice[k] as number;
        enabled = true;
        markFired(bTrans[k] as number);
        if (!expand) {
          if (bOver[k] === 0 && !store.hasWordsAt(bWords, k * width, bHash[k] as number)) beyondMaxDepth++;
          continue;
        }
        if (bOver[k] === 1) {
          pruned++;
          continue;
        }
        const idx = store.addWordsAt(bWords, k * width, bHash[k] as number, i, lastTried);
        if (idx >= 0) {
          machine.fromWords(bWords, k * width, O);
          onNew(idx, O, depth + 1);
        }
      }
    }
    for (let j = 0; !batched && j < count && !tally.stopped; j++) {
      const c = only ? (only[j] as number) : j;
      lastTried = c;
      let r = machine.step(c, S, O);
      if (r === NONE) continue;
      const chk = r === BAIL ? BAIL : machine.check(O);
      if (chk === BAIL) {
        // The generic kernel takes this step, handled as engine.ts handles every step.
        obj ??= fromSlots(layout, S) as AnyState;
        const g = sys.step(obj, c);
        if (!g.ok) {
          const f = enabledRefusal(g);
          if (f !== null) {
            enabled = true;
            report(f.kind, f.name, f.message, i, f.kind, c);
          }
          continue;
        }
        r = transIndex.get(g.transition) ?? -1;
        enabled = true;
        if (r >= 0) markFired(r);
        const effectBad = sys.effectRangeProblem(g);
        if (effectBad) report("out-of-range", effectBad.name, `effect ${effectBad.message} (transition ${g.transition})`, i, "effect-range", c);
        const k = keyOf(g.state);
        if (!expand) {
          if ((typeof k !== "number" || k >= 0) && !store.has(k)) beyondMaxDepth++;
          continue;
        }
        if (typeof k === "number" && k < 0) {
          if (k === OVER_BOUND) pruned++;
          else if (k === OUT_OF_DOMAIN) {
            const bad = badKey(g.state);
            report("out-of-range", bad.name, `field ${bad.message} after transition ${g.transition}`, i, "state-range", c);
          }
          continue;
        }
        const idx = store.add(k, i, c);
        if (idx >= 0) {
          if (idx >= maxStates) {
            limitHit = true;
            break;
          }
          toSlots(layout, g.state, O);
          onNew(idx, O, depth + 1);
        }
        continue;
      }
      enabled = true;
      markFired(r);
      if (!expand) {
        if (chk !== OVER) {
          machine.keyWords(O, scratch);
          if (!store.hasWords()) beyondMaxDepth++;
        }
        continue;
      }
      if (chk === OVER) {
        pruned++;
        continue;
      }
      machine.keyWords(O, scratch);
      const idx = store.addWords(i, c);
      if (idx >= 0) {
        if (idx >= maxStates) {
          limitHit = true;
          break;
        }
        onNew(idx, O, depth + 1);
      }
    }
    stepsTried += tally.stopped || limitHit ? lastTried + 1 : n;
    const phase = S[0] as number;
    if (!enabled && !tally.stopped && !run.terminal.has(phase) && !run.deadlockAllowed.has(phase)) {
      const where = sys.phaseNames[phase] as string;
      report("deadlock", where, deadlockMessage(where), i, null, -1);
    }
    if ((i & 1023) === 1023) {
      const now = performance.now();
      if (now - lastTick >= tickMs) {
        lastTick = now;
        peakMemory = Math.max(peakMemory, memoryNow());
        opts.onProgress?.({ states: store.size, frontier: store.size - i - 1, depth, rate: store.size / Math.max(1e-3, (now - t0) / 1000) });
      }
    }
  }
  touchSink ^= touched;
  return finishExploration(sys, keys, {
    t0,
    cpu0,
    exploredMs: performance.now() - t0,
    peakMemory,
    store,
    maxStates,
    findings: [...tally.findings.values()],
    limitHit,
    stopped: tally.stopped,
    depth,
    deepest: tally.deepest,
    pruned,
    beyondMaxDepth,
    stepsTried,
    witnessAt: tally.witnessAt,
    witnessDepth: tally.witnessDepth,
    phaseSeen: tally.phaseSeen,
    fired: tally.fired,
  });
}

// Breadth-first exploration of a system: every choice in every reachable state, states deduplicated
// by their canonical key, every check applied on the way. BFS order makes the first occurrence of
// each violation a shortest one; its trace is rebuilt afterwards from parent links.

import type { CanonicalOptions } from "./canonical.js";
import { OUT_OF_DOMAIN, OVER_BOUND } from "./dense.js";
import { badKeyOf, enabledRefusal, finalStepOf, type Finding } from "./findings.js";
import { keying, storeWalk, type Keying } from "./keying.js";
import { rootCount, seedInitialStates } from "./initial-states.js";
import { buildTrace } from "./paths.js";
import { Tally } from "./tally.js";
import { boundedText } from "./result.js";
import type { ExploreProgress, ExploreResult, Violation, ViolationKind, WitnessResult } from "./result.js";
import { createStore, type StateStore } from "./store.js";
import type { System } from "./system.js";

export interface EngineOptions {
  readonly maxStates: number;
  readonly symmetry: boolean;
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Least time between two onProgress calls (default 200 ms); checked every 1024 expanded states. */
  readonly progressIntervalMs?: number;
  /** "hash" forces the hash-set store even for small key spaces (benchmarks and tests). */
  readonly store?: "auto" | "hash";
  /** End the exploration as soon as this violation is recorded (see ExploreOptions). */
  readonly stopOnViolation?: { readonly kind: ViolationKind; readonly name: string };
  /** How symmetry picks representatives (tests force the refined method with a low fullLimit). */
  readonly canonical?: CanonicalOptions;
}

export const TICK_MS = 200;

export function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The store an exploration of sys uses. */
export function storeFor<S>(k: Keying<S>, opts: Pick<EngineOptions, "store">): StateStore {
  return createStore(k.codec.kind, opts.store === "hash" ? Infinity : k.codec.keySpace, k.codec.words);
}

/** Seeds the store with every initial state (initial-states.ts), or a setup error saying why one cannot be explored. */
export function seedRoots<S>(sys: System<S>, k: Keying<S>, store: StateStore): { readonly index: number; readonly state: S }[] {
  const why = (s: S, key: number): string =>
    key === OUT_OF_DOMAIN ? badKeyOf(sys, k.codec)(s).message : `it is beyond the profile's bounds (maxCollectionSize ${sys.profile.maxCollectionSize} or an int bound)`;
  return seedInitialStates(sys, k, store, why);
}

export function explore<S>(sys: System<S>, opts: EngineOptions): ExploreResult {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const keys = keying(sys, opts.symmetry, opts.canonical);
  const { codec } = keys;
  const store = storeFor(keys, opts);
  const walk = storeWalk(keys, store);
  const maxStates = opts.maxStates;
  const maxDepth = sys.profile.maxDepth;
  const tickMs = opts.progressIntervalMs ?? TICK_MS;

  const tally = new Tally<S>(
    sys as System<unknown>,
    opts.stopOnViolation,
    sys.invariants.map((inv) => (s: S) => inv.holds(s)),
    sys.witnesses.map((w) => (s: S) => w.holds(s)),
    (s, seen) => {
      for (const p of sys.phasesOf(s)) seen[p] = 1;
    },
  );
  const report = tally.report.bind(tally);
  const badKey = badKeyOf(sys, codec);
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const onNew = (idx: number, s: S, depth: number): void => tally.onNew(idx, s, depth);

  for (const root of seedRoots(sys, keys, store)) onNew(root.index, root.state, 0);

  let depth = 0;
  let levelEnd = store.size;
  let pruned = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;
  let limitHit = false;
  let peakMemory = memoryNow();
  let lastTick = t0;

  for (let i = 0; i < store.size && !limitHit && !tally.stopped; i++) {
    if (i === levelEnd) {
      depth++;
      levelEnd = store.size;
    }
    const s = walk.stateAt(i);
    const expand = maxDepth === null || depth < maxDepth;
    const from = sys.choicesFrom(s);
    const to = sys.choicesTo(s);
    const only = sys.choicesIn?.(s) ?? null;
    const count = only ? only.length : to - from;
    let lastTried = from - 1;
    let enabled = false;
    for (let j = 0; j < count && !tally.stopped; j++) {
      const c = only ? (only[j] as number) : from + j;
      lastTried = c;
      const r = sys.step(s, c);
      if (!r.ok) {
        const f = enabledRefusal(r);
        if (f !== null) {
          enabled = true;
          report(f.kind, f.name, f.message, i, f.kind, c);
        }
        continue;
      }
      enabled = true;
      if (tally.firedCount < tally.fired.length) {
        const ti = transIndex.get(r.transition);
        if (ti !== undefined) tally.markFired(ti);
      }
      const effectBad = sys.effectRangeProblem(r);
      if (effectBad) report("out-of-range", effectBad.name, `effect ${effectBad.message} (transition ${r.transition})`, i, "effect-range", c);
      const k = walk.successor(r.state);
      if (!expand) {
        // A successor not yet stored is a state the depth bound leaves unexplored.
        if ((typeof k !== "number" || k >= 0) && !walk.has(k)) beyondMaxDepth++;
        continue;
      }
      if (typeof k === "number" && k < 0) {
        if (k === OVER_BOUND) pruned++;
        else {
          const bad = badKey(r.state);
          report("out-of-range", bad.name, `field ${bad.message} after transition ${r.transition}`, i, "state-range", c);
        }
        continue;
      }
      const idx = walk.add(k, i, c);
      if (idx >= 0) {
        if (idx >= maxStates) {
          limitHit = true;
          break;
        }
        onNew(idx, r.state, depth + 1);
      }
    }
    // Choices left out by choicesIn count as tried, as if each had been refused.
    stepsTried += tally.stopped || limitHit ? lastTried - from + 1 : to - from;
    if (!enabled && !tally.stopped && !sys.isTerminal(s) && !sys.deadlockAllowed(s)) {
      const where = sys.whereStuck(s);
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

export { routeRefusedMessage } from "./findings.js";

export function deadlockMessage(where: string): string {
  return `no trigger is enabled in ${where}, which is not terminal`;
}

/** What an exploration found, in the form finishExploration turns into its result. */
export interface Explored {
  readonly t0: number;
  readonly cpu0: NodeJS.CpuUsage;
  readonly exploredMs: number;
  readonly peakMemory: number;
  readonly store: StateStore;
  readonly maxStates: number;
  /** In the order they were first found. */
  readonly findings: readonly Finding[];
  readonly limitHit: boolean;
  readonly stopped: boolean;
  /** Level being expanded when the exploration ended. */
  readonly depth: number;
  /** Depth of the last state checked. */
  readonly deepest: number;
  readonly pruned: number;
  readonly beyondMaxDepth: number;
  readonly stepsTried: number;
  readonly witnessAt: Int32Array;
  readonly witnessDepth: Int32Array;
  readonly phaseSeen: Uint8Array;
  readonly fired: Uint8Array;
}

/** Judges coverage and witnesses, rebuilds the traces and reports. */
export function finishExploration<S>(sys: System<S>, keys: Keying<S>, x: Explored): ExploreResult {
  const cpu = process.cpuUsage(x.cpu0);
  const peakMemory = Math.max(x.peakMemory, memoryNow());
  const { store, maxStates, limitHit, stopped, pruned, beyondMaxDepth, witnessAt, witnessDepth } = x;
  const maxDepth = sys.profile.maxDepth;
  const distinct = Math.min(store.size, maxStates);
  const keyOf = keys.keyOf;
  const badKey = badKeyOf(sys, keys.codec);
  const witnesses = sys.witnesses;

  const unreachedPhases = sys.phaseNames.filter((_, i) => x.phaseSeen[i] === 0);
  const unfired = sys.transitionNames.filter((_, i) => x.fired[i] === 0);
  const firedCount = sys.transitionNames.length - unfired.length;
  const violations: Violation[] = [];
  for (const f of x.findings) {
    violations.push({ kind: f.kind, name: f.name, message: f.message, trace: buildTrace(sys, store, keyOf, f.at, finalStepOf(sys, keyOf, badKey, f), { kind: f.kind, name: f.name, message: f.message }) });
  }
  if (limitHit) {
    violations.push({
      kind: "state-limit",
      name: "maxStates",
      message: `stopped after ${maxStates} distinct states at depth ${x.depth} without finishing; raise --max-states, or bound the profile (maxDepth, domains, maxCollectionSize, ints)`,
      trace: null,
    });
  } else if (!stopped) {
    if (sys.profile.complete && (pruned > 0 || beyondMaxDepth > 0)) {
      violations.push({ kind: "incomplete", name: "complete", message: `profile ${sys.profile.name} requires a complete exploration, but ${boundedText({ pruned, beyondMaxDepth, maxDepth })}`, trace: null });
    }
    if (sys.coverageIsChecked) {
      for (const p of unreachedPhases) violations.push({ kind: "unreachable-phase", name: p, message: `phase ${p} is never entered`, trace: null });
      for (const t of unfired) violations.push({ kind: "dead-transition", name: t, message: `transition ${t} never fires`, trace: null });
    }
    witnesses.forEach((w, i) => {
      if ((witnessAt[i] as number) < 0) {
        violations.push({ kind: "unreachable-witness", name: w.name, message: `witness ${w.name} (${w.source}) is never true in ${distinct} reachable states`, trace: null });
      }
    });
  }
  const witnessResults: WitnessResult[] = witnesses.map((w, i) => {
    const at = witnessAt[i] as number;
    const meta = { kind: "witness", name: w.name, message: `witness ${w.name} (${w.source}) holds` };
    return { name: w.name, source: w.source, reached: at >= 0, depth: at >= 0 ? (witnessDepth[i] as number) : null, trace: at >= 0 ? buildTrace(sys, store, keyOf, at, null, meta) : null };
  });

  const durationMs = performance.now() - x.t0;
  const storeBytes = store.bytes();
  return {
    machine: sys.name,
    subject: sys.subject,
    specFile: sys.specFile,
    profile: sys.profile.name,
    ok: violations.length === 0,
    complete: !limitHit && !stopped,
    distinctStates: distinct,
    initialStates: rootCount(store),
    depth: x.deepest,
    maxDepth,
    durationMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    statesPerSecond: Math.round(distinct / Math.max(1e-3, x.exploredMs / 1000)),
    stepsTried: x.stepsTried,
    transitions: { declared: sys.transitionNames.length, fired: firedCount },
    coverage: { checked: sys.coverageIsChecked, unreachedPhases, unfiredTransitions: unfired },
    violations,
    witnesses: witnessResults,
    invariantsChecked: sys.invariants.length,
    pruned,
    bounded: pruned > 0 || beyondMaxDepth > 0 ? { pruned, beyondMaxDepth, maxDepth } : null,
    symmetry: keys.canon !== null,
    canonicalMethod: keys.canon?.method ?? null,
    keyKind: keys.codec.kind,
    storeBytes,
    bytesPerState: Math.round(storeBytes / Math.max(1, store.size)),
    peakMemoryBytes: peakMemory,
  };
}

// Breadth-first exploration of a system: every choice in every reachable state, states deduplicated
// by their canonical key, every check applied on the way. BFS order makes the first occurrence of
// each violation a shortest one; its trace is rebuilt afterwards from parent links.

import { describeRefusal } from "../../kernel/result.js";
import { canonicalizer, type CanonicalOptions } from "./canonical.js";
import { OUT_OF_DOMAIN, OVER_BOUND } from "./dense.js";
import { ExploreSetupError } from "./errors.js";
import { buildTrace, type FinalStep } from "./paths.js";
import { boundedText } from "./result.js";
import type { ExploreProgress, ExploreResult, Violation, ViolationKind, WitnessResult } from "./result.js";
import { keyCodec, type StateKey } from "./state-key.js";
import { createStore } from "./store.js";
import type { StepResult, System } from "./system.js";

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

interface Finding<S> {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  /** State the violation was found in (or whose step violated). */
  readonly at: number;
  readonly final: FinalStep<S> | null;
}

const TICK_MS = 200;

function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function explore<S>(sys: System<S>, opts: EngineOptions): ExploreResult {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const codec = keyCodec(sys.layout);
  const canon = opts.symmetry ? canonicalizer(sys.layout, sys.ids, opts.canonical) : null;
  const idx = new Float64Array(sys.layout.components.length);
  // Successors of the state just decoded (near): reuse its component indexes for unchanged fields.
  const idComps = canon?.idComponents ?? [];
  const decoded = codec.decoded;
  // A successor whose id components all equal those of the (canonical) state just decoded is
  // canonical as it is: only id components take part in the minimisation.
  const sameIdsAsDecoded = (): boolean => {
    for (let j = 0; j < idComps.length; j++) {
      const c = idComps[j] as number;
      if (idx[c] !== decoded[c]) return false;
    }
    return true;
  };
  const canonicalKey = (s: S, near: boolean): StateKey => {
    const code = codec.indexes(s, idx, near);
    if (code < 0) return code;
    if (!(near && sameIdsAsDecoded())) canon?.canonical(idx);
    return codec.fromIndexes(idx);
  };
  const keyOf = canon ? (s: S): StateKey => canonicalKey(s, false) : (s: S): StateKey => codec.encode(s);
  const successorKey = canon ? (s: S): StateKey => canonicalKey(s, true) : (s: S): StateKey => codec.encodeNear(s);
  const store = createStore(codec.kind, opts.store === "hash" ? Infinity : codec.keySpace);
  const maxStates = opts.maxStates;
  const maxDepth = sys.profile.maxDepth;
  const tickMs = opts.progressIntervalMs ?? TICK_MS;

  const findings = new Map<string, Finding<S>>();
  const stopOn = opts.stopOnViolation;
  let stopped = false;
  const report = (kind: ViolationKind, name: string, message: string, at: number, final: FinalStep<S> | null): void => {
    const id = `${kind}\u0000${name}`;
    if (!findings.has(id)) findings.set(id, { kind, name, message, at, final });
    if (stopOn && stopOn.kind === kind && stopOn.name === name) stopped = true;
  };
  const badKey = (s: S): { name: string; message: string } => {
    const range = sys.stateRangeProblem(s);
    if (range) return range;
    const p = codec.problem(s);
    const name = p ? (sys.layout.names[p.component] ?? "state") : "state";
    return { name, message: `${name} holds a value outside its type's domain under profile ${sys.profile.name}` };
  };

  const invariants = sys.invariants;
  const broken = new Uint8Array(invariants.length);
  const witnesses = sys.witnesses;
  const witnessAt = new Int32Array(witnesses.length).fill(-1);
  const witnessDepth = new Int32Array(witnesses.length).fill(-1);
  let witnessesLeft = witnesses.length;
  const phaseSeen = new Uint8Array(sys.phaseNames.length);
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const fired = new Uint8Array(sys.transitionNames.length);
  let firedCount = 0;
  let deepest = 0;

  const onNew = (idx: number, s: S, depth: number): void => {
    deepest = depth;
    for (let v = 0; v < invariants.length; v++) {
      if (broken[v] === 1) continue;
      const inv = invariants[v] as (typeof invariants)[number];
      if (!inv.holds(s)) {
        broken[v] = 1;
        report("invariant", inv.name, `invariant ${inv.name} (${inv.source}) is false`, idx, null);
      }
    }
    if (witnessesLeft > 0) {
      for (let w = 0; w < witnesses.length; w++) {
        if ((witnessAt[w] as number) < 0 && (witnesses[w] as (typeof witnesses)[number]).holds(s)) {
          witnessAt[w] = idx;
          witnessDepth[w] = depth;
          witnessesLeft--;
        }
      }
    }
    for (const p of sys.phasesOf(s)) phaseSeen[p] = 1;
  };

  const s0 = sys.initial();
  const k0 = keyOf(s0);
  if (typeof k0 === "number" && k0 < 0) {
    const why = k0 === OUT_OF_DOMAIN ? badKey(s0).message : `the initial state is beyond the profile's bounds (maxCollectionSize ${sys.profile.maxCollectionSize} or an int bound)`;
    throw new ExploreSetupError(`${sys.name}: the initial state cannot be explored: ${why}`);
  }
  store.add(k0, -1, -1);
  onNew(0, s0, 0);

  let depth = 0;
  let levelEnd = 1;
  let pruned = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;
  let limitHit = false;
  let peakMemory = memoryNow();
  let lastTick = t0;

  for (let i = 0; i < store.size && !limitHit && !stopped; i++) {
    if (i === levelEnd) {
      depth++;
      levelEnd = store.size;
    }
    const s = codec.decode(store.keyAt(i));
    const expand = maxDepth === null || depth < maxDepth;
    const to = sys.choicesTo(s);
    let enabled = false;
    for (let c = sys.choicesFrom(s); c < to && !stopped; c++) {
      const r = sys.step(s, c);
      stepsTried++;
      if (!r.ok) {
        if (r.code === "AmbiguousTransition") {
          enabled = true;
          const name = r.transitions.join("|");
          report("determinism", name, describeRefusal(r), i, { choice: c, accept: (x) => !x.ok && x.code === "AmbiguousTransition" && x.transitions.join("|") === name });
        } else if (r.code === "RouteRefused") {
          enabled = true;
          const route = r.route;
          report("route-refused", route, `route ${route} delivered ${r.refusal.trigger} to ${r.instance}, which refused it: ${describeRefusal(r.refusal)}`, i, {
            choice: c,
            accept: (x) => !x.ok && x.code === "RouteRefused" && x.route === route,
          });
        }
        continue;
      }
      enabled = true;
      if (firedCount < fired.length) {
        const ti = transIndex.get(r.transition);
        if (ti !== undefined && fired[ti] === 0) {
          fired[ti] = 1;
          firedCount++;
        }
      }
      const effectBad = sys.effectRangeProblem(r);
      if (effectBad) {
        const name = effectBad.name;
        report("out-of-range", name, `effect ${effectBad.message} (transition ${r.transition})`, i, {
          choice: c,
          accept: (x) => x.ok && sys.effectRangeProblem(x)?.name === name,
        });
      }
      const k = successorKey(r.state);
      if (!expand) {
        // A successor not yet stored is a state the depth bound leaves unexplored.
        if ((typeof k !== "number" || k >= 0) && !store.has(k)) beyondMaxDepth++;
        continue;
      }
      if (typeof k === "number" && k < 0) {
        if (k === OVER_BOUND) pruned++;
        else {
          const bad = badKey(r.state);
          const name = bad.name;
          report("out-of-range", name, `field ${bad.message} after transition ${r.transition}`, i, {
            choice: c,
            accept: (x: StepResult<S>) => x.ok && badKey(x.state).name === name && keyOf(x.state) === OUT_OF_DOMAIN,
          });
        }
        continue;
      }
      const idx = store.add(k, i, c);
      if (idx >= 0) {
        if (idx >= maxStates) {
          limitHit = true;
          break;
        }
        onNew(idx, r.state, depth + 1);
      }
    }
    if (!enabled && !stopped && !sys.isTerminal(s) && !sys.deadlockAllowed(s)) {
      const where = sys.whereStuck(s);
      report("deadlock", where, `no trigger is enabled in ${where}, which is not terminal`, i, null);
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
  const exploredMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  peakMemory = Math.max(peakMemory, memoryNow());
  const distinct = Math.min(store.size, maxStates);

  const unreachedPhases = sys.phaseNames.filter((_, i) => phaseSeen[i] === 0);
  const unfired = sys.transitionNames.filter((_, i) => fired[i] === 0);
  const violations: Violation[] = [];
  for (const f of findings.values()) {
    violations.push({ kind: f.kind, name: f.name, message: f.message, trace: buildTrace(sys, store, keyOf, f.at, f.final, { kind: f.kind, name: f.name, message: f.message }) });
  }
  if (limitHit) {
    violations.push({
      kind: "state-limit",
      name: "maxStates",
      message: `stopped after ${maxStates} distinct states at depth ${depth} without finishing; raise --max-states, or bound the profile (maxDepth, domains, maxCollectionSize, ints)`,
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

  const durationMs = performance.now() - t0;
  const storeBytes = store.bytes();
  return {
    machine: sys.name,
    subject: sys.subject,
    specFile: sys.specFile,
    profile: sys.profile.name,
    ok: violations.length === 0,
    complete: !limitHit && !stopped,
    distinctStates: distinct,
    depth: deepest,
    maxDepth,
    durationMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    statesPerSecond: Math.round(distinct / Math.max(1e-3, exploredMs / 1000)),
    stepsTried,
    transitions: { declared: sys.transitionNames.length, fired: firedCount },
    coverage: { checked: sys.coverageIsChecked, unreachedPhases, unfiredTransitions: unfired },
    violations,
    witnesses: witnessResults,
    invariantsChecked: invariants.length,
    pruned,
    bounded: pruned > 0 || beyondMaxDepth > 0 ? { pruned, beyondMaxDepth, maxDepth } : null,
    symmetry: canon !== null,
    canonicalMethod: canon?.method ?? null,
    keyKind: codec.kind,
    storeBytes,
    bytesPerState: Math.round(storeBytes / Math.max(1, store.size)),
    peakMemoryBytes: peakMemory,
  };
}

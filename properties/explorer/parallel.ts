// Parallel exploration with worker_threads on the generic successor path (compiled machines
// explore with a partitioned seen-set, parallel-partitioned.ts). The coordinator keeps the one seen-set (the store) and
// the BFS order; each BFS level is cut into chunks of states that idle workers take from a shared
// queue and expand (expand-chunk.ts: checks on the state, every choice, successor keys). Chunks
// are merged into the store in index order, so every state gets the index, parent and choice the
// serial engine gives it: state counts, verdicts, the first finding of each violation and hence
// every trace are those of one worker, shortest traces included.

import { Worker } from "node:worker_threads";
import { OVER_BOUND } from "./dense.js";
import { finishExploration, memoryNow, seedRoots, storeFor, TICK_MS, type EngineOptions } from "./engine.js";
import type { Finding } from "./findings.js";
import { keying } from "./keying.js";
import type { ChunkResult, FromWorker, SystemSource, ToWorker, WorkerFinding, WorkerSetup } from "./parallel-protocol.js";
import type { ExploreResult } from "./result.js";
import type { StateKey } from "./state-key.js";
import type { System } from "./system.js";

export interface ParallelOptions {
  readonly workers: number;
  readonly source: SystemSource;
}

/** A worker thread running parallel-worker, from the TypeScript sources (via tsx) or the build. */
function startWorker(setup: WorkerSetup): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const workerUrl = new URL(`./parallel-worker.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  if (!fromSource) return new Worker(new URL(workerUrl), { workerData: setup });
  // The worker thread gets its own module loader: register tsx there before loading the source.
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); });`;
  return new Worker(boot, { eval: true, workerData: setup });
}

/** Orders findings as the serial engine meets them: by the (state, choice) being expanded. */
type When = readonly [number, number, number];

function before(a: When, b: When): boolean {
  for (let j = 0; j < 3; j++) if ((a[j] as number) !== (b[j] as number)) return (a[j] as number) < (b[j] as number);
  return false;
}

/** The generic successor path's parallel exploration (compiled machines: parallel-partitioned.ts). */
export async function exploreParallel<S>(sys: System<S>, opts: EngineOptions, par: ParallelOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const keys = keying(sys, opts.symmetry, opts.canonical);
  const { codec } = keys;
  const store = storeFor(keys, opts);
  const maxStates = opts.maxStates;
  const maxDepth = sys.profile.maxDepth;
  const tickMs = opts.progressIntervalMs ?? TICK_MS;
  const numberKeys = codec.kind === "number";
  seedRoots(sys, keys, store);

  const setup: WorkerSetup = {
    source: par.source,
    profile: sys.profile,
    symmetry: opts.symmetry,
    ...(opts.canonical ? { canonical: opts.canonical } : {}),
  };
  const workers = Array.from({ length: par.workers }, () => startWorker(setup));
  // A worker that dies (between levels too) fails the exploration instead of leaving it waiting.
  let failure: Error | null = null;
  let failLevel: ((e: Error) => void) | null = null;
  const fail = (e: Error): void => {
    failure ??= e;
    failLevel?.(failure);
  };
  for (const w of workers) {
    w.on("error", fail);
    w.on("exit", (code) => {
      if (code !== 0) fail(new Error(`a parallel exploration worker exited with code ${code}`));
    });
  }

  const broken = new Uint8Array(sys.invariants.length);
  const witnessed = new Uint8Array(sys.witnesses.length);
  const witnessAt = new Int32Array(sys.witnesses.length).fill(-1);
  const phaseSeen = new Uint8Array(sys.phaseNames.length);
  const fired = new Uint8Array(sys.transitionNames.length);
  const best = new Map<string, { finding: Finding; when: When }>();
  const levelStarts: number[] = [0];
  let pruned = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;
  let limitHit = false;
  /** States below this index had their checks done by a worker. */
  let checkedEnd = 0;
  /** End of the level being expanded. */
  let currentEnd = 1;
  let depth = 0;
  let peakMemory = memoryNow();
  let lastTick = t0;

  const whenOf = (f: WorkerFinding): When => {
    if (f.kind === "invariant") {
      const parent = store.parentOf(f.at);
      // Initial states (no parent) are checked first, in index order.
      return parent < 0 ? [-1, f.at, 2 + f.order] : [parent, store.choiceOf(f.at), 2 + f.order];
    }
    if (f.choice < 0) return [f.at, Infinity, 0];
    return [f.at, f.choice, f.tag === "state-range" ? 1 : 0];
  };
  const record = (f: WorkerFinding): void => {
    const id = `${f.kind}\u0000${f.name}`;
    const when = whenOf(f);
    const had = best.get(id);
    if (had && !before(when, had.when)) return;
    best.set(id, { when, finding: { kind: f.kind, name: f.name, message: f.message, at: f.at, final: f.tag === null ? null : { tag: f.tag, choice: f.choice } } });
  };

  /** Applies one chunk's results in BFS order, as far as the state limit lets it. */
  const merge = (start: number, r: ChunkResult, expand: boolean): void => {
    let cut: When | null = null;
    const succKeys = r.succKeys;
    for (let e = 0; e < r.succCount; e++) {
      const i = start + (r.succState[e] as number);
      const c = r.succChoice[e] as number;
      const ti = r.succTransition[e] as number;
      if (ti >= 0) fired[ti] = 1;
      const k = (numberKeys ? (succKeys as Float64Array)[e] : (succKeys as readonly (string | number)[])[e]) as StateKey;
      if (!expand) {
        if ((typeof k !== "number" || k >= 0) && !store.has(k)) beyondMaxDepth++;
        continue;
      }
      if (typeof k === "number" && k < 0) {
        if (k === OVER_BOUND) pruned++;
        continue;
      }
      const idx = store.add(k, i, c);
      if (idx >= maxStates) {
        limitHit = true;
        cut = [i, c, Infinity];
        break;
      }
    }
    const n = r.tried.length;
    for (let local = 0; local < n; local++) {
      if (cut !== null && start + local >= cut[0]) {
        if (start + local === cut[0]) stepsTried += cut[1] - (r.from[local] as number) + 1;
        break;
      }
      stepsTried += r.tried[local] as number;
    }
    for (const f of r.findings) {
      // States the serial engine had not expanded when it hit the limit report nothing of their steps.
      if (cut !== null && f.kind !== "invariant" && before(cut, whenOf(f))) continue;
      record(f);
    }
    for (const [w, at] of r.witnesses) if ((witnessAt[w] as number) < 0 || at < (witnessAt[w] as number)) witnessAt[w] = at;
    for (let p = 0; p < r.phases.length; p++) if (r.phases[p] === 1) phaseSeen[p] = 1;
    checkedEnd = start + n;
  };

  try {
    await Promise.all(workers.map((w) => readyOf(w)));
    let levelStart = 0;
    // Level 0: the initial states.
    let levelEnd = store.size;
    while (levelStart < levelEnd && !limitHit) {
      currentEnd = levelEnd;
      const expand = maxDepth === null || depth < maxDepth;
      await runLevel(levelStart, levelEnd, expand);
      if (limitHit) break;
      levelStart = levelEnd;
      levelEnd = store.size;
      if (levelStart < levelEnd) {
        levelStarts.push(levelStart);
        depth++;
      }
    }
  } finally {
    for (const w of workers) w.removeAllListeners("exit");
    await Promise.all(workers.map((w) => w.terminate()));
  }

  async function runLevel(from: number, to: number, expand: boolean): Promise<void> {
    const size = Math.min(2048, Math.max(32, Math.ceil((to - from) / (workers.length * 8))));
    const starts: number[] = [];
    for (let a = from; a < to; a += size) starts.push(a);
    const results = new Map<number, ChunkResult>();
    let next = 0;
    let merged = 0;
    await new Promise<void>((resolve, reject) => {
      if (failure) {
        reject(failure);
        return;
      }
      failLevel = reject;
      const give = (w: Worker): void => {
        if (next >= starts.length || limitHit) return;
        const id = next++;
        const a = starts[id] as number;
        const b = Math.min(to, a + size);
        const ks = numberKeys ? new Float64Array(b - a) : new Array<string>(b - a);
        for (let i = a; i < b; i++) (ks as Float64Array | string[])[i - a] = store.keyAt(i) as never;
        const msg: ToWorker = { type: "chunk", chunk: { id, start: a, keys: ks, expand, broken, witnessed } };
        w.postMessage(msg, ks instanceof Float64Array ? [ks.buffer] : []);
      };
      const done = (): void => {
        for (const w of workers) w.removeAllListeners("message");
        failLevel = null;
        resolve();
      };
      for (const w of workers) {
        w.on("message", (m: FromWorker) => {
          if (m.type === "error") {
            reject(new Error(`parallel exploration worker failed: ${m.message}`));
            return;
          }
          if (m.type !== "result") return;
          const r = m.result;
          for (const f of r.findings) if (f.kind === "invariant") broken[f.order] = 1;
          for (const [wi] of r.witnesses) witnessed[wi] = 1;
          results.set(r.id, r);
          give(w);
          while (!limitHit && results.has(merged)) {
            const ready = results.get(merged) as ChunkResult;
            results.delete(merged);
            merge(starts[merged] as number, ready, expand);
            merged++;
            const now = performance.now();
            if (now - lastTick >= tickMs) {
              lastTick = now;
              peakMemory = Math.max(peakMemory, memoryNow());
              opts.onProgress?.({ states: store.size, frontier: store.size - checkedEnd, depth, rate: store.size / Math.max(1e-3, (now - t0) / 1000) });
            }
          }
          if (limitHit || merged === starts.length) done();
        });
        // Two chunks in flight per worker: it never waits for the coordinator between chunks.
        give(w);
        give(w);
      }
      if (starts.length === 0) done();
    });
  }

  const distinct = Math.min(store.size, maxStates);
  // At the state limit: states stored but not expanded were still checked by the serial engine.
  if (limitHit) {
    for (let at = checkedEnd; at < distinct; at++) {
      const s = codec.decode(store.keyAt(at));
      sys.invariants.forEach((inv, v) => {
        if (!inv.holds(s)) record({ kind: "invariant", name: inv.name, message: `invariant ${inv.name} (${inv.source}) is false`, at, choice: -1, tag: null, order: v });
      });
      sys.witnesses.forEach((w, wi) => {
        if ((witnessAt[wi] as number) < 0 && w.holds(s)) witnessAt[wi] = at;
      });
      for (const p of sys.phasesOf(s)) phaseSeen[p] = 1;
    }
  }
  const depthOf = (at: number): number => {
    if (at >= currentEnd) return depth + 1;
    let d = levelStarts.length - 1;
    while (d > 0 && (levelStarts[d] as number) > at) d--;
    return d;
  };
  const witnessDepth = Int32Array.from(witnessAt, (at) => (at < 0 ? -1 : depthOf(at)));
  const findings = [...best.values()].sort((a, b) => (before(a.when, b.when) ? -1 : before(b.when, a.when) ? 1 : 0)).map((b) => b.finding);
  return finishExploration(sys, keys, {
    t0,
    cpu0,
    exploredMs: performance.now() - t0,
    peakMemory,
    store,
    maxStates,
    findings,
    limitHit,
    stopped: false,
    depth,
    deepest: distinct > 0 ? depthOf(distinct - 1) : 0,
    pruned,
    beyondMaxDepth,
    stepsTried,
    witnessAt,
    witnessDepth,
    phaseSeen,
    fired,
  });
}

function readyOf(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`a parallel exploration worker exited with code ${code} before it was ready`));
    const onMessage = (m: FromWorker): void => {
      w.off("message", onMessage);
      w.off("error", reject);
      w.off("exit", onExit);
      if (m.type === "ready") resolve();
      else reject(new Error(`parallel exploration worker failed to start: ${m.type === "error" ? m.message : m.type}`));
    };
    w.on("message", onMessage);
    w.on("error", reject);
    w.on("exit", onExit);
  });
}

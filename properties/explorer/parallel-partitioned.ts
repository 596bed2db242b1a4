// Parallel exploration of a compiled machine with the seen-set partitioned by key hash, as TLC and
// SPIN's multi-core mode do: each worker owns one partition and expands its states level by level
// (parallel-partition-worker.ts), exchanging successor keys with the others directly; this thread
// only seeds the roots, answers the steps the compiled code hands back (BAIL, taken by the generic
// kernel) and gathers the findings at the end. The workers reproduce the serial engine's BFS
// numbering, so state counts, verdicts, coverage and traces (shortest ones) are those of one worker.

import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { AnyState } from "../../kernel/descriptor.js";
import { BAIL, NONE, OVER } from "./compiled/compile.js";
import type { CompiledRun } from "./compiled/engine.js";
import { compiledKeying } from "./compiled/keys.js";
import { fromSlots } from "./compiled/slots.js";
import { OUT_OF_DOMAIN, OVER_BOUND } from "./dense.js";
import { deadlockMessage, finishExploration, memoryNow, seedRoots, TICK_MS, type EngineOptions } from "./engine.js";
import { badKeyOf, enabledRefusal, type FinalTag, type Finding } from "./findings.js";
import { wordsToString } from "./packed-key.js";
import { PackedStore } from "./packed-store.js";
import {
  ownerOf,
  partitionWorkerSource,
  wordHash,
  type BailAnswer,
  type BailRequest,
  type LevelProgress,
  type PartitionReport,
  type PartitionRoots,
  type PartitionSetup,
  type PartitionStoreData,
} from "./parallel-partition-worker.js";
import type { ExploreResult, ViolationKind } from "./result.js";
import type { StateKey } from "./state-key.js";
import type { StateStore } from "./store.js";

/** Orders findings as the serial engine meets them: by the (state, choice) being expanded. */
type When = readonly [number, number, number];

function before(a: When, b: When): boolean {
  for (let j = 0; j < 3; j++) if ((a[j] as number) !== (b[j] as number)) return (a[j] as number) < (b[j] as number);
  return false;
}

/** Thread times of one worker (event-loop utilisation: busy, and idle waiting for the others). */
export interface WorkerTime {
  readonly activeMs: number;
  readonly idleMs: number;
  /** Of activeMs: expanding states (and sending their successors to their owners), and inserting the successors received. */
  readonly expandMs: number;
  readonly mergeMs: number;
}

export async function exploreCompiledPartitioned(run: CompiledRun, opts: EngineOptions, parts: number): Promise<ExploreResult & { readonly workerTimes: readonly WorkerTime[] }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { sys, machine } = run;
  const keys = compiledKeying(run);
  const words = keys.codec.words as NonNullable<typeof keys.codec.words>;
  const width = words.width;
  const n = run.choiceCount;
  const maxStates = opts.maxStates;
  const tickMs = opts.progressIntervalMs ?? TICK_MS;
  const roots = new PackedStore(width);
  seedRoots(sys, keys, roots);

  const peers = Array.from({ length: parts }, () => new Array<MessagePort | null>(parts).fill(null));
  for (let a = 0; a < parts; a++) {
    for (let b = a + 1; b < parts; b++) {
      const ch = new MessageChannel();
      (peers[a] as (MessagePort | null)[])[b] = ch.port1;
      (peers[b] as (MessagePort | null)[])[a] = ch.port2;
    }
  }
  const stuckOk = new Uint8Array(sys.phaseNames.length);
  for (const p of run.terminal) if (p >= 0) stuckOk[p] = 1;
  for (const p of run.deadlockAllowed) if (p >= 0) stuckOk[p] = 1;
  const source = partitionWorkerSource();
  const workers = Array.from({ length: parts }, (_, id) => {
    const setup: PartitionSetup = {
      id,
      parts,
      width,
      slots: machine.layout.size,
      source: machine.source,
      trigger: machine.choices.trigger,
      payload: machine.choices.payload,
      choiceCount: n,
      choiceMax: Math.max(n, roots.size),
      worthTrying: run.worthTrying,
      stuckOk,
      invariants: machine.invariants.length,
      witnesses: machine.witnesses.length,
      phases: sys.phaseNames.length,
      transitions: sys.transitionNames.length,
      maxStates,
      maxDepth: sys.profile.maxDepth,
      peers: peers[id] as (MessagePort | null)[],
      none: NONE,
      bail: BAIL,
      over: OVER,
    };
    const transfer = (peers[id] as (MessagePort | null)[]).filter((p): p is MessagePort => p !== null);
    return new Worker(source, { eval: true, workerData: setup, transferList: transfer });
  });

  // Steps the compiled code handed back: the generic kernel takes them, as the serial engine does.
  const best = new Map<string, { finding: Finding; when: When }>();
  const record = (kind: ViolationKind, name: string, message: string, at: number, tag: FinalTag | null, choice: number, when: When): void => {
    const id = `${kind}\u0000${name}`;
    const had = best.get(id);
    if (had && !before(when, had.when)) return;
    best.set(id, { when, finding: { kind, name, message, at, final: tag === null ? null : { tag, choice } } });
  };
  const transIndex = new Map(sys.transitionNames.map((t, i) => [t, i]));
  const badKey = badKeyOf(sys, keys.codec);
  /** [order key, transition] of the BAIL steps that fired, and order keys of the pruned ones: counted up to the cut at the end. */
  const bailFired: [number, number][] = [];
  const bailPruned: number[] = [];
  const S = new Float64Array(machine.layout.size);
  const answer = (req: BailRequest): BailAnswer => {
    const enabled = new Uint8Array(req.n);
    const codes = new Int32Array(req.n).fill(-1);
    const out = new Uint16Array(req.n * width);
    for (let b = 0; b < req.n; b++) {
      const at = req.at[b] as number;
      const c = req.choices[b] as number;
      machine.fromWords(req.words, b * width, S);
      const g = sys.step(fromSlots(machine.layout, S) as AnyState, c);
      if (!g.ok) {
        const f = enabledRefusal(g);
        if (f !== null) {
          enabled[b] = 1;
          record(f.kind, f.name, f.message, at, f.kind, c, [at, c, 0]);
        }
        continue;
      }
      enabled[b] = 1;
      const ti = transIndex.get(g.transition) ?? -1;
      if (ti >= 0) bailFired.push([at * n + c, ti]);
      const effectBad = sys.effectRangeProblem(g);
      if (effectBad) record("out-of-range", effectBad.name, `effect ${effectBad.message} (transition ${g.transition})`, at, "effect-range", c, [at, c, 0]);
      const code = words.encodeInto(g.state, false);
      if (code < 0) {
        if (!req.expand) continue;
        if (code === OVER_BOUND) bailPruned.push(at * n + c);
        else if (code === OUT_OF_DOMAIN) {
          const bad = badKey(g.state);
          record("out-of-range", bad.name, `field ${bad.message} after transition ${g.transition}`, at, "state-range", c, [at, c, 1]);
        }
        continue;
      }
      codes[b] = 0;
      out.set(words.scratch.subarray(0, width), b * width);
    }
    return { type: "bails", enabled, codes, words: out };
  };

  const reports: PartitionReport[] = new Array(parts);
  let peakMemory = memoryNow();
  let lastTick = t0;
  let stored = roots.size;
  try {
    await new Promise<void>((resolve, reject) => {
      let ready = 0;
      let done = 0;
      workers.forEach((w, id) => {
        w.on("error", reject);
        w.on("exit", (code) => {
          if (reports[id] === undefined) reject(new Error(`a parallel exploration worker exited with code ${code}`));
        });
        w.on("message", (msg: { type: string }) => {
          try {
            switch (msg.type) {
              case "ready":
                if (++ready === parts) seed();
                break;
              case "bails":
                w.postMessage(answer(msg as BailRequest));
                break;
              case "level": {
                stored += (msg as LevelProgress).size;
                const now = performance.now();
                if (now - lastTick >= tickMs) {
                  lastTick = now;
                  peakMemory = Math.max(peakMemory, memoryNow());
                  opts.onProgress?.({ states: stored, frontier: (msg as LevelProgress).size, depth: (msg as LevelProgress).level, rate: stored / Math.max(1e-3, (now - t0) / 1000) });
                }
                break;
              }
              case "done":
                reports[id] = msg as PartitionReport;
                if (++done === parts) resolve();
                break;
              case "error":
                reject(new Error(`parallel exploration worker failed: ${(msg as unknown as { message: string }).message}`));
                break;
            }
          } catch (e) {
            reject(e);
          }
        });
      });
      /** Each root goes to the worker owning its key. */
      const seed = (): void => {
        const mine = Array.from({ length: parts }, () => [] as number[]);
        for (let i = 0; i < roots.size; i++) (mine[ownerOf(wordHash(roots.keyPageOf(i), roots.keyOffsetOf(i), width), parts)] as number[]).push(i);
        workers.forEach((w, id) => {
          const list = mine[id] as number[];
          const ws = new Uint16Array(list.length * width);
          list.forEach((i, r) => ws.set(roots.keyPageOf(i).subarray(roots.keyOffsetOf(i), roots.keyOffsetOf(i) + width), r * width));
          const msg: PartitionRoots = { type: "roots", words: ws, at: Float64Array.from(list), choices: Int32Array.from(list, (i) => roots.choiceOf(i)), n: list.length, total: roots.size };
          w.postMessage(msg);
        });
      };
    });
  } finally {
    for (const w of workers) w.removeAllListeners("exit");
    await Promise.all(workers.map((w) => w.terminate()));
  }

  const first = reports[0] as PartitionReport;
  const cut = first.cut;
  const limitHit = cut !== null;
  const cutWhen: When | null = cut ? [cut[0], cut[1], Infinity] : null;
  const cutOk = cut ? cut[0] * n + cut[1] : Infinity;
  const fired = new Uint8Array(sys.transitionNames.length);
  const phaseSeen = new Uint8Array(sys.phaseNames.length);
  const witnessAt = new Int32Array(sys.witnesses.length).fill(-1);
  let pruned = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;
  for (const r of reports) {
    pruned += r.pruned;
    beyondMaxDepth += r.beyondMaxDepth;
    stepsTried += r.stepsTried;
    r.fired.forEach((f, i) => (fired[i] = (fired[i] as number) | f));
    r.phases.forEach((f, i) => (phaseSeen[i] = (phaseSeen[i] as number) | f));
    r.witnessAt.forEach((at, i) => {
      if (at >= 0 && ((witnessAt[i] as number) < 0 || at < (witnessAt[i] as number))) witnessAt[i] = at;
    });
    for (const [v, at, a, b, c] of r.invariants) {
      const inv = sys.invariants[v] as (typeof sys.invariants)[number];
      record("invariant", inv.name, `invariant ${inv.name} (${inv.source}) is false`, at, null, -1, [a, b, c]);
    }
    for (const [p, at] of r.deadlocks) {
      const where = sys.phaseNames[p] as string;
      record("deadlock", where, deadlockMessage(where), at, null, -1, [at, Infinity, 0]);
    }
  }
  for (const [ok, ti] of bailFired) if (ok <= cutOk) fired[ti] = 1;
  for (const ok of bailPruned) if (ok <= cutOk) pruned++;
  // States the serial engine had not expanded when it hit the limit report nothing of their steps.
  const findings = [...best.values()]
    .filter((b) => cutWhen === null || b.finding.kind === "invariant" || !before(cutWhen, b.when))
    .sort((a, b) => (before(a.when, b.when) ? -1 : before(b.when, a.when) ? 1 : 0))
    .map((b) => b.finding);

  const levelStarts: number[] = [];
  let total = 0;
  for (const s of first.levelSizes) {
    levelStarts.push(total);
    total += s;
  }
  const store = new PartitionedStore(
    reports.map((r) => r.store),
    width,
    limitHit ? maxStates + 1 : total,
  );
  const lastLevel = first.levelSizes.length - 1;
  // The level being expanded when the exploration ended (the serial engine's depth).
  const depth = limitHit ? lastLevel - 1 : lastLevel;
  const depthOf = (at: number): number => {
    let d = levelStarts.length - 1;
    while (d > 0 && (levelStarts[d] as number) > at) d--;
    return d;
  };
  const distinct = Math.min(store.size, maxStates);
  const result = finishExploration(sys, keys, {
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
    witnessDepth: Int32Array.from(witnessAt, (at) => (at < 0 ? -1 : depthOf(at))),
    phaseSeen,
    fired,
  });
  return { ...result, workerTimes: reports.map((r) => ({ activeMs: Math.round(r.activeMs), idleMs: Math.round(r.idleMs), expandMs: Math.round(r.expandMs), mergeMs: Math.round(r.mergeMs) })) };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

const BIT_PAGE_BITS = 21;

/**
 * The partitions' stores seen as one StateStore in BFS order (for traces and the result): state g
 * lives in the partition whose bit g is set, at the rank of that bit among the partition's bits.
 */
class PartitionedStore implements StateStore {
  readonly size: number;
  readonly #parts: readonly PartitionStoreData[];
  readonly #width: number;
  /** Per partition, the number of its bits below each 32-bit word. */
  readonly #before: readonly Int32Array[];

  constructor(parts: readonly PartitionStoreData[], width: number, size: number) {
    this.#parts = parts;
    this.#width = width;
    this.size = size;
    const words = Math.ceil(size / 32);
    this.#before = parts.map((p) => {
      const acc = new Int32Array(words + 1);
      for (let w = 0; w < words; w++) acc[w + 1] = (acc[w] as number) + popcount(this.#word(p, w * 32));
      return acc;
    });
  }

  #word(p: PartitionStoreData, g: number): number {
    const page = p.bitPages[Math.floor(g / 2 ** BIT_PAGE_BITS)];
    return page ? ((page[(g % 2 ** BIT_PAGE_BITS) >>> 5] as number) >>> 0) : 0;
  }

  /** [partition, local index] of state g. */
  #where(g: number): [PartitionStoreData, number] {
    for (let q = 0; q < this.#parts.length; q++) {
      const p = this.#parts[q] as PartitionStoreData;
      const word = this.#word(p, g);
      const bit = g & 31;
      if (((word >>> bit) & 1) === 0) continue;
      const below = bit === 0 ? 0 : popcount(word & ((1 << bit) - 1));
      return [p, ((this.#before[q] as Int32Array)[g >>> 5] as number) + below];
    }
    throw new Error(`partitioned store: no partition holds state ${g}`);
  }

  keyAt(g: number): StateKey {
    const [p, i] = this.#where(g);
    return wordsToString(p.keyPages[i >>> p.pageBits] as Uint16Array, (i & ((1 << p.pageBits) - 1)) * this.#width, this.#width);
  }

  parentOf(g: number): number {
    const [p, i] = this.#where(g);
    return (p.parentPages[i >>> p.pageBits] as Int32Array)[i & ((1 << p.pageBits) - 1)] as number;
  }

  choiceOf(g: number): number {
    const [p, i] = this.#where(g);
    return (p.choicePages[i >>> p.pageBits] as Int32Array)[i & ((1 << p.pageBits) - 1)] as number;
  }

  has(): boolean {
    throw new Error("the partitioned store is read-only after the exploration");
  }

  add(): number {
    throw new Error("the partitioned store is read-only after the exploration");
  }

  bytes(): number {
    return this.#parts.reduce((s, p) => s + p.bytes, 0);
  }
}

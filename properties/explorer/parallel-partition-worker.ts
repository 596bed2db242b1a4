// One worker of the partitioned parallel exploration (parallel-partitioned.ts). The seen-set is
// split by key hash: this worker owns the states whose hash falls in its partition, stores their
// keys, parents and choices, and expands them level by level. Each successor key goes to its
// owner in batches, in the order the serial engine meets it (its order key = parent index * n +
// choice rises along a worker's frontier), and the owner merges the batches of all workers by
// order key before inserting, so a new state gets the serial engine's parent and choice. The
// owners then swap the order keys of their new states, from which each computes the serial (BFS)
// index of its own: state counts, indexes, parents and hence traces are the serial engine's.
//
// Why the source is self-contained: a worker started from the TypeScript sources would have to
// register tsx first, which costs about a second per worker (a loader thread each), more than the
// exploration of a million states gains. So `partitionWorker` uses nothing from outside its own
// body at run time (type imports only) and is started from its source text (`eval`), the compiled
// successor functions from theirs (compile.ts). Steps the compiled code hands back (BAIL) are
// sent to the coordinator, which holds the generic kernel, and come back resolved.

import type * as WorkerThreads from "node:worker_threads";

export interface PartitionSetup {
  readonly id: number;
  readonly parts: number;
  /** Words per key and slots per state of the compiled machine. */
  readonly width: number;
  readonly slots: number;
  /** The compiled machine (compile.ts): its source and the arrays it is evaluated with. */
  readonly source: string;
  readonly trigger: Int32Array;
  readonly payload: Float64Array;
  readonly choiceCount: number;
  /** Largest choice stored (a root's choice is its initial-state index): picks the choice array's width. */
  readonly choiceMax: number;
  /** Per phase, the choices worth trying (null: all). */
  readonly worthTrying: readonly (Int32Array | null)[];
  /** Per phase, 1 where having no enabled trigger is no deadlock (terminal, or allowed by the profile). */
  readonly stuckOk: Uint8Array;
  readonly invariants: number;
  readonly witnesses: number;
  readonly phases: number;
  readonly transitions: number;
  readonly maxStates: number;
  readonly maxDepth: number | null;
  /** The ports to the other workers, by worker id (null at this worker's own id). */
  readonly peers: readonly (WorkerThreads.MessagePort | null)[];
  /** compile.ts's NONE, BAIL and OVER. */
  readonly none: number;
  readonly bail: number;
  readonly over: number;
}

/** A batch of successors for one owner: order keys, key words and key hashes, `n` of them. */
export interface Batch {
  readonly oks: Float64Array;
  readonly words: Uint16Array;
  readonly hs: Int32Array;
  readonly n: number;
  /** Successors of BAIL steps (resolved after the compiled ones): a run of rising order keys of its own. */
  readonly bail: boolean;
}

/** A partition's table and the key pages added since it last shared them (SharedArrayBuffers). */
export interface Shared {
  readonly table: Int32Array;
  readonly pages: readonly Uint16Array[];
}

/** Steps handed back to the coordinator: the states' words, global indexes and choices. */
export interface BailRequest {
  readonly type: "bails";
  readonly level: number;
  readonly expand: boolean;
  readonly words: Uint16Array;
  readonly at: Float64Array;
  readonly choices: Int32Array;
  readonly n: number;
}

/** Per step: enabled or not (for the deadlock check), and the successor to route (code 0, words) or none (code < 0). */
export interface BailAnswer {
  readonly type: "bails";
  readonly enabled: Uint8Array;
  readonly codes: Int32Array;
  readonly words: Uint16Array;
}

export interface PartitionRoots {
  readonly type: "roots";
  readonly words: Uint16Array;
  readonly at: Float64Array;
  readonly choices: Int32Array;
  readonly n: number;
  /** All roots, of every partition. */
  readonly total: number;
}

/** A worker's store, handed to the coordinator at the end (pages transferred, not copied). */
export interface PartitionStoreData {
  readonly size: number;
  readonly pageBits: number;
  readonly keyPages: readonly Uint16Array[];
  readonly parentPages: readonly Int32Array[];
  readonly choicePages: readonly (Uint8Array | Uint16Array | Int32Array)[];
  /** Bit g set: this partition holds the state of BFS index g (pages of 2^21 bits). */
  readonly bitPages: readonly Uint32Array[];
  readonly bytes: number;
}

export interface PartitionReport {
  readonly type: "done";
  readonly pruned: number;
  readonly beyondMaxDepth: number;
  readonly stepsTried: number;
  readonly fired: Uint8Array;
  readonly phases: Uint8Array;
  /** Per witness, the first BFS index of this partition where it holds, or -1. */
  readonly witnessAt: Float64Array;
  /** First failure per invariant: [invariant, at, when0, when1, when2] (see parallel.ts's When). */
  readonly invariants: readonly (readonly [number, number, number, number, number])[];
  /** First deadlock per phase: [phase, at]. */
  readonly deadlocks: readonly (readonly [number, number])[];
  /** States per level, level 0 first (every worker knows them all). */
  readonly levelSizes: readonly number[];
  /** The state-limit cut: the (parent, choice) that made the state past maxStates, or null. */
  readonly cut: readonly [number, number] | null;
  /** Time this worker's thread was busy and idle (waiting for the others), in ms. */
  readonly activeMs: number;
  readonly idleMs: number;
  /** Of the active time: expanding the frontier (and sending successors), inserting the successors received. */
  readonly expandMs: number;
  readonly mergeMs: number;
  readonly store: PartitionStoreData;
}

export interface LevelProgress {
  readonly type: "level";
  readonly level: number;
  readonly size: number;
}

/** FNV-style mix of width words from src[at..]; the low bits pick a table slot, the high bits the owner. */
export function wordHash(src: Uint16Array, at: number, width: number): number {
  let h = 0x811c9dc5;
  let j = 0;
  for (; j + 1 < width; j += 2) {
    h = Math.imul(h ^ ((src[at + j] as number) | ((src[at + j + 1] as number) << 16)), 0x9e3779b1);
    h ^= h >>> 15;
  }
  if (j < width) h = Math.imul(h ^ (src[at + j] as number), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/** The partition owning a key of hash h. */
export function ownerOf(h: number, parts: number): number {
  return Math.floor(((h >>> 0) * parts) / 4294967296);
}

type Message =
  | { readonly type: "batch"; readonly batch: Batch }
  | { readonly type: "end" }
  | { readonly type: "share"; readonly shared: Shared }
  | { readonly type: "oks"; readonly oks: Float64Array; readonly shared: Shared };

export function partitionWorker(wt: typeof WorkerThreads, hash: typeof wordHash, owner: typeof ownerOf): void {
  const port = wt.parentPort as WorkerThreads.MessagePort;
  const setup = wt.workerData as PartitionSetup;
  const { id, parts, width, choiceCount: n, maxStates, maxDepth } = setup;
  const m = new Function("T", "P", setup.source)(setup.trigger, setup.payload) as {
    step(c: number, S: Float64Array, O: Float64Array): number;
    check(O: Float64Array): number;
    keyWords(S: Float64Array, W: Uint16Array): void;
    fromWords(W: Uint16Array, at: number, S: Float64Array): void;
    invariants: ((S: Float64Array) => boolean)[];
    witnesses: ((S: Float64Array) => boolean)[];
  };
  const worthTrying = setup.worthTrying;
  const stuckOk = setup.stuckOk;
  const NONE = setup.none;
  const BAIL = setup.bail;
  const OVER = setup.over;
  const S = new Float64Array(setup.slots);
  const O = new Float64Array(setup.slots);
  const W = new Uint16Array(width);

  // ---- the partition's store: keys, parents (BFS indexes) and choices in pages; an open-addressing table of local numbers + 1.
  // The key pages and the table are SharedArrayBuffers: no worker inserts while any expands (each
  // level is expanded, then merged, by all), so a worker looks a successor up in its owner's table
  // itself and sends only the keys not stored yet, as TLC's workers read one shared set.
  const PAGE_BITS = 14;
  const PAGE = 1 << PAGE_BITS;
  const PAGE_MASK = PAGE - 1;
  const ChoiceArray = setup.choiceMax < 256 ? Uint8Array : setup.choiceMax < 65536 ? Uint16Array : Int32Array;
  const sharedInt32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(n * 4));
  const keyPages: Uint16Array[] = [];
  const parentPages: Int32Array[] = [];
  const choicePages: (Uint8Array | Uint16Array | Int32Array)[] = [];
  let table = sharedInt32(1024);
  let size = 0;
  /** Per partition (this one too), its table and key pages as last shared. */
  const tables: Int32Array[] = Array.from({ length: parts }, () => table);
  const pagesOf: Uint16Array[][] = Array.from({ length: parts }, (_, q) => (q === id ? keyPages : []));
  let pagesShared = 0;
  const share = (): Shared => {
    const pages = keyPages.slice(pagesShared);
    pagesShared = keyPages.length;
    return { table, pages };
  };
  const received = (q: number, sh: Shared): void => {
    tables[q] = sh.table;
    (pagesOf[q] as Uint16Array[]).push(...sh.pages);
  };

  /**
   * The slot of partition q's table holding the key src[at..] of hash h, or ~ the empty slot where
   * it belongs. A slot holds local number + 1 in its low bits (the capacity's) and the hash's high
   * bits above them, so a probe passing another key's slot reads that key's words only if those
   * bits agree: the key pages are the lookup's cache misses (as in packed-store.ts).
   */
  const findIn = (q: number, src: Uint16Array, at: number, h: number): number => {
    const tb = tables[q] as Int32Array;
    const mk = tb.length - 1;
    const tag = h & ~mk;
    const pages = pagesOf[q] as Uint16Array[];
    for (let slot = h & mk; ; slot = (slot + 1) & mk) {
      const v = tb[slot] as number;
      if (v === 0) return ~slot;
      if ((v & ~mk) !== tag) continue;
      const i = (v & mk) - 1;
      const page = pages[i >>> PAGE_BITS] as Uint16Array;
      const off = (i & PAGE_MASK) * width;
      let j = 0;
      while (j < width && page[off + j] === src[at + j]) j++;
      if (j === width) return slot;
    }
  };
  const rehash = (): void => {
    const cap = table.length * 2;
    const t = sharedInt32(cap);
    const mk = cap - 1;
    for (let i = 0; i < size; i++) {
      const h = hash(keyPages[i >>> PAGE_BITS] as Uint16Array, (i & PAGE_MASK) * width, width);
      let slot = h & mk;
      while (t[slot] !== 0) slot = (slot + 1) & mk;
      t[slot] = (h & ~mk) | (i + 1);
    }
    table = t;
    tables[id] = t;
  };
  /** Adds the key src[at..] of hash h at the empty slot ~notFound. */
  const add = (src: Uint16Array, at: number, h: number, notFound: number, parent: number, choice: number): number => {
    const i = size;
    const p = i >>> PAGE_BITS;
    if (p === keyPages.length) {
      keyPages.push(new Uint16Array(new SharedArrayBuffer(PAGE * width * 2)));
      parentPages.push(new Int32Array(PAGE));
      choicePages.push(new ChoiceArray(PAGE));
    }
    const o = i & PAGE_MASK;
    const kp = keyPages[p] as Uint16Array;
    for (let j = 0; j < width; j++) kp[o * width + j] = src[at + j] as number;
    (parentPages[p] as Int32Array)[o] = parent;
    (choicePages[p] as Uint8Array)[o] = choice;
    table[~notFound] = (h & ~(table.length - 1)) | (i + 1);
    size = i + 1;
    if (size * 4 > table.length * 3) rehash();
    return i;
  };
  const parentOf = (i: number): number => (parentPages[i >>> PAGE_BITS] as Int32Array)[i & PAGE_MASK] as number;
  const choiceOf = (i: number): number => (choicePages[i >>> PAGE_BITS] as Uint8Array)[i & PAGE_MASK] as number;

  // ---- which BFS indexes this partition holds.
  const BIT_PAGE_BITS = 21;
  const bitPages: Uint32Array[] = [];
  const setBit = (g: number): void => {
    const p = Math.floor(g / 2 ** BIT_PAGE_BITS);
    while (bitPages.length <= p) bitPages.push(new Uint32Array(2 ** (BIT_PAGE_BITS - 5)));
    const r = g - p * 2 ** BIT_PAGE_BITS;
    (bitPages[p] as Uint32Array)[r >>> 5] = ((bitPages[p] as Uint32Array)[r >>> 5] as number) | (1 << (r & 31));
  };

  // ---- messages from the other workers, one FIFO per sender; from the coordinator, one FIFO.
  const inbox: Message[][] = Array.from({ length: parts }, () => []);
  const waiting: (((m: Message) => void) | null)[] = Array.from({ length: parts }, () => null);
  const take = (q: number): Promise<Message> => {
    const box = inbox[q] as Message[];
    if (box.length > 0) return Promise.resolve(box.shift() as Message);
    return new Promise((resolve) => (waiting[q] = resolve));
  };
  setup.peers.forEach((peer, q) => {
    peer?.on("message", (msg: Message) => {
      const w = waiting[q];
      if (w) {
        waiting[q] = null;
        w(msg);
      } else (inbox[q] as Message[]).push(msg);
    });
  });
  const fromMain: unknown[] = [];
  let mainWaiting: ((m: unknown) => void) | null = null;
  const takeMain = (): Promise<unknown> => (fromMain.length > 0 ? Promise.resolve(fromMain.shift()) : new Promise((resolve) => (mainWaiting = resolve)));
  port.on("message", (msg: unknown) => {
    const w = mainWaiting;
    if (w) {
      mainWaiting = null;
      w(msg);
    } else fromMain.push(msg);
  });

  // ---- outgoing successors: per owner, batches in order-key order. The batches are
  // SharedArrayBuffers from a pool per owner, used again level after level (an owner has merged a
  // level's batches before it sends its order keys, which every worker awaits before expanding the
  // next level): nothing is allocated or copied per batch, which left the workers collecting garbage.
  const BATCH = 4096;
  type Out = { oks: Float64Array; words: Uint16Array; hs: Int32Array; n: number };
  const sharedOf = <A>(make: new (b: SharedArrayBuffer) => A, bytes: number): A => new make(new SharedArrayBuffer(bytes));
  const pools: Out[][] = Array.from({ length: parts }, () => []);
  const used = new Int32Array(parts);
  const fresh = (q: number): Out => {
    const pool = pools[q] as Out[];
    const u = used[q] as number;
    used[q] = u + 1;
    if (u === pool.length) pool.push({ oks: sharedOf(Float64Array, BATCH * 8), words: sharedOf(Uint16Array, BATCH * width * 2), hs: sharedOf(Int32Array, BATCH * 4), n: 0 });
    const o = pool[u] as Out;
    o.n = 0;
    return o;
  };
  let outs: Out[] = [];
  /** This worker's own successors (its stream to itself), per level. */
  let mine: Batch[] = [];
  /** Whether the successors routed now are those of BAIL steps. */
  let bailRun = false;
  const flush = (q: number): void => {
    const o = outs[q] as Out;
    if (o.n === 0) return;
    const b: Batch = { oks: o.oks, words: o.words, hs: o.hs, n: o.n, bail: bailRun };
    if (q === id) mine.push(b);
    else (setup.peers[q] as WorkerThreads.MessagePort).postMessage({ type: "batch", batch: b } satisfies Message);
    outs[q] = fresh(q);
  };
  /** A successor of order key ok: dropped if its owner stores it already, else counted (at maxDepth) or sent to the owner. */
  const offer = (src: Uint16Array, at: number, h: number, ok: number, expand: boolean): void => {
    const q = owner(h, parts);
    if (findIn(q, src, at, h) >= 0) return;
    if (!expand) {
      beyondMaxDepth++;
      return;
    }
    const o = outs[q] as Out;
    const e = o.n;
    o.oks[e] = ok;
    o.hs[e] = h;
    for (let j = 0; j < width; j++) o.words[e * width + j] = src[at + j] as number;
    o.n = e + 1;
    if (e + 1 === BATCH) flush(q);
  };

  // ---- findings and counters.
  const fired = new Uint8Array(setup.transitions);
  const phases = new Uint8Array(setup.phases);
  const witnessAt = new Float64Array(setup.witnesses).fill(-1);
  const broken = new Uint8Array(setup.invariants);
  const invariants: [number, number, number, number, number][] = [];
  /** Per phase, the first BFS index found stuck there (states waiting on BAIL steps are decided later, so keep the least). */
  const stuckAt = new Float64Array(setup.phases).fill(-1);
  let pruned = 0;
  let expandMs = 0;
  let mergeMs = 0;
  let beyondMaxDepth = 0;
  let stepsTried = 0;

  /** Invariants, witnesses and phase of the state at local i (global g), as the serial engine checks each new state. */
  const checkState = (i: number, g: number): void => {
    const parent = parentOf(i);
    for (let v = 0; v < broken.length; v++) {
      if (broken[v] === 1 || (m.invariants[v] as (X: Float64Array) => boolean)(S)) continue;
      broken[v] = 1;
      invariants.push(parent < 0 ? [v, g, -1, g, 2 + v] : [v, g, parent, choiceOf(i), 2 + v]);
    }
    for (let w = 0; w < witnessAt.length; w++) if (witnessAt[w] === -1 && (m.witnesses[w] as (X: Float64Array) => boolean)(S)) witnessAt[w] = g;
    phases[S[0] as number] = 1;
  };
  const deadlock = (phase: number, g: number): void => {
    if (stuckAt[phase] === -1 || g < (stuckAt[phase] as number)) stuckAt[phase] = g;
  };

  // A state's successors, gathered before any is looked up: reading their owners' table slots,
  // then the keys those point to, in a row lets the cache misses overlap (as the serial engine does,
  // compiled/engine.ts); the lookups that follow find both in the cache.
  const gWords = new Uint16Array(n * width);
  const gHash = new Int32Array(n);
  const gOk = new Float64Array(n);
  const gSlot = new Int32Array(n);
  let gathered = 0;
  let touched = 0;
  /** Keeps O's key (order key ok) for offerGathered. */
  const keepSuccessor = (ok: number): void => {
    m.keyWords(O, W);
    const at = gathered * width;
    for (let j = 0; j < width; j++) gWords[at + j] = W[j] as number;
    gHash[gathered] = hash(gWords, at, width);
    gOk[gathered] = ok;
    gathered++;
  };
  const offerGathered = (expand: boolean): void => {
    for (let k = 0; k < gathered; k++) {
      const h = gHash[k] as number;
      const tb = tables[owner(h, parts)] as Int32Array;
      gSlot[k] = tb[h & (tb.length - 1)] as number;
    }
    for (let k = 0; k < gathered; k++) {
      const v = gSlot[k] as number;
      if (v === 0) continue;
      const q = owner(gHash[k] as number, parts);
      const mk = (tables[q] as Int32Array).length - 1;
      const i = (v & mk) - 1;
      const page = (pagesOf[q] as Uint16Array[])[i >>> PAGE_BITS] as Uint16Array;
      const off = (i & PAGE_MASK) * width;
      touched ^= (page[off] as number) ^ (page[off + width - 1] as number);
    }
    for (let k = 0; k < gathered; k++) offer(gWords, k * width, gHash[k] as number, gOk[k] as number, expand);
    gathered = 0;
  };

  /**
   * Expands the frontier (locals from.., BFS indexes at[]) up to the step (cutAt, cutChoice), or
   * all of it: counts steps, fired transitions and pruned successors; with `first`, also checks
   * each state, routes the successors and collects the steps to hand back.
   */
  const expandFrontier = (from: number, at: Float64Array, expand: boolean, first: boolean, cutAt: number, cutChoice: number, bails: { local: number[]; choice: number[]; stuckState: number[] }): void => {
    for (let k = 0; k < at.length; k++) {
      const g = at[k] as number;
      if (g > cutAt) break;
      const i = from + k;
      m.fromWords(keyPages[i >>> PAGE_BITS] as Uint16Array, (i & PAGE_MASK) * width, S);
      if (first) checkState(i, g);
      const phase = S[0] as number;
      const only = worthTrying[phase] ?? null;
      const count = only ? only.length : n;
      const last = g === cutAt ? cutChoice : n;
      let enabled = false;
      let bailed = false;
      for (let j = 0; j < count; j++) {
        const c = only ? (only[j] as number) : j;
        if (c > last) break;
        const r = m.step(c, S, O);
        if (r === NONE) continue;
        const chk = r === BAIL ? BAIL : m.check(O);
        if (chk === BAIL) {
          if (first) {
            bails.local.push(i);
            bails.choice.push(c);
          }
          bailed = true;
          continue;
        }
        enabled = true;
        fired[r] = 1;
        if (!expand) {
          if (first && chk !== OVER) keepSuccessor(g * n + c);
          continue;
        }
        if (chk === OVER) {
          pruned++;
          continue;
        }
        if (first) keepSuccessor(g * n + c);
      }
      if (gathered > 0) offerGathered(expand);
      stepsTried += g === cutAt ? cutChoice + 1 : n;
      if (first && !enabled && stuckOk[phase] === 0) {
        if (bailed) bails.stuckState.push(k);
        else deadlock(phase, g);
      }
    }
  };

  /** Hands the BAIL steps to the coordinator; routes the successors it sends back; decides the deadlocks that waited on them. */
  const resolveBails = async (level: number, from: number, at: Float64Array, expand: boolean, bails: { local: number[]; choice: number[]; stuckState: number[] }): Promise<void> => {
    const count = bails.local.length;
    if (count === 0) return;
    const words = new Uint16Array(count * width);
    const ats = new Float64Array(count);
    for (let b = 0; b < count; b++) {
      const i = bails.local[b] as number;
      const page = keyPages[i >>> PAGE_BITS] as Uint16Array;
      for (let j = 0; j < width; j++) words[b * width + j] = page[(i & PAGE_MASK) * width + j] as number;
      ats[b] = at[i - from] as number;
    }
    const req: BailRequest = { type: "bails", level, expand, words, at: ats, choices: Int32Array.from(bails.choice), n: count };
    port.postMessage(req);
    const ans = (await takeMain()) as BailAnswer;
    const enabledAt = new Set<number>();
    // The compiled successors of the same states were sent already, so these go in batches of their own.
    bailRun = true;
    for (let b = 0; b < count; b++) {
      if (ans.enabled[b] === 1) enabledAt.add(bails.local[b] as number);
      if ((ans.codes[b] as number) < 0) continue;
      for (let j = 0; j < width; j++) W[j] = ans.words[b * width + j] as number;
      offer(W, 0, hash(W, 0, width), (ats[b] as number) * n + (bails.choice[b] as number), expand);
    }
    for (let q = 0; q < parts; q++) flush(q);
    bailRun = false;
    for (const k of bails.stuckState) {
      const i = from + k;
      if (enabledAt.has(i)) continue;
      m.fromWords(keyPages[i >>> PAGE_BITS] as Uint16Array, (i & PAGE_MASK) * width, S);
      deadlock(S[0] as number, at[k] as number);
    }
  };

  /** The batches the other workers sent this worker for one level. */
  const gather = async (): Promise<Batch[][]> => {
    const all: Batch[][] = [];
    for (let q = 0; q < parts; q++) {
      if (q === id) continue;
      const got: Batch[] = [];
      for (;;) {
        const msg = await take(q);
        if (msg.type === "end") break;
        if (msg.type === "batch") got.push(msg.batch);
      }
      all.push(got);
    }
    return all;
  };

  /** A sender's batches as runs of rising order keys: its compiled successors, then those of its BAIL steps. */
  const runsOf = (got: readonly Batch[]): Batch[][] => [got.filter((b) => !b.bail), got.filter((b) => b.bail)].filter((r) => r.length > 0);

  /** Inserts the successors of all streams in order-key order (the serial engine's): the first of a key is the serial engine's. */
  const mergeInsert = (streams: Batch[][]): void => {
    const ns = streams.length;
    const bi = new Int32Array(ns);
    const ei = new Int32Array(ns);
    for (;;) {
      let best = -1;
      let bestOk = Infinity;
      for (let s = 0; s < ns; s++) {
        const list = streams[s] as Batch[];
        const b = list[bi[s] as number];
        if (b === undefined) continue;
        const ok = b.oks[ei[s] as number] as number;
        if (ok < bestOk) {
          bestOk = ok;
          best = s;
        }
      }
      if (best < 0) return;
      const list = streams[best] as Batch[];
      const b = list[bi[best] as number] as Batch;
      const e = ei[best] as number;
      const h = b.hs[e] as number;
      const slot = findIn(id, b.words, e * width, h);
      if (slot < 0) {
        const parent = Math.floor(bestOk / n);
        add(b.words, e * width, h, slot, parent, bestOk - parent * n);
      }
      if (e + 1 < b.n) ei[best] = e + 1;
      else {
        ei[best] = 0;
        bi[best] = (bi[best] as number) + 1;
      }
    }
  };

  const run = async (): Promise<void> => {
    const roots = (await takeMain()) as PartitionRoots;
    for (let r = 0; r < roots.n; r++) {
      const h = hash(roots.words, r * width, width);
      add(roots.words, r * width, h, findIn(id, roots.words, r * width, h), -1, roots.choices[r] as number);
      setBit(roots.at[r] as number);
    }
    const sh = share();
    for (let q = 0; q < parts; q++) if (q !== id) (setup.peers[q] as WorkerThreads.MessagePort).postMessage({ type: "share", shared: sh } satisfies Message);
    for (let q = 0; q < parts; q++) {
      if (q === id) continue;
      const msg = await take(q);
      if (msg.type !== "share") throw new Error(`partition worker ${id}: expected the roots of worker ${q}, got ${msg.type}`);
      received(q, msg.shared);
    }
    let levelFrom = 0;
    let at = Float64Array.from(roots.at.subarray(0, roots.n));
    let levelStart = 0;
    const levelSizes: number[] = [roots.total];
    let cut: [number, number] | null = null;
    for (let level = 0; ; level++) {
      const expand = maxDepth === null || level < maxDepth;
      used.fill(0);
      outs = Array.from({ length: parts }, (_, q) => fresh(q));
      mine = [];
      const bails = { local: [] as number[], choice: [] as number[], stuckState: [] as number[] };
      const before = { pruned, stepsTried, fired: Uint8Array.from(fired) };
      let t = performance.now();
      expandFrontier(levelFrom, at, expand, true, Infinity, 0, bails);
      for (let q = 0; q < parts; q++) flush(q);
      expandMs += performance.now() - t;
      await resolveBails(level, levelFrom, at, expand, bails);
      for (let q = 0; q < parts; q++) {
        flush(q);
        if (q !== id) (setup.peers[q] as WorkerThreads.MessagePort).postMessage({ type: "end" } satisfies Message);
      }
      // This worker's own stream may hold a BAIL run too.
      const streams = [mine, ...(await gather())].flatMap(runsOf);
      const newFrom = size;
      t = performance.now();
      mergeInsert(streams);
      mergeMs += performance.now() - t;
      if (!expand) break;
      // Swap the order keys of the new states; each worker ranks its own among all.
      const count = size - newFrom;
      const oks = new Float64Array(count);
      for (let i = 0; i < count; i++) oks[i] = parentOf(newFrom + i) * n + choiceOf(newFrom + i);
      const sh = share();
      for (let q = 0; q < parts; q++) if (q !== id) (setup.peers[q] as WorkerThreads.MessagePort).postMessage({ type: "oks", oks, shared: sh } satisfies Message);
      const lists: Float64Array[] = [];
      for (let q = 0; q < parts; q++) {
        if (q === id) {
          lists.push(oks);
          continue;
        }
        const msg = await take(q);
        if (msg.type !== "oks") throw new Error(`partition worker ${id}: expected the order keys of worker ${q}, got ${msg.type}`);
        received(q, msg.shared);
        lists.push(msg.oks);
      }
      let total = 0;
      for (const l of lists) total += l.length;
      const nextStart = levelStart + (levelSizes[level] as number);
      const next = new Float64Array(count);
      const pos = new Int32Array(parts);
      for (let i = 0; i < count; i++) {
        const ok = oks[i] as number;
        let rank = i;
        for (let q = 0; q < parts; q++) {
          if (q === id) continue;
          const l = lists[q] as Float64Array;
          let p = pos[q] as number;
          while (p < l.length && (l[p] as number) < ok) p++;
          pos[q] = p;
          rank += p;
        }
        next[i] = nextStart + rank;
      }
      if (total === 0) break;
      levelSizes.push(total);
      if (id === 0) port.postMessage({ type: "level", level: level + 1, size: total } satisfies LevelProgress);
      if (nextStart + total > maxStates) {
        // The serial engine stops at the state numbered maxStates: find the step that made it.
        const want = maxStates - nextStart;
        const heads = new Int32Array(parts);
        let ok = -1;
        for (let r = 0; r <= want; r++) {
          let best = -1;
          for (let q = 0; q < parts; q++) {
            const l = lists[q] as Float64Array;
            if ((heads[q] as number) < l.length && (best < 0 || (l[heads[q] as number] as number) < ((lists[best] as Float64Array)[heads[best] as number] as number))) best = q;
          }
          ok = (lists[best] as Float64Array)[heads[best] as number] as number;
          heads[best] = (heads[best] as number) + 1;
        }
        const cutAt = Math.floor(ok / n);
        cut = [cutAt, ok - cutAt * n];
        // Counters of this level as far as the serial engine got: count again up to the cut.
        pruned = before.pruned;
        stepsTried = before.stepsTried;
        fired.set(before.fired);
        expandFrontier(levelFrom, at, expand, false, cutAt, cut[1], bails);
        // The states stored before the cut were checked when stored.
        for (let i = 0; i < count; i++) {
          const g = next[i] as number;
          if (g > maxStates) break;
          // The serial engine stores the state numbered maxStates too, unchecked.
          setBit(g);
          if (g === maxStates) break;
          m.fromWords(keyPages[(newFrom + i) >>> PAGE_BITS] as Uint16Array, ((newFrom + i) & PAGE_MASK) * width, S);
          checkState(newFrom + i, g);
        }
        break;
      }
      for (let i = 0; i < count; i++) setBit(next[i] as number);
      levelFrom = newFrom;
      levelStart = nextStart;
      at = next;
    }
    // The reads made only to warm the cache end up somewhere, so that they are not optimised away.
    (globalThis as { touchSink?: number }).touchSink = touched;
    const elu = performance.eventLoopUtilization();
    const bytes =
      table.byteLength +
      keyPages.reduce((s, p) => s + p.byteLength, 0) +
      parentPages.reduce((s, p) => s + p.byteLength, 0) +
      choicePages.reduce((s, p) => s + p.byteLength, 0) +
      bitPages.reduce((s, p) => s + p.byteLength, 0);
    const report: PartitionReport = {
      type: "done",
      pruned,
      beyondMaxDepth,
      stepsTried,
      fired,
      phases,
      witnessAt,
      invariants,
      deadlocks: [...stuckAt].flatMap((g, p) => (g < 0 ? [] : [[p, g] as const])),
      levelSizes,
      cut,
      activeMs: elu.active,
      idleMs: elu.idle,
      expandMs,
      mergeMs,
      store: { size, pageBits: PAGE_BITS, keyPages, parentPages, choicePages, bitPages, bytes },
    };
    // The key pages are shared already; the rest moves to the coordinator.
    port.postMessage(report, [...parentPages, ...choicePages, ...bitPages].map((a) => a.buffer as ArrayBuffer));
  };
  run().catch((e: unknown) => port.postMessage({ type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  port.postMessage({ type: "ready" });
}

/** The source a partition worker is started from (see the header). */
export function partitionWorkerSource(): string {
  // Transpilers may wrap named functions in a __name(fn, "name") helper of their module; the worker has none.
  return `"use strict";\nvar __name = (f) => f;\n(${partitionWorker.toString()})(require("node:worker_threads"), ${wordHash.toString()}, ${ownerOf.toString()});\n`;
}

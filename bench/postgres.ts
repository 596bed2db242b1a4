// Durable throughput over PostgreSQL, against raw `pg` on the same server in the same run.
//
// Durable: inputs/s end to end (accepted, durable, run, consumed) through the runtime over a
// PostgresStore (fenced writes, synchronous_commit on) and a no-op executor: `--sessions` sessions
// at once, each accepting an input, awaiting its completion, then the next. Raw: the same number
// of concurrent clients over a pool of the same size, each running single-row INSERT transactions
// (BEGIN; INSERT; COMMIT) one after another. Both sides get a warm-up, then `--rounds` rounds of
// `--seconds` each, raw and durable back to back (the order alternating), so each round's ratio
// compares two figures taken under the same machine load; the median round is reported.
//
// Workers: the inbox filled with `--inputs` submissions first, then drained by 1, 2 and 3
// `meerkat worker`-style workers in this process (each with its own store, pool and lease owner);
// inputs/s from the workers' start until every input is consumed, the worker counts interleaved
// over the rounds, the median reported, with the fenced writes each group-commit statement carried.
//
//   npm run bench:postgres -- [--json] [--sessions N] [--inputs N] [--seconds S] [--rounds N] [--pool N]
//
// Starts the throwaway cluster (scripts/postgres.sh, folder .tmp/pg-bench) and stops it at the end.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import pg from "pg";
import { createRuntime, type ControlPlane, type Input } from "../runtime/index.js";
import { guardPool, PostgresStore, TYPES } from "../runtime/postgres/index.js";
import { Worker } from "../runtime/postgres/worker.js";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");
const args = process.argv.slice(2);
const num = (name: string, d: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(String(args[i + 1]).split(",").pop()) : NaN;
  return Number.isFinite(v) && v > 0 ? v : d;
};
const json = args.includes("--json");
const SESSIONS = num("--sessions", 50);
const INPUTS = num("--inputs", 2000);
const SECONDS = num("--seconds", 1.5);
const ROUNDS = num("--rounds", 7);
const POOL = num("--pool", 10);
const WORKER_COUNTS = [1, 2, 3] as const;
const pgScript = (cmd: string): string =>
  execFileSync("bash", [join(ROOT, "scripts", "postgres.sh"), cmd], { encoding: "utf8", env: { ...process.env, MEERKAT_PG_DIR: join(ROOT, ".tmp", "pg-bench") } }).trim();

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** `clients` loops over a pool of POOL connections, each a single-row INSERT transaction after another, for `seconds`. */
async function rawRound(pool: pg.Pool, clients: number, seconds: number): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, k) => {
      while (performance.now() < until) {
        const c = await pool.connect();
        try {
          await c.query("BEGIN");
          await c.query({ name: "bench_raw_insert", text: "INSERT INTO bench_raw (session_id, body) VALUES ($1, $2)", values: [`s${k}`, '{"kind":"prompt","text":"x"}'] });
          await c.query("COMMIT");
          n++;
        } finally {
          c.release();
        }
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const prompt = (session: string, i: number): Input => ({ kind: "prompt", header: { id: `${session}-i${i}`, durability: "Durable", source: { kind: "Operator" }, idempotencyKey: `${session}-k${i}` }, text: "x" });

/** SESSIONS fresh sessions for `seconds`, each accepting an input and awaiting it, then the next; checks every accepted input was consumed. */
async function durableRound(rt: ControlPlane, store: PostgresStore, tag: string, seconds: number): Promise<number> {
  const ids = Array.from({ length: SESSIONS }, (_, s) => `${tag}-s${s}`);
  for (const id of ids) await rt.prepareLocalSessionBindings(id);
  const done = ids.map(() => 0);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    ids.map(async (id, s) => {
      while (performance.now() < until) {
        const r = await rt.acceptInputWithCompletion(id, prompt(id, done[s]!));
        if (r.completion === undefined) throw new Error(`${id}: not accepted: ${r.outcome}`);
        await r.completion;
        done[s]! += 1;
      }
    }),
  );
  const rate = done.reduce((a, b) => a + b, 0) / ((performance.now() - t0) / 1000);
  for (const [s, id] of ids.entries()) {
    const rows = await store.loadInputStates(id);
    if (rows.length !== done[s] || rows.some((r) => r.phase !== "Consumed")) throw new Error(`session ${id}: not all consumed`);
    await rt.evictSession(id);
  }
  return rate;
}

/** The inbox filled with INPUTS submissions over SESSIONS sessions, then drained by `n` workers: inputs/s from their start until all are consumed. */
async function drainRound(url: string, schema: string, n: number): Promise<{ rate: number; writesPerStatement: number }> {
  const client = await PostgresStore.connect(url, { schema, autoAcquire: false, poolSize: POOL });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < INPUTS; i = next++) await client.submit(`s${i % SESSIONS}`, prompt(`s${i % SESSIONS}`, i));
    }),
  );
  const stores = await Promise.all(Array.from({ length: n }, (_, i) => PostgresStore.connect(url, { schema, autoAcquire: false, poolSize: POOL, owner: `bench-w${i}` })));
  const db = new pg.Pool({ connectionString: url, max: 1, types: TYPES });
  guardPool(db);
  const t0 = performance.now();
  const ws = stores.map((store) => new Worker({ store, executor: { apply: async () => ({}) } }));
  for (const w of ws) w.start();
  for (;;) {
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.input_states WHERE phase = 'Consumed'`);
    if ((r.rows[0]?.n ?? 0) >= INPUTS) break;
    await new Promise((res) => setTimeout(res, 10));
  }
  const rate = INPUTS / ((performance.now() - t0) / 1000);
  const statements = stores.reduce((a, s) => a + s.groupCommits, 0);
  const writes = stores.reduce((a, s) => a + s.batchedWrites, 0);
  for (const w of ws) await w.stop();
  await client.close();
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.end();
  return { rate, writesPerStatement: statements === 0 ? 0 : writes / statements };
}

async function main(): Promise<void> {
  const url = pgScript("start");
  const load = [loadavg()[0]!];
  try {
    const stamp = Date.now().toString(36);
    const raw = new pg.Pool({ connectionString: url, max: POOL });
    guardPool(raw);
    await raw.query("DROP TABLE IF EXISTS bench_raw");
    await raw.query("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, session_id text NOT NULL, body text NOT NULL)");
    const store = await PostgresStore.connect(url, { schema: `bench_rt_${stamp}`, poolSize: POOL });
    const rt = createRuntime({ executor: { apply: async () => ({}) }, store });
    // Warm-up: connections opened, statements prepared, code paths compiled, on both sides.
    await rawRound(raw, SESSIONS, 0.5);
    await durableRound(rt, store, "warm", 0.5);
    const rounds: { raw: number; durable: number; ratio: number; writesPerStatement: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = { statements: store.groupCommits, writes: store.batchedWrites };
      let rawRate: number;
      let durableRate: number;
      if (r % 2 === 0) {
        rawRate = await rawRound(raw, SESSIONS, SECONDS);
        durableRate = await durableRound(rt, store, `r${r}`, SECONDS);
      } else {
        durableRate = await durableRound(rt, store, `r${r}`, SECONDS);
        rawRate = await rawRound(raw, SESSIONS, SECONDS);
      }
      const wps = (store.batchedWrites - before.writes) / Math.max(1, store.groupCommits - before.statements);
      rounds.push({ raw: Math.round(rawRate), durable: Math.round(durableRate), ratio: round2(durableRate / rawRate), writesPerStatement: round2(wps) });
    }
    await rt.close();
    await store.close();
    await raw.end();
    load.push(loadavg()[0]!);

    const drains: Record<number, { rate: number; writesPerStatement: number }[]> = { 1: [], 2: [], 3: [] };
    for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
      for (const n of WORKER_COUNTS) drains[n]!.push(await drainRound(url, `bench_w${n}_${r}_${stamp}`, n));
    }
    load.push(loadavg()[0]!);
    const workerInputsPerSec = Object.fromEntries(WORKER_COUNTS.map((n) => [n, Math.round(median(drains[n]!.map((d) => d.rate)))]));
    const workerWritesPerStatement = Object.fromEntries(WORKER_COUNTS.map((n) => [n, round2(median(drains[n]!.map((d) => d.writesPerStatement)))]));
    const result = {
      durableInputsPerSec: Math.round(median(rounds.map((x) => x.durable))),
      rawTxPerSec: Math.round(median(rounds.map((x) => x.raw))),
      ratio: median(rounds.map((x) => x.ratio)),
      ratioMin: Math.min(...rounds.map((x) => x.ratio)),
      ratioMax: Math.max(...rounds.map((x) => x.ratio)),
      rounds,
      workerInputsPerSec,
      workerWritesPerStatement,
      sessions: SESSIONS,
      inputs: INPUTS,
      seconds: SECONDS,
      pool: POOL,
      loadAverage: load.map(round2),
    };
    if (json) console.log(JSON.stringify(result));
    else {
      console.log(`postgres bench: ${SESSIONS} sessions / raw clients, pool ${POOL}, ${ROUNDS} rounds of ${SECONDS} s a side, no-op executor, synchronous_commit on; load ${result.loadAverage.join(" → ")}`);
      for (const [i, x] of rounds.entries()) console.log(`  round ${i + 1}: raw ${x.raw}/s  durable ${x.durable}/s  ratio ${x.ratio}  (${x.writesPerStatement} writes per group commit)`);
      console.log(`raw pg INSERT transactions   ${result.rawTxPerSec}/s (median)`);
      console.log(`durable inputs (runtime)     ${result.durableInputsPerSec}/s (median)  ratio ${result.ratio} (median of rounds; ${result.ratioMin} to ${result.ratioMax})`);
      console.log(
        `inbox drained by workers     ${WORKER_COUNTS.map((n) => `${n}: ${workerInputsPerSec[n]}/s (${workerWritesPerStatement[n]} writes/commit)`).join("  ")}  (${INPUTS} inputs, median of ${Math.min(ROUNDS, 3)})`,
      );
    }
  } finally {
    pgScript("stop");
  }
}

await main();

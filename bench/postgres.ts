// Durable throughput over PostgreSQL: inputs/s end to end (accepted → consumed) through the runtime
// over a PostgresStore (fenced writes, synchronous_commit on) and a no-op executor, many sessions
// concurrently; against raw `pg` single-row INSERT transactions (BEGIN; INSERT; COMMIT) on the same
// server in the same run, at the same concurrency (one connection per pool slot). Then the worker
// path: submissions through the inbox drained by 1, 2 and 3 `meerkat worker`-style workers in this
// process (each with its own store, pool and lease owner).
//
//   npm run bench:postgres -- [--json] [--sessions N] [--inputs N] [--seconds S] [--pool N]
//
// Starts the throwaway cluster (scripts/postgres.sh, folder .tmp/pg-bench) and stops it at the end.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createRuntime, type Input } from "../runtime/index.js";
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
const INPUTS = num("--inputs", 3000);
const SECONDS = num("--seconds", 3);
const POOL = num("--pool", 10);
const pgScript = (cmd: string): string =>
  execFileSync("bash", [join(ROOT, "scripts", "postgres.sh"), cmd], { encoding: "utf8", env: { ...process.env, MEERKAT_PG_DIR: join(ROOT, ".tmp", "pg-bench") } }).trim();

async function rawTxPerSec(url: string, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  guardPool(pool);
  await pool.query("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, session_id text NOT NULL, body text NOT NULL)");
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      while (performance.now() < until) {
        const c = await pool.connect();
        try {
          await c.query("BEGIN");
          await c.query("INSERT INTO bench_raw (session_id, body) VALUES ($1, $2)", [`s${n % 100}`, '{"kind":"prompt","text":"x"}']);
          await c.query("COMMIT");
          n++;
        } finally {
          c.release();
        }
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  await pool.end();
  return rate;
}

const prompt = (s: number, i: number): Input => ({ kind: "prompt", header: { id: `s${s}-i${i}`, durability: "Durable", source: { kind: "Operator" }, idempotencyKey: `s${s}-k${i}` }, text: "x" });

/** The runtime over one PostgresStore: each session accepts an input and awaits it, then the next. */
async function durable(url: string, schema: string): Promise<number> {
  const store = await PostgresStore.connect(url, { schema, poolSize: POOL });
  const rt = createRuntime({ executor: { apply: async () => ({}) }, store });
  for (let s = 0; s < SESSIONS; s++) await rt.prepareLocalSessionBindings(`s${s}`);
  const per = Math.max(1, Math.floor(INPUTS / SESSIONS));
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, s) => {
      for (let i = 0; i < per; i++) {
        const r = await rt.acceptInputWithCompletion(`s${s}`, prompt(s, i));
        if (r.completion === undefined) throw new Error(`not accepted: ${r.outcome}`);
        await r.completion;
      }
    }),
  );
  const rate = (SESSIONS * per) / ((performance.now() - t0) / 1000);
  for (let s = 0; s < SESSIONS; s++) {
    const rows = await store.loadInputStates(`s${s}`);
    if (rows.length !== per || rows.some((r) => r.phase !== "Consumed")) throw new Error(`session s${s}: not all consumed`);
  }
  await rt.close();
  await store.close();
  return rate;
}

/** Submissions through the inbox, drained by `n` workers; inputs/s until all are consumed. */
async function workers(url: string, schema: string, n: number): Promise<number> {
  const client = await PostgresStore.connect(url, { schema, autoAcquire: false, poolSize: POOL });
  const ws: Worker[] = [];
  for (let i = 0; i < n; i++) {
    const store = await PostgresStore.connect(url, { schema, autoAcquire: false, poolSize: POOL, owner: `bench-w${i}` });
    const w = new Worker({ store, executor: { apply: async () => ({}) } });
    w.start();
    ws.push(w);
  }
  const db = new pg.Pool({ connectionString: url, max: 2, types: TYPES });
  guardPool(db);
  const t0 = performance.now();
  const total = INPUTS;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < total; i = next++) await client.submit(`s${i % SESSIONS}`, prompt(i % SESSIONS, i));
    }),
  );
  for (;;) {
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.input_states WHERE phase = 'Consumed'`);
    if ((r.rows[0]?.n ?? 0) >= total) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const rate = total / ((performance.now() - t0) / 1000);
  for (const w of ws) await w.stop();
  await client.close();
  await db.end();
  return rate;
}

async function main(): Promise<void> {
  const url = pgScript("start");
  try {
    const stamp = Date.now().toString(36);
    const rawBefore = await rawTxPerSec(url, SECONDS / 2);
    const runtimeRate = await durable(url, `bench_rt_${stamp}`);
    const w1 = await workers(url, `bench_w1_${stamp}`, 1);
    const w2 = await workers(url, `bench_w2_${stamp}`, 2);
    const w3 = await workers(url, `bench_w3_${stamp}`, 3);
    const rawAfter = await rawTxPerSec(url, SECONDS / 2);
    const raw = (rawBefore + rawAfter) / 2;
    const result = {
      durableInputsPerSec: Math.round(runtimeRate),
      rawTxPerSec: Math.round(raw),
      ratio: Math.round((runtimeRate / raw) * 100) / 100,
      workerInputsPerSec: { 1: Math.round(w1), 2: Math.round(w2), 3: Math.round(w3) },
      rawTxPerSecBefore: Math.round(rawBefore),
      rawTxPerSecAfter: Math.round(rawAfter),
      sessions: SESSIONS,
      inputs: INPUTS,
      pool: POOL,
    };
    if (json) console.log(JSON.stringify(result));
    else {
      console.log(`postgres bench: ${SESSIONS} sessions, ${INPUTS} Durable prompts, no-op executor, pool ${POOL}, synchronous_commit on`);
      console.log(`raw pg INSERT transactions   ${result.rawTxPerSec}/s (${result.rawTxPerSecBefore} before, ${result.rawTxPerSecAfter} after)`);
      console.log(`durable inputs (runtime)     ${result.durableInputsPerSec}/s  ratio ${result.ratio}`);
      console.log(`inbox + workers              1: ${result.workerInputsPerSec[1]}/s  2: ${result.workerInputsPerSec[2]}/s  3: ${result.workerInputsPerSec[3]}/s`);
    }
  } finally {
    pgScript("stop");
  }
}

await main();

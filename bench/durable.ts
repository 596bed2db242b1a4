// Durable throughput: inputs/s end to end (accepted → consumed) through the runtime over a
// SqliteStore with synchronous durability (WAL, synchronous = FULL) and a no-op executor, many
// sessions accepting concurrently; against the ceiling of the same disk, the raw rate of
// single-row INSERT transactions with better-sqlite3 and the same pragmas.
//
//   npx tsx bench/durable.ts            readable table
//   npx tsx bench/durable.ts --json     one JSON line {durableInputsPerSec, rawTxPerSec, ratio, …}
//   options: --sessions N (default 100), --inputs N (default 20000), --window W (inputs in flight
//            per session, default 4), --seconds S (raw INSERT measurement, default 2),
//            --unchecked (skip the per-transition invariant evaluation)
//
// Each durable input costs the runtime four store writes (its row at accept, at staging, with the
// boundary receipt, at the run-end commit); group commit puts the writes of concurrent sessions
// into one fsync'd transaction, which is why the end-to-end rate can exceed the raw rate.

import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { createRuntime, SqliteStore, type Input } from "../runtime/index.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** run-all.ts passes every bench the same flags: a list (e.g. --sessions 1,100) takes its largest. */
const num = (name: string, fallback: number): number => {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Math.max(...v.split(",").map(Number));
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const json = args.includes("--json");
const unchecked = args.includes("--unchecked");
const sessions = num("--sessions", 100);
const totalInputs = num("--inputs", 20_000);
const window = num("--window", 4);
const rawSeconds = num("--seconds", 2);

const root = join(fileURLToPath(import.meta.url), "..", "..");
const base = join(root, ".tmp");
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(join(base, "bench-durable-"));

/** Same pragmas as SqliteStore: WAL, synchronous FULL, foreign keys, busy timeout; one INSERT per transaction. */
function rawTxPerSec(name: string, seconds: number): number {
  const db = new Database(join(dir, `${name}.sqlite3`));
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, body TEXT NOT NULL) STRICT");
  const insert = db.prepare("INSERT INTO t (session_id, body) VALUES (?, ?)");
  const tx = db.transaction((i: number) => insert.run(`s${i % 100}`, '{"kind":"prompt","text":"x"}'));
  for (let i = 0; i < 50; i++) tx.immediate(i); // warm up
  let n = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) tx.immediate(n++);
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

function prompt(s: number, i: number): Input {
  return { kind: "prompt", header: { id: `s${s}-i${i}`, durability: "Durable", source: { kind: "Operator" } }, text: "x" };
}

interface DurableRun {
  readonly inputsPerSec: number;
  readonly transactions: number;
  readonly inputs: number;
}

/** `window` clients per session; each accepts an input and awaits its completion, then the next. */
async function durable(groupCommit: boolean, name: string, inputs: number): Promise<DurableRun> {
  const store = SqliteStore.open(join(dir, `${name}.sqlite3`), { groupCommit });
  const rt = createRuntime({ executor: { apply: async () => ({}) }, store, limits: { checkInvariants: !unchecked } });
  for (let s = 0; s < sessions; s++) await rt.prepareLocalSessionBindings(`s${s}`);
  const perSession = Math.max(window, Math.floor(inputs / sessions));
  const txBefore = store.committedTransactions;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: sessions * window }, async (_, c) => {
      const s = c % sessions;
      for (let i = Math.floor(c / sessions); i < perSession; i += window) {
        const r = await rt.acceptInputWithCompletion(`s${s}`, prompt(s, i));
        if (r.completion === undefined) throw new Error(`input not accepted: ${r.outcome}`);
        const outcome = await r.completion;
        if (outcome.kind !== "CompletedWithoutResult") throw new Error(`unexpected outcome ${outcome.kind}`);
      }
    }),
  );
  const ms = performance.now() - t0;
  const transactions = store.committedTransactions - txBefore;
  // Every input must be stored as consumed: the figure counts durable work only.
  for (let s = 0; s < sessions; s++) {
    const rows = store.loadInputStates(`s${s}`);
    if (rows.length !== perSession || rows.some((r) => r.phase !== "Consumed")) throw new Error(`session s${s}: ${rows.length} rows, not all consumed`);
  }
  await rt.close();
  store.close();
  return { inputsPerSec: (sessions * perSession) / (ms / 1000), transactions, inputs: sessions * perSession };
}

async function main(): Promise<void> {
  try {
    // The disk's rate drifts (other load, the device's own caching): the ceiling is measured half
    // before and half after the durable runs, and the mean is used.
    const rawBefore = rawTxPerSec("raw-before", rawSeconds / 2);
    const on = await durable(true, "group-on", totalInputs);
    // Without group commit every write pays its own fsync: a smaller run gives the rate.
    const off = await durable(false, "group-off", Math.min(totalInputs, Math.max(sessions * window, Math.round(rawBefore))));
    const rawAfter = rawTxPerSec("raw-after", rawSeconds / 2);
    const raw = (rawBefore + rawAfter) / 2;
    const result = {
      durableInputsPerSec: Math.round(on.inputsPerSec),
      rawTxPerSec: Math.round(raw),
      ratio: Math.round((on.inputsPerSec / raw) * 100) / 100,
      groupCommitOffInputsPerSec: Math.round(off.inputsPerSec),
      groupCommitOffRatio: Math.round((off.inputsPerSec / raw) * 100) / 100,
      rawTxPerSecBefore: Math.round(rawBefore),
      rawTxPerSecAfter: Math.round(rawAfter),
      inputsPerTransaction: Math.round((on.inputs / on.transactions) * 100) / 100,
      transactions: on.transactions,
      inputs: on.inputs,
      sessions,
      window,
      invariants: !unchecked,
    };
    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    console.log(`durable bench: ${sessions} sessions, ${window} inputs in flight per session, Durable prompts, no-op executor, WAL + synchronous=FULL`);
    console.log("                                  rate/s   vs raw");
    console.log(`raw INSERT transactions (ceiling) ${String(result.rawTxPerSec).padStart(7)}     1.00   (${result.rawTxPerSecBefore} before, ${result.rawTxPerSecAfter} after the durable runs)`);
    console.log(`durable inputs, group commit on   ${String(result.durableInputsPerSec).padStart(7)}  ${result.ratio.toFixed(2).padStart(7)}   (${on.inputs} inputs in ${on.transactions} transactions, ${result.inputsPerTransaction} inputs each)`);
    console.log(`durable inputs, group commit off  ${String(result.groupCommitOffInputsPerSec).padStart(7)}  ${result.groupCommitOffRatio.toFixed(2).padStart(7)}   (${off.inputs} inputs in ${off.transactions} transactions)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

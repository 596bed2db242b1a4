// Accepted inputs/s and acceptance latency over HTTP (`meerkat serve` in a child process, Node
// fetch clients) against the same workload through acceptInput in this process, in one run.
//   npx tsx bench/http.ts [--json] [--inputs N] [--concurrency C] [--sessions S] [--store sqlite|memory]

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRuntime, SqliteStore, type Input } from "../runtime/index.js";
import { echoExecutor } from "../server/echo-executor.js";

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const json = argv.includes("--json");
const inputs = Number(flag("--inputs", "4000"));
const concurrency = Number(flag("--concurrency", "64"));
const sessions = Number(flag("--sessions", "16"));
const storeKind = flag("--store", "sqlite");
if (!(inputs > 0 && concurrency > 0 && sessions > 0) || (storeKind !== "sqlite" && storeKind !== "memory")) {
  console.error("usage: bench/http.ts [--json] [--inputs N] [--concurrency C] [--sessions S] [--store sqlite|memory]");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "meerkat-bench-http-"));

const prompt = (tag: string, n: number): Input => ({ kind: "prompt", header: { id: `${tag}-${n}`, durability: "Durable", source: { kind: "Operator" } }, text: `n${n}` });

interface Figures {
  readonly inputsPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

/** Runs `accept(n)` for n < inputs with `concurrency` workers; throughput and latency percentiles. */
async function drive(accept: (n: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < inputs; n = next++) {
        const t = performance.now();
        await accept(n);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 1000) / 1000;
  return { inputsPerSec: Math.round(inputs / seconds), p50ms: at(0.5), p99ms: at(0.99) };
}

async function inProcess(): Promise<Figures> {
  const store = storeKind === "sqlite" ? SqliteStore.open(join(dir, "in-process.sqlite3")) : undefined;
  const rt = createRuntime({ executor: echoExecutor(), ...(store === undefined ? {} : { store }) });
  for (let s = 0; s < sessions; s++) await rt.prepareLocalSessionBindings(`s${s}`);
  const figures = await drive(async (n) => {
    const r = await rt.acceptInput(`s${n % sessions}`, prompt("in", n));
    if (r.outcome !== "Accepted") throw new Error(`input ${n}: ${r.outcome}`);
  });
  await rt.close();
  store?.close();
  return figures;
}

async function overHttp(): Promise<{ readonly inputs: Figures; readonly healthz: Figures }> {
  const token = randomBytes(16).toString("hex");
  const storeArgs = storeKind === "sqlite" ? ["--store", join(dir, "http.sqlite3")] : ["--memory"];
  const child = spawn(process.execPath, [join(root, "bin", "meerkat.mjs"), "serve", "--port", "0", ...storeArgs, "--log-level", "warn"], { cwd: root, env: { ...process.env, MEERKAT_TOKEN: token }, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m !== null) resolve(m[1] as string);
    });
    child.on("exit", (code) => reject(new Error(`meerkat serve exited with ${code}`)));
  });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let s = 0; s < sessions; s++) await fetch(`${base}/sessions`, { method: "POST", headers, body: JSON.stringify({ sessionId: `s${s}` }) });
  // The HTTP stack alone (client and server): a route that does no runtime work.
  const healthz = await drive(async () => {
    await (await fetch(`${base}/healthz`)).arrayBuffer();
  });
  const figures = await drive(async (n) => {
    const res = await fetch(`${base}/sessions/s${n % sessions}/inputs`, { method: "POST", headers, body: JSON.stringify(prompt("http", n)) });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`input ${n}: HTTP ${res.status}`);
  });
  child.kill("SIGTERM");
  await new Promise((resolve) => child.on("exit", resolve));
  return { inputs: figures, healthz };
}

try {
  const local = await inProcess();
  const { inputs: http, healthz } = await overHttp();
  const result = { inputs, concurrency, sessions, store: storeKind, inProcess: local, http, httpHealthzBaseline: healthz, httpToInProcess: Math.round((http.inputsPerSec / local.inputsPerSec) * 1000) / 1000 };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`${inputs} durable prompts, ${concurrency} in flight, ${sessions} sessions, store ${storeKind}`);
    console.log(`  in process: ${local.inputsPerSec} accepted/s, p50 ${local.p50ms} ms, p99 ${local.p99ms} ms`);
    console.log(`  over HTTP:  ${http.inputsPerSec} accepted/s, p50 ${http.p50ms} ms, p99 ${http.p99ms} ms  (${result.httpToInProcess}x in-process)`);
    console.log(`  GET /healthz: ${healthz.inputsPerSec} requests/s, p99 ${healthz.p99ms} ms (the HTTP stack alone, same client)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

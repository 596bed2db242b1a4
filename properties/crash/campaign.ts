// The crash-point campaign: a dry run counts the workload's store transactions W; then, for crash
// points k in 1..W (each killed right before and right after commit k, or a seeded sample of them),
// a child runs the workload until SIGKILL, and this process recovers from the same file and checks.

import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { readLog } from "./log.js";
import { prng, scenario, type Scenario } from "./scenario.js";
import { verifyAfterCrash, type CrashRunResult } from "./verify.js";

export interface CampaignOptions {
  readonly seed: number;
  /** At most this many crash points (each is one child run); default every point. */
  readonly maxPoints?: number;
  readonly sessions?: number;
  readonly inputs?: number;
  /** Seeds: several workloads, each with its own crash points (default 1). */
  readonly workloads?: number;
  readonly concurrency?: number;
  readonly workDir: string;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CampaignSummary {
  readonly crashPoints: number;
  readonly runs: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly invariantViolations: number;
  readonly reapplied: number;
  readonly acknowledged: number;
  readonly transactionsPerWorkload: readonly number[];
  readonly seconds: number;
  readonly failures: readonly CrashRunResult[];
}

/** Bundles the child once so each crash run starts in plain node, without a TypeScript loader. */
export async function bundleWorkload(workDir: string): Promise<string> {
  mkdirSync(workDir, { recursive: true });
  const out = join(workDir, "workload.mjs");
  await build({
    entryPoints: [new URL("./workload.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: out,
    external: ["better-sqlite3"],
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runChild(bundle: string, args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

function childArgs(plan: Scenario, o: CampaignOptions, db: string, log: string): string[] {
  return ["--db", db, "--log", log, "--seed", String(plan.seed), "--sessions", String(o.sessions ?? 3), "--inputs", String(o.inputs ?? 24)];
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const started = performance.now();
  const bundle = await bundleWorkload(o.workDir);
  const workloads = o.workloads ?? 1;
  const points: { plan: Scenario; k: number; mode: "before" | "after" }[] = [];
  const perWorkload: number[] = [];
  for (let w = 0; w < workloads; w++) {
    const plan = scenario(o.seed + w, { sessions: o.sessions ?? 3, inputs: o.inputs ?? 24 });
    const dir = join(o.workDir, `dry-${plan.seed}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const dry = await runChild(bundle, childArgs(plan, o, join(dir, "db.sqlite3"), join(dir, "log.jsonl")));
    if (dry.code !== 0) throw new Error(`the dry run of seed ${plan.seed} failed (exit ${dry.code}, signal ${dry.signal}): ${dry.stderr}`);
    const done = readLog(join(dir, "log.jsonl")).find((l) => l.t === "done");
    const commits = done?.t === "done" ? done.commits : 0;
    if (commits === 0) throw new Error(`the dry run of seed ${plan.seed} committed nothing`);
    perWorkload.push(commits);
    // A crash run may commit more or fewer transactions than the dry run (timing), so points past the
    // dry run's count are still meaningful up to a little beyond it.
    for (let k = 1; k <= commits; k++) for (const mode of ["before", "after"] as const) points.push({ plan, k, mode });
  }
  let chosen = points;
  if (o.maxPoints !== undefined && points.length > o.maxPoints) {
    // A seeded Fisher–Yates shuffle, then the first maxPoints: a uniform sample, reproducible.
    const rand = prng(o.seed ^ 0xc4a5);
    const shuffled = [...points];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    chosen = shuffled.slice(0, o.maxPoints);
  }

  const results: CrashRunResult[] = [];
  let next = 0;
  let finished = 0;
  const worker = async (slot: number): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= chosen.length) return;
      const p = chosen[i]!;
      const dir = join(o.workDir, `run-${slot}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const db = join(dir, "db.sqlite3");
      const log = join(dir, "log.jsonl");
      const child = await runChild(bundle, [...childArgs(p.plan, o, db, log), "--crash-at", String(p.k), "--crash-mode", p.mode]);
      if (child.code !== 0 && child.signal !== "SIGKILL") {
        results.push({ crashAt: p.k, mode: p.mode, lost: [], duplicated: [], invariantViolations: [`the child failed on its own (exit ${child.code}): ${child.stderr.slice(0, 500)}`], reapplied: 0, acknowledged: 0, recovered: 0 });
      } else {
        results.push(await verifyAfterCrash(p.plan, db, log, p.k, p.mode));
      }
      finished += 1;
      o.onProgress?.(finished, chosen.length);
    }
  };
  const slots = Math.max(1, Math.min(o.concurrency ?? availableParallelism(), chosen.length));
  await Promise.all(Array.from({ length: slots }, (_, s) => worker(s)));

  const sum = (f: (r: CrashRunResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  return {
    crashPoints: chosen.length,
    runs: results.length,
    lost: sum((r) => r.lost.length),
    duplicated: sum((r) => r.duplicated.length),
    invariantViolations: sum((r) => r.invariantViolations.length),
    reapplied: sum((r) => r.reapplied),
    acknowledged: sum((r) => r.acknowledged),
    transactionsPerWorkload: perWorkload,
    seconds: (performance.now() - started) / 1000,
    failures: results.filter((r) => r.lost.length + r.duplicated.length + r.invariantViolations.length > 0),
  };
}

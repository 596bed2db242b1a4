// Runs SPIN on a Promela model: `spin -a`, `gcc` on the generated pan.c (safety checks only, no
// partial-order reduction), then `./pan`, and reads the counts from its report.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpinNotInstalledError } from "./errors.js";

export interface SpinOptions {
  /** Directory for the model and pan files; default a fresh one under <repo>/.tmp/spin/. */
  readonly dir?: string;
  /** Keep the directory afterwards (default: removed when the run succeeds). */
  readonly keep?: boolean;
  /** First DFS depth bound (pan -m); multiplied by 10 and rerun while pan reports it too small. */
  readonly depth?: number;
  /** log2 of the hash table slots (pan -w). */
  readonly hashBits?: number;
  /** State vector bound in bytes (-DVECTORSZ). */
  readonly vectorSize?: number;
  /** Memory bound for pan in MB (-DMEMLIM). */
  readonly memLimitMb?: number;
  /** Kill any one tool after this long. */
  readonly timeoutMs?: number;
  /**
   * gcc optimisation and pan compile-time options, on top of the fixed -DSAFETY -DNOREDUCE and
   * -DVECTORSZ (default ["-O2"]; FASTEST_SPIN_CFLAGS is the fastest exact set on our models).
   */
  readonly cflags?: readonly string[];
}

/**
 * The fastest exhaustive pan build measured on the benchmark model (ops, profile deep): -O3, no
 * array bound checks, no fairness code. -DCOLLAPSE saves memory but runs about 2x slower; hash
 * compaction (-DHC4) is faster but lossy (it stored 12% fewer states), so it is not exhaustive.
 */
export const FASTEST_SPIN_CFLAGS: readonly string[] = ["-O3", "-DNOBOUNDCHECK", "-DNOFAIR"];

export interface SpinResult {
  /** The search finished with no errors. */
  readonly ok: boolean;
  /** The search covered the whole state space (not cut by the depth or memory bound). */
  readonly complete: boolean;
  /** "states, stored": distinct states. */
  readonly distinctStates: number;
  /** "transitions (= stored+matched)". */
  readonly transitions: number;
  /** Assertion violations and invalid end states found (every one: pan runs with -c0). */
  readonly errors: number;
  /** spin -a + gcc + pan, wall clock. */
  readonly durationMs: number;
  /** runMs: the last pan run; panTotalMs includes reruns with a larger depth bound. */
  readonly timings: { readonly spinMs: number; readonly compileMs: number; readonly runMs: number; readonly panTotalMs: number };
  /** The pan -m bound of the last run. */
  readonly searchDepthBound: number;
  /** pan's "total actual memory usage". */
  readonly memoryMb: number;
  readonly memoryParts: PanReport["memoryParts"];
  readonly stateVectorBytes: number;
  readonly depthReached: number;
  /** The distinct error messages pan printed ("assertion violated ...", "invalid end state"). */
  readonly messages: readonly string[];
  /** pan's full report. */
  readonly raw: string;
  readonly dir: string;
}

/** A tool of the SPIN pipeline failed (a model SPIN rejects is a bug in the export). */
export class SpinRunError extends Error {
  readonly code = "SpinRun";
  constructor(
    readonly stage: "spin" | "gcc" | "pan",
    readonly output: string,
    readonly dir: string,
  ) {
    super(`${stage} failed (files kept in ${dir}):\n${output.trim()}`);
  }
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SPIN_TMP = join(REPO, ".tmp", "spin");

const DEFAULT_DEPTH = 100_000;
const MAX_DEPTH = 100_000_000;

export function runSpin(promela: string, options: SpinOptions = {}): SpinResult {
  requireTool("spin", ["-V"]);
  requireTool("gcc", ["--version"]);
  mkdirSync(SPIN_TMP, { recursive: true });
  const dir = options.dir ?? mkdtempSync(join(SPIN_TMP, "run-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.pml"), promela);
  const timeout = options.timeoutMs;

  const t0 = performance.now();
  const spin = run("spin", ["-a", "model.pml"], dir, timeout);
  if (spin.status !== 0) throw new SpinRunError("spin", spin.output, dir);
  const t1 = performance.now();
  const defines = ["-DSAFETY", "-DNOREDUCE", `-DVECTORSZ=${options.vectorSize ?? vectorSizeFor(promela)}`, ...(options.memLimitMb ? [`-DMEMLIM=${options.memLimitMb}`] : [])];
  const gcc = run("gcc", [...(options.cflags ?? ["-O2"]), ...defines, "-o", "pan", "pan.c"], dir, timeout);
  if (gcc.status !== 0) throw new SpinRunError("gcc", gcc.output, dir);
  const t2 = performance.now();

  let depth = options.depth ?? DEFAULT_DEPTH;
  let runStart = performance.now();
  let pan = runPan(dir, depth, options, timeout);
  while (/max search depth too small/.test(pan.output) && depth < MAX_DEPTH) {
    depth *= 10;
    runStart = performance.now();
    pan = runPan(dir, depth, options, timeout);
  }
  const t3 = performance.now();
  if (!/states, stored/.test(pan.output)) throw new SpinRunError("pan", pan.output, dir);
  const report = parsePanReport(pan.output);
  const complete = !/max search depth too small|out of memory|search was truncated/i.test(pan.output);
  const result: SpinResult = {
    ...report,
    ok: complete && report.errors === 0,
    complete,
    durationMs: t3 - t0,
    timings: { spinMs: t1 - t0, compileMs: t2 - t1, runMs: t3 - runStart, panTotalMs: t3 - t2 },
    searchDepthBound: depth,
    raw: pan.output,
    dir,
  };
  if (!options.keep && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  return result;
}

export interface PanReport {
  readonly distinctStates: number;
  readonly transitions: number;
  readonly errors: number;
  readonly memoryMb: number;
  /** Parts of memoryMb: stored states, the hash table (-w), the DFS stack (-m). */
  readonly memoryParts: { readonly statesMb: number; readonly hashTableMb: number; readonly stackMb: number };
  readonly stateVectorBytes: number;
  readonly depthReached: number;
  readonly messages: readonly string[];
}

/** Reads pan's end-of-search report. */
export function parsePanReport(text: string): PanReport {
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    return m ? Number.parseFloat(m[1] as string) : 0;
  };
  const messages = [...new Set([...text.matchAll(/^pan:\d*:?\s*(.+?)\s*(?:\(at depth \d+\))?$/gm)].map((m) => (m[1] as string).trim()).filter((s) => !/^elapsed time|^wrote |^rate |^resizing hashtable/.test(s)))];
  return {
    distinctStates: Math.round(num(/^\s*([\d.e+]+) states, stored/m)),
    transitions: Math.round(num(/^\s*([\d.e+]+) transitions \(=/m)),
    errors: Math.round(num(/errors: (\d+)/)),
    memoryMb: num(/^\s*([\d.]+)\s+total actual memory usage/m),
    memoryParts: {
      statesMb: num(/^\s*([\d.]+)\s+actual memory usage for states/m),
      hashTableMb: num(/^\s*([\d.]+)\s+memory used for hash table/m),
      stackMb: num(/^\s*([\d.]+)\s+memory used for DFS stack/m),
    },
    stateVectorBytes: Math.round(num(/State-vector (\d+) byte/)),
    depthReached: Math.round(num(/depth reached (\d+)/)),
    messages,
  };
}

function runPan(dir: string, depth: number, o: SpinOptions, timeout: number | undefined): { status: number | null; output: string } {
  const args = [`-m${depth}`, "-c0", "-n", ...(o.hashBits ? [`-w${o.hashBits}`] : [])];
  return run(join(dir, "pan"), args, dir, timeout);
}

/** A generous state vector bound: every declared state slot as 4 bytes, plus pan's own fields. */
function vectorSizeFor(promela: string): number {
  let slots = 0;
  for (const m of promela.matchAll(/^(?:bit|bool|byte|short|int) \w+(?:\[(\d+)\])?/gm)) slots += m[1] ? Number(m[1]) : 1;
  return Math.max(1024, 4 * slots + 256);
}

function run(cmd: string, args: readonly string[], cwd: string, timeout: number | undefined): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...(timeout ? { timeout } : {}) });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function requireTool(tool: "spin" | "gcc", args: readonly string[]): void {
  const r = spawnSync(tool, args, { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new SpinNotInstalledError(tool);
}

// Our explorer against SPIN on the same machine, in the same run. The benchmark model is the ops
// machine (spec/ops.machine.json) under profile `deep`; --spec/--profile pick another, and
// --largest compares the largest shipped machine instead (every spec/**/*.machine.json explored
// under its deepest profile, the one with the most distinct states kept; slow). The comparison
// needs the same state space on both sides and SPIN searches exhaustively, so every exploration
// here ignores the profile's maxDepth and symmetry; a spec with more than --max-states states that
// way is skipped (and named).
//
// Ours runs with 1 worker and with --workers (default 2) worker threads; both must store the same
// states. SPIN is built with FASTEST_SPIN_CFLAGS (-O3 -DSAFETY -DNOREDUCE -DNOBOUNDCHECK -DNOFAIR,
// the fastest exact build we measured; --spin-variants times the others too) and timed two ways:
// compile included (Promela export + spin -a + gcc + pan) and excluded (the pan run alone).
//
// Usage: npx tsx bench/explore.ts [--json] [--spec <file>] [--profile <name>] [--largest]
//                                 [--max-states <n>] [--workers <n>] [--spin-variants]
//   --json   one line: {"states":…,"ourMs":…,"ourMsParallel":…,"workers":…,"speedup":…,
//            "statesPerSecond":…,"statesPerSecondParallel":…,"bytesPerState":…,"bytesPerStateParallel":…,
//            "cpuMs":…,"cpuMsParallel":…,"cpuUsPerState":…,"cpuUsPerStateParallel":…,"cpuRatio":…,"workerTimes":[{"activeMs","idleMs","expandMs","mergeMs"}…]|null,
//            "load":[1-minute load average before and after the parallel run],"spinMs":…,
//            "spinRunMs":…,"ratio":…,"ratioRunOnly":…,"spinFlags":"…","successors":"compiled"|"generic",
//            "successorsParallel":…} (successors: which successor path explored, see properties/explorer/compiled)
//            (ratio = our 1-worker wall time / SPIN's with compile; ratioRunOnly = / the pan run;
//            cpu: user+sys of the whole process, every thread, from process.cpuUsage(); cpuRatio = the
//            parallel run's CPU time over the serial one's, the overhead of parallelism whatever the
//            load, where the wall-time speed-up depends on what else the machine runs)

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { MachineModel } from "../generator/model.js";
import { PACKAGE_ROOT } from "../generator/pipeline.js";
import type { AnyKernel, ProfileDesc } from "../kernel/descriptor.js";
import { exportPromela, FASTEST_SPIN_CFLAGS, runSpin, SpinNotInstalledError, type SpinResult } from "../properties/promela/index.js";

type Explorer = typeof import("../properties/explorer/index.js");
type Explored = ReturnType<Explorer["exploreMachine"]>;

const args = process.argv.slice(2);
const json = args.includes("--json");
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const maxStates = Number(flag("--max-states") ?? 2_000_000);
const workers = Number(flag("--workers") ?? 2);
const log = (s: string) => (json ? process.stderr : process.stdout).write(`${s}\n`);

const explorerFile = join(PACKAGE_ROOT, "properties", "explorer", "index.ts");
if (!existsSync(explorerFile)) {
  console.error(`bench/explore: the explorer is not there yet (${explorerFile} is missing); this benchmark compares it with SPIN`);
  process.exit(1);
}
const explorer = (await import(pathToFileURL(explorerFile).href)) as Explorer;

/** The profile to compare under: `deep`, else the deepest (no maxDepth beats any maxDepth). */
function deepestProfile(m: MachineModel): ProfileDesc {
  const named = m.profiles.find((p) => p.name === "deep");
  if (named) return named;
  const depth = (p: ProfileDesc) => p.maxDepth ?? Number.POSITIVE_INFINITY;
  return [...m.profiles].sort((a, b) => depth(b) - depth(a))[0] as ProfileDesc;
}

interface Generated {
  readonly kernel: AnyKernel;
  readonly moduleUrl: string;
  readonly exportName: string;
}

/** The kernel generated from the spec, freshly (so it cannot drift from the spec under test). */
async function kernelOf(m: MachineModel): Promise<Generated> {
  const specRoot = join(PACKAGE_ROOT, "spec");
  const outDir = join(PACKAGE_ROOT, ".tmp", "bench-explore");
  for (const [rel, text] of generateFiles([m], { specRoot, outDir, kernelDir: join(PACKAGE_ROOT, "kernel") })) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
  const moduleUrl = pathToFileURL(join(outDir, outputPathFor(resolve(PACKAGE_ROOT, m.file), specRoot))).href;
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([name]) => name.endsWith("Kernel"));
  if (!entry) throw new Error(`the module generated from ${m.file} exports no kernel`);
  return { kernel: entry[1] as AnyKernel, moduleUrl, exportName: entry[0] };
}

/** The kernel with the profile made exhaustive: no maxDepth, no state bound. */
function unbounded(kernel: AnyKernel, profile: ProfileDesc): AnyKernel {
  return { ...kernel, profiles: { ...kernel.profiles, [profile.name]: { ...profile, maxDepth: null, maxStates: null } } };
}

/** Explores exhaustively (no symmetry reduction), serially or with worker threads. */
async function exhaustive(g: Generated, profile: ProfileDesc, limit: number, n: number): Promise<Explored> {
  const kernel = unbounded(g.kernel, profile);
  const options = { profile: profile.name, symmetry: false, maxStates: limit };
  if (n <= 1) return explorer.exploreMachine(kernel, options);
  return explorer.exploreMachineParallel(kernel, options, { workers: n, source: { subject: "machine", moduleUrl: g.moduleUrl, exportName: g.exportName } });
}

const defaultSpec = args.includes("--largest") ? join(PACKAGE_ROOT, "spec") : join(PACKAGE_ROOT, "spec", "ops.machine.json");
const loaded = loadSpecs([flag("--spec") ?? defaultSpec], PACKAGE_ROOT);
if (loaded.diagnostics.length > 0) {
  console.error(`bench/explore: the specs have errors (run npx meerkat generate):\n${loaded.diagnostics.map((d) => `${d.file}: ${d.message}`).join("\n")}`);
  process.exit(1);
}
const machines = loaded.specs.filter((s): s is MachineModel => s.kind === "machine");
const wanted = flag("--profile");

let best: { m: MachineModel; profile: ProfileDesc; gen: Generated; ours: Explored } | null = null;
for (const m of machines) {
  const profile = wanted ? m.profiles.find((p) => p.name === wanted) : deepestProfile(m);
  if (!profile) {
    log(`skip ${m.name}: no profile ${wanted}`);
    continue;
  }
  const gen = await kernelOf(m);
  const ours = await exhaustive(gen, profile, maxStates, 1);
  if (!ours.complete) {
    log(`skip ${m.name} (${m.file}, ${profile.name}): more than ${maxStates} states when explored exhaustively${profile.maxDepth !== null ? ` (the profile bounds depth at ${profile.maxDepth})` : ""}`);
    continue;
  }
  log(`${m.name} (${profile.name}): ${ours.distinctStates} states in ${Math.round(ours.durationMs)} ms`);
  if (!best || ours.distinctStates > best.ours.distinctStates) best = { m, profile, gen, ours };
}
if (!best) {
  console.error("bench/explore: no machine spec could be explored exhaustively within --max-states");
  process.exit(1);
}

const { m, profile, gen, ours } = best;
const loadBefore = loadavg()[0] as number;
const par = workers > 1 ? await exhaustive(gen, profile, maxStates, workers) : null;
const loadAfter = loadavg()[0] as number;
/** Per worker thread (partitioned compiled path): busy and idle time, and of the busy time expanding and inserting. */
const workerTimes = par && "workerTimes" in par ? (par as Explored & { workerTimes: readonly { activeMs: number; idleMs: number; expandMs: number; mergeMs: number }[] }).workerTimes : null;

const e0 = performance.now();
const promela = exportPromela(m, profile.name);
const exportMs = performance.now() - e0;
const spinAt = (cflags: readonly string[]): SpinResult => {
  try {
    return runSpin(promela, { cflags, hashBits: Math.max(12, Math.ceil(Math.log2(ours.distinctStates + 1)) + 1), depth: Math.max(10_000, ours.distinctStates + 1) });
  } catch (e) {
    if (e instanceof SpinNotInstalledError) {
      console.error(`bench/explore: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
};
if (args.includes("--spin-variants")) {
  // Other builds, for the record (the comparison below uses FASTEST_SPIN_CFLAGS).
  for (const cflags of [["-O2"], [...FASTEST_SPIN_CFLAGS, "-march=native"], [...FASTEST_SPIN_CFLAGS, "-DCOLLAPSE"], [...FASTEST_SPIN_CFLAGS, "-DHC4"]]) {
    const r = spinAt(cflags);
    log(`  spin ${cflags.join(" ")}: ${r.distinctStates} states, gcc ${Math.round(r.timings.compileMs)} ms, pan ${Math.round(r.timings.runMs)} ms, ${r.memoryMb.toFixed(1)} MB`);
  }
}
const spin = spinAt(FASTEST_SPIN_CFLAGS);
const spinMs = exportMs + spin.timings.spinMs + spin.timings.compileMs + spin.timings.runMs;
const spinRunMs = spin.timings.runMs;
const ratio = ours.durationMs / spinMs;
const ratioRunOnly = ours.durationMs / spinRunMs;
const speedup = par ? ours.durationMs / par.durationMs : null;
const cpuPerState = (r: Explored) => Number(((r.cpuMs * 1000) / Math.max(1, r.distinctStates)).toFixed(2));
const cpuRatio = par ? Number((par.cpuMs / Math.max(1, ours.cpuMs)).toFixed(3)) : null;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rate = (states: number, ms: number) => Math.round(states / Math.max(1e-3, ms / 1000));
const spinFlags = ["-DSAFETY", "-DNOREDUCE", ...FASTEST_SPIN_CFLAGS].join(" ");

log("");
log(`${m.name} (${m.file}), profile ${profile.name}, exhaustive${profile.maxDepth !== null ? ` (profile maxDepth ${profile.maxDepth} ignored)` : ""}, no symmetry`);
const pathOf = (r: Explored) => (r.successors?.path === "compiled" ? "compiled successors" : `generic successors${r.successors?.reason ? ` (${r.successors.reason})` : ""}`);
log(`  ours, 1 worker   ${pathOf(ours)}  ${ours.distinctStates} states  ${Math.round(ours.durationMs)} ms  ${rate(ours.distinctStates, ours.durationMs)} states/s  peak ${mb(ours.peakMemoryBytes)} MB heap  ${ours.bytesPerState} B/state in the store`);
if (par) {
  log(`  ours, ${workers} workers  ${pathOf(par)}  ${par.distinctStates} states  ${Math.round(par.durationMs)} ms  ${rate(par.distinctStates, par.durationMs)} states/s  ${par.bytesPerState} B/state  speed-up ${(speedup as number).toFixed(2)}x (load ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)`);
  log(`    cpu (user+sys, all threads): ${par.cpuMs} ms = ${cpuPerState(par)} us/state against ${ours.cpuMs} ms = ${cpuPerState(ours)} us/state with 1 worker: ${(cpuRatio as number).toFixed(2)}x`);
  for (const [w, t] of (workerTimes ?? []).entries()) log(`    worker ${w}: busy ${t.activeMs} ms (expand ${t.expandMs}, insert ${t.mergeMs}), idle ${t.idleMs} ms`);
}
log(
  `  spin (${spinFlags})  ${spin.distinctStates} states  ${Math.round(spinMs)} ms compile included (export ${Math.round(exportMs)} + spin -a ${Math.round(spin.timings.spinMs)} + gcc ${Math.round(spin.timings.compileMs)} + pan ${Math.round(spinRunMs)}), ${Math.round(spinRunMs)} ms excluded  ${rate(spin.distinctStates, spinMs)} states/s  run only ${rate(spin.distinctStates, spinRunMs)} states/s  ${spin.memoryMb.toFixed(1)} MB (pan total; states ${spin.memoryParts.statesMb.toFixed(1)}, hash table ${spin.memoryParts.hashTableMb.toFixed(1)}, DFS stack ${spin.memoryParts.stackMb.toFixed(1)})  ${spin.stateVectorBytes} B state vector`,
);
log(`  ratio (our 1-worker wall time / SPIN's): ${ratio.toFixed(2)} compile included, ${ratioRunOnly.toFixed(2)} against the pan run alone${par ? `; with ${workers} workers ${(par.durationMs / spinMs).toFixed(2)} and ${(par.durationMs / spinRunMs).toFixed(2)}` : ""}`);
const mismatch = spin.distinctStates !== ours.distinctStates || (par !== null && par.distinctStates !== ours.distinctStates);
if (spin.distinctStates !== ours.distinctStates) log(`  MISMATCH: SPIN stored ${spin.distinctStates} states, the explorer ${ours.distinctStates}`);
if (par && par.distinctStates !== ours.distinctStates) log(`  MISMATCH: ${workers} workers stored ${par.distinctStates} states, 1 worker ${ours.distinctStates}`);
if (spin.errors > 0) log(`  SPIN found ${spin.errors} errors: ${spin.messages.join("; ")}`);
if (json) {
  console.log(
    JSON.stringify({
      states: ours.distinctStates,
      ourMs: Math.round(ours.durationMs),
      ourMsParallel: par ? Math.round(par.durationMs) : null,
      workers,
      speedup: speedup === null ? null : Number(speedup.toFixed(3)),
      statesPerSecond: rate(ours.distinctStates, ours.durationMs),
      statesPerSecondParallel: par ? rate(par.distinctStates, par.durationMs) : null,
      bytesPerState: ours.bytesPerState,
      bytesPerStateParallel: par ? par.bytesPerState : null,
      cpuMs: ours.cpuMs,
      cpuMsParallel: par ? par.cpuMs : null,
      cpuUsPerState: cpuPerState(ours),
      cpuUsPerStateParallel: par ? cpuPerState(par) : null,
      cpuRatio,
      workerTimes,
      load: [Number(loadBefore.toFixed(2)), Number(loadAfter.toFixed(2))],
      spinMs: Math.round(spinMs),
      spinRunMs: Math.round(spinRunMs),
      ratio: Number(ratio.toFixed(3)),
      ratioRunOnly: Number(ratioRunOnly.toFixed(3)),
      spinFlags,
      successors: ours.successors?.path ?? "generic",
      successorsParallel: par ? (par.successors?.path ?? "generic") : null,
    }),
  );
}
process.exit(mismatch ? 1 : 0);

// Our explorer against SPIN on the same machine, in the same run. By default the machine is the
// largest shipped one: every spec/**/*.machine.json is explored under its deepest profile (the one
// named `deep` if present) and the one with the most distinct states is compared. The comparison
// needs the same state space on both sides and SPIN searches exhaustively, so every exploration
// here ignores the profile's maxDepth and symmetry; a spec with more than --max-states states that
// way is skipped (and named).
//
// SPIN time = Promela export + spin -a + gcc + pan (the run alone is printed too).
//
// Usage: npx tsx bench/explore.ts [--json] [--spec <file> [--profile <name>]] [--max-states <n>]
//   --json   one line: {"states":…,"ourMs":…,"spinMs":…,"ratio":…,"bytesPerState":…}
//            (ratio = our wall time / SPIN's; bytesPerState = our state store per state)

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { MachineModel } from "../generator/model.js";
import { PACKAGE_ROOT } from "../generator/pipeline.js";
import type { AnyKernel, ProfileDesc } from "../kernel/descriptor.js";
import { exportPromela, runSpin, SpinNotInstalledError } from "../properties/promela/index.js";

type Explorer = typeof import("../properties/explorer/index.js");
type Explored = ReturnType<Explorer["exploreMachine"]>;

const args = process.argv.slice(2);
const json = args.includes("--json");
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const maxStates = Number(flag("--max-states") ?? 2_000_000);
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

/** The kernel generated from the spec, freshly (so it cannot drift from the spec under test). */
async function kernelOf(m: MachineModel): Promise<AnyKernel> {
  const specRoot = join(PACKAGE_ROOT, "spec");
  const outDir = join(PACKAGE_ROOT, ".tmp", "bench-explore");
  for (const [rel, text] of generateFiles([m], { specRoot, outDir, kernelDir: join(PACKAGE_ROOT, "kernel") })) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
  const mod = (await import(pathToFileURL(join(outDir, outputPathFor(resolve(PACKAGE_ROOT, m.file), specRoot))).href)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([name]) => name.endsWith("Kernel"));
  if (!entry) throw new Error(`the module generated from ${m.file} exports no kernel`);
  return entry[1] as AnyKernel;
}

/** Explores exhaustively: the profile without maxDepth, no symmetry reduction. */
function exhaustive(kernel: AnyKernel, profile: ProfileDesc, limit: number): Explored {
  const unbounded: AnyKernel = { ...kernel, profiles: { ...kernel.profiles, [profile.name]: { ...profile, maxDepth: null, maxStates: null } } };
  return explorer.exploreMachine(unbounded, { profile: profile.name, symmetry: false, maxStates: limit });
}

const loaded = loadSpecs([flag("--spec") ?? join(PACKAGE_ROOT, "spec")], PACKAGE_ROOT);
if (loaded.diagnostics.length > 0) {
  console.error(`bench/explore: the specs have errors (run npx meerkat generate):\n${loaded.diagnostics.map((d) => `${d.file}: ${d.message}`).join("\n")}`);
  process.exit(1);
}
const machines = loaded.specs.filter((s): s is MachineModel => s.kind === "machine");
const wanted = flag("--profile");

let best: { m: MachineModel; profile: ProfileDesc; ours: Explored } | null = null;
for (const m of machines) {
  const profile = wanted ? m.profiles.find((p) => p.name === wanted) : deepestProfile(m);
  if (!profile) {
    log(`skip ${m.name}: no profile ${wanted}`);
    continue;
  }
  const ours = exhaustive(await kernelOf(m), profile, maxStates);
  if (!ours.complete) {
    log(`skip ${m.name} (${m.file}, ${profile.name}): more than ${maxStates} states when explored exhaustively${profile.maxDepth !== null ? ` (the profile bounds depth at ${profile.maxDepth})` : ""}`);
    continue;
  }
  log(`${m.name} (${profile.name}): ${ours.distinctStates} states in ${Math.round(ours.durationMs)} ms`);
  if (!best || ours.distinctStates > best.ours.distinctStates) best = { m, profile, ours };
}
if (!best) {
  console.error("bench/explore: no machine spec could be explored exhaustively within --max-states");
  process.exit(1);
}

const { m, profile, ours } = best;
const e0 = performance.now();
const promela = exportPromela(m, profile.name);
const exportMs = performance.now() - e0;
let spin;
try {
  spin = runSpin(promela, { hashBits: Math.max(12, Math.ceil(Math.log2(ours.distinctStates + 1)) + 1), depth: Math.max(10_000, ours.distinctStates + 1) });
} catch (e) {
  if (e instanceof SpinNotInstalledError) {
    console.error(`bench/explore: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
const spinMs = exportMs + spin.timings.spinMs + spin.timings.compileMs + spin.timings.runMs;
const ratio = ours.durationMs / spinMs;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const rate = (states: number, ms: number) => Math.round(states / Math.max(1e-3, ms / 1000));

log("");
log(`${m.name} (${m.file}), profile ${profile.name}, exhaustive${profile.maxDepth !== null ? ` (profile maxDepth ${profile.maxDepth} ignored)` : ""}, no symmetry`);
log(`  ours  ${ours.distinctStates} states  ${Math.round(ours.durationMs)} ms  ${rate(ours.distinctStates, ours.durationMs)} states/s  peak ${mb(ours.peakMemoryBytes)} MB heap  ${ours.bytesPerState} B/state in the store`);
log(
  `  spin  ${spin.distinctStates} states  ${Math.round(spinMs)} ms (export ${Math.round(exportMs)} + spin -a ${Math.round(spin.timings.spinMs)} + gcc ${Math.round(spin.timings.compileMs)} + pan ${Math.round(spin.timings.runMs)})  ${rate(spin.distinctStates, spinMs)} states/s  run only ${rate(spin.distinctStates, spin.timings.runMs)} states/s  ${spin.memoryMb.toFixed(1)} MB (pan total; states ${spin.memoryParts.statesMb.toFixed(1)}, hash table ${spin.memoryParts.hashTableMb.toFixed(1)}, DFS stack ${spin.memoryParts.stackMb.toFixed(1)})  ${spin.stateVectorBytes} B state vector`,
);
log(`  ratio (our wall time / SPIN's): ${ratio.toFixed(2)} total, ${(ours.durationMs / spin.timings.runMs).toFixed(2)} against the pan run alone`);
if (spin.distinctStates !== ours.distinctStates) log(`  MISMATCH: SPIN stored ${spin.distinctStates} states, the explorer ${ours.distinctStates}`);
if (spin.errors > 0) log(`  SPIN found ${spin.errors} errors: ${spin.messages.join("; ")}`);
if (json) {
  console.log(JSON.stringify({ states: ours.distinctStates, ourMs: Math.round(ours.durationMs), spinMs: Math.round(spinMs), ratio: Number(ratio.toFixed(3)), bytesPerState: ours.bytesPerState }));
}
process.exit(spin.distinctStates === ours.distinctStates ? 0 : 1);

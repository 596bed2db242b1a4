// Measures the explorer on the synthetic Grid spec (test/fixtures/explorer/perf): generates it into
// .tmp/, explores a profile, and prints states, wall and CPU time, states per CPU second and bytes
// per stored state (store arrays, and the heap growth measured around the run).
// Usage: node --import tsx bench/explorer.ts [profile=big] [--symmetry] [--hash-store]

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { generateFiles } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import { PACKAGE_ROOT } from "../generator/pipeline.js";
import type { AnyKernel } from "../kernel/index.js";
import { explore } from "../properties/explorer/engine.js";
import { machineSystem } from "../properties/explorer/machine-system.js";
import { selectProfile } from "../properties/explorer/profile.js";

const args = process.argv.slice(2);
const profile = args.find((a) => !a.startsWith("--")) ?? "big";
const symmetry = args.includes("--symmetry");
const store = args.includes("--hash-store") ? "hash" : "auto";
const specDir = join(PACKAGE_ROOT, "test", "fixtures", "explorer", "perf");
const outDir = join(PACKAGE_ROOT, ".tmp", "bench-explorer");
const loaded = loadSpecs([specDir], PACKAGE_ROOT);
if (loaded.diagnostics.length > 0) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
for (const [rel, text] of generateFiles(loaded.specs, { specRoot: specDir, outDir, kernelDir: join(PACKAGE_ROOT, "kernel") })) {
  mkdirSync(dirname(join(outDir, rel)), { recursive: true });
  writeFileSync(join(outDir, rel), text);
}
const mod = (await import(pathToFileURL(resolve(outDir, "grid.machine.ts")).href)) as { gridKernel: unknown };
const kernel = mod.gridKernel as AnyKernel;

const base = process.memoryUsage();
const r = explore(machineSystem(kernel, selectProfile("Grid", kernel.profiles, profile)), { maxStates: 5_000_000, symmetry, store });
const peakGrowth = r.peakMemoryBytes - (base.heapUsed + base.arrayBuffers);
console.log(
  JSON.stringify(
    {
      spec: "Grid",
      profile,
      symmetry: r.symmetry,
      store,
      states: r.distinctStates,
      ok: r.ok,
      wallMs: Math.round(r.durationMs),
      cpuMs: r.cpuMs,
      statesPerCpuSecond: Math.round(r.distinctStates / (r.cpuMs / 1000)),
      statesPerWallSecond: r.statesPerSecond,
      steps: r.stepsTried,
      keyKind: r.keyKind,
      storeBytesPerState: r.bytesPerState,
      peakHeapGrowthBytesPerState: Math.round(peakGrowth / r.distinctStates),
      peakMemoryMB: Math.round(r.peakMemoryBytes / 2 ** 20),
    },
    null,
    1,
  ),
);

// Times the whole commands a user runs: `meerkat generate` (validate + generate every shipped
// spec) and `meerkat generate --check` (the drift check), as child processes, so start-up cost
// counts. Prints the median of several runs; `--json` prints one line.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const bin = join(root, "bin", "meerkat.mjs");
const runs = Number(process.env["BENCH_RUNS"] ?? 5);
const json = process.argv.includes("--json");

function time(args: string[]): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`meerkat ${args.join(" ")} failed:\n${r.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

const generateMs = time(["generate"]);
const checkMs = time(["generate", "--check"]);
const target = 2000;
if (json) {
  console.log(JSON.stringify({ generateMs: Math.round(generateMs), driftCheckMs: Math.round(checkMs), targetMs: target }));
} else {
  console.log(`generate (validate + generate all shipped specs): ${generateMs.toFixed(0)} ms (median of ${runs}; target < ${target} ms)`);
  console.log(`generate --check (drift check):                    ${checkMs.toFixed(0)} ms (median of ${runs}; target < ${target} ms)`);
}

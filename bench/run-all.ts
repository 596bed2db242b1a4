// `npm run bench`: runs every benchmark script in turn and prints their figures. Each benchmark
// is a plain script (not a timed test); a failing one is reported and the rest still run.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const benches = ["generate", "lifecycle", "explorer", "explore", "runtime", "durable"];
const passThrough = process.argv.slice(2);
let failed = 0;
for (const name of benches) {
  const file = join(root, "bench", `${name}.ts`);
  if (!existsSync(file)) continue;
  console.log(`\n== bench:${name}`);
  const r = spawnSync(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), file, ...passThrough], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`bench:${name} failed (exit ${r.status})`);
  }
}
process.exit(failed === 0 ? 0 : 1);

#!/usr/bin/env node
// Runs vitest, then prints the closing "N passed, N failed" line CI reads.
// Extra arguments are passed through to vitest (for example a file filter).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const outDir = ".tmp";
const outFile = join(outDir, "vitest-report.json");
mkdirSync(outDir, { recursive: true });
rmSync(outFile, { force: true });

const vitest = spawnSync(
  process.execPath,
  ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${outFile}`, ...process.argv.slice(2)],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(outFile, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + countFilesThatFailedToRun(report);
} catch {
  failed = Math.max(1, failed);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);

// A test file that failed to load or crashed has no failed test of its own; count it once.
function countFilesThatFailedToRun(report) {
  return (report.testResults ?? []).filter(
    (r) => r.status === "failed" && !(r.assertionResults ?? []).some((a) => a.status === "failed"),
  ).length;
}

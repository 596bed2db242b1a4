// A small run of the cluster fault campaign (properties/cluster/main.ts) on every CI run: three
// worker processes over their own throwaway PostgreSQL cluster, with SIGKILL, SIGSTOP past the
// lease, a dropped connection and a server restart. The correctness figures must be exactly zero
// whatever the timing; the takeover figures are not asserted (they depend on the machine's load).

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");

describe("cluster fault campaign (small)", () => {
  it("loses, duplicates and wrongly accepts nothing across worker crashes, pauses, dropped connections and a server restart", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "properties", "cluster", "main.ts"), "--json", "--inputs", "300", "--sessions", "20", "--faults", "7"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, MEERKAT_CLUSTER_PG_DIR: join(ROOT, ".tmp", "pg-cluster-test") }, timeout: 200_000 },
    );
    const last = run.stdout.trim().split("\n").pop() ?? "";
    let result: Record<string, unknown>;
    try {
      result = JSON.parse(last) as Record<string, unknown>;
    } catch {
      throw new Error(`the campaign printed no result (exit ${String(run.status)}):\n${run.stdout}\n${run.stderr.slice(-3000)}`);
    }
    expect(result).toMatchObject({ workers: 3, inputs: 300, lost: 0, duplicated: 0, staleWritesAccepted: 0, invariantViolations: 0, unadmitted: 0, refused: 0 });
    expect(result.faults).toBe(7);
    expect((result.faultsByKind as Record<string, number>).pgRestart).toBe(1);
    expect(run.status).toBe(0);
  });
});

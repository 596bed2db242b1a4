// The crash-point test, short version (`npm run crash-test` runs the full campaign): a child runs a
// seeded workload against SQLite and is SIGKILLed right before or after its k-th commit; this
// process recovers from the same file, drains, and checks nothing was lost or consumed twice.

import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleWorkload, runCampaign } from "../properties/crash/campaign.js";
import { readLog } from "../properties/crash/log.js";
import { scenario } from "../properties/crash/scenario.js";
import { verifyAfterCrash } from "../properties/crash/verify.js";
import { SqliteStore } from "../runtime/index.js";
import { tempDir } from "./helpers/paths.js";

describe("crash points", { timeout: 240_000 }, () => {
  it("a sample of crash points: every acknowledged durable input survives and is consumed at most once", async () => {
    const summary = await runCampaign({ seed: 7, workloads: 2, sessions: 3, inputs: 16, maxPoints: 30, workDir: tempDir("crash-") });
    expect(summary.runs).toBe(30);
    expect(summary.failures).toEqual([]);
    expect({ lost: summary.lost, duplicated: summary.duplicated, invariantViolations: summary.invariantViolations }).toEqual({ lost: 0, duplicated: 0, invariantViolations: 0 });
    // The sample exercised real work: acknowledged inputs were checked after recovery.
    expect(summary.acknowledged).toBeGreaterThan(30);
  });

  describe("the checks have teeth", () => {
    let dir: string;
    let bundle: string;
    const plan = scenario(3, { sessions: 2, inputs: 12 });
    const dryRun = (name: string): { db: string; log: string } => {
      const db = join(dir, `${name}.sqlite3`);
      const log = join(dir, `${name}.jsonl`);
      const r = spawnSync(process.execPath, [bundle, "--db", db, "--log", log, "--seed", "3", "--sessions", "2", "--inputs", "12"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return { db, log };
    };
    beforeAll(async () => {
      dir = tempDir("crash-teeth-");
      bundle = await bundleWorkload(join(dir, "bundle"));
    });

    it("an acknowledged input missing from the store is reported lost", async () => {
      const { db, log } = dryRun("lost");
      const acked = readLog(log).find((l) => l.t === "ack" && l.durable);
      expect(acked).toBeDefined();
      const raw = new Database(db);
      raw.prepare("DELETE FROM input_states WHERE input_id = ?").run(acked?.t === "ack" ? acked.i : "");
      raw.close();
      const r = await verifyAfterCrash(plan, db, log, 0, "after");
      expect(r.lost).toEqual([expect.stringContaining("acknowledged but not in the store")]);
    });

    it("an input consumed by two runs is reported duplicated", async () => {
      const { db, log } = dryRun("dup");
      const store = SqliteStore.open(db, { groupCommit: false });
      const consumed = store.loadInputStates("s0").find((r) => r.phase === "Consumed");
      expect(consumed).toBeDefined();
      await store.commitBoundary("s0", "forged-run", [consumed!.inputId], []);
      await store.close();
      const r = await verifyAfterCrash(plan, db, log, 0, "after");
      expect(r.duplicated).toEqual([expect.stringContaining(`${consumed!.inputId}: consumed by 2 runs`)]);
    });
  });
});

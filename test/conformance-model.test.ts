// Model-based conformance (issue #7): fast-check command sequences over the public runtime API and
// the executor's behaviour, compared after every step with the reference model (the generated
// session kernel plus a small model of lanes, waiters, runs and the store), then drained and
// checked for the end-of-run obligations; with restarts over a MemoryStore and a SQLite file.
// The last test reports which spec transitions the runs drove and requires every reachable one.
// A failure prints its seed, path and a one-line replay command.

import { describe, expect, it } from "vitest";
import { MAX_BATCH } from "../runtime/batch.js";
import { Coverage, formatCoverage } from "../properties/conformance/coverage.js";
import { checkProperty, fromEnvironment } from "../properties/conformance/property.js";
import { PROPERTIES } from "../properties/conformance/registry.js";
import { runTours } from "../properties/conformance/tour.js";

const coverage = new Coverage();
const MODEL = PROPERTIES.filter((p) => p.model);
/** The largest batch an executor call got in the runs above (each compared with the model's batch). */
let largestBatch = 0;
const onBatch = (contributors: readonly string[]): void => void (largestBatch = Math.max(largestBatch, contributors.length));

describe("conformance: the runtime obeys the session spec", { timeout: 300_000 }, () => {
  for (const entry of MODEL) {
    it(entry.name, async () => {
      const spec = fromEnvironment({ property: entry.name, testFile: entry.testFile, testName: entry.testName, numRuns: entry.numRuns, seed: entry.seed });
      await checkProperty(spec, await entry.build({ coverage, onBatch, ...(spec.replayPath !== undefined ? { replayPath: spec.replayPath } : {}) }));
    });
  }

  it("batch cap: generated sequences fill a batch to runtime/batch.ts's MAX_BATCH, and the model agrees on every batch", () => {
    expect(MAX_BATCH).toBe(256);
    expect(largestBatch).toBe(MAX_BATCH);
  });

  it("tour: short fixed sequences through the rarely reached transitions", async () => {
    await runTours(coverage);
  });

  it("transition coverage: every session and ops transition reachable through the API was driven", () => {
    const report = coverage.report();
    console.log(formatCoverage(report));
    expect(report.unexpectedlyHit).toEqual([]);
    expect(report.missedReachable).toEqual([]);
    expect(report.ops.notHit).toEqual([]);
  });
});

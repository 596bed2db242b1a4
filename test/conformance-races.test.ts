// Races (issue #7 item 2): fast-check's scheduler interleaves executor steps (work, boundaries,
// completions, failures, hangs) with accepts, cancels, interrupts, stops, retires, destroys, resets
// and wakes in every order it finds. A cancel is never lost, every error is typed, and after
// draining every waiter was resolved exactly once and every accepted input has exactly one terminal
// outcome (properties/conformance/races.ts).

import { describe, it } from "vitest";
import { checkProperty, fromEnvironment } from "../properties/conformance/property.js";
import { propertyEntry } from "../properties/conformance/registry.js";

describe("conformance: races", { timeout: 300_000 }, () => {
  it("races", async () => {
    const entry = propertyEntry("races");
    await checkProperty(fromEnvironment({ property: entry.name, testFile: entry.testFile, testName: entry.testName, numRuns: entry.numRuns, seed: entry.seed }), await entry.build());
  });
});

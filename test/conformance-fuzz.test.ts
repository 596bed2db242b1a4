// Fuzzing (issue #7 item 5): hostile and malformed values at every public entry point in random
// call orders — zero unhandled rejections, every error typed, state unchanged after every refused
// call, invariants intact (properties/conformance/fuzz.ts). Values that violate the TypeScript
// signatures or the spec's number domains are open bugs (test/conformance-known-bugs.test.ts).

import { describe, it } from "vitest";
import { checkProperty, fromEnvironment } from "../properties/conformance/property.js";
import { propertyEntry } from "../properties/conformance/registry.js";

describe("conformance: fuzzing the public API", { timeout: 300_000 }, () => {
  for (const name of ["fuzz", "fuzz-store"]) {
    it(name, async () => {
      const entry = propertyEntry(name);
      await checkProperty(fromEnvironment({ property: entry.name, testFile: entry.testFile, testName: entry.testName, numRuns: entry.numRuns, seed: entry.seed }), await entry.build());
    });
  }
});

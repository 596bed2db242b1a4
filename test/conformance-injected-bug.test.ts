// Acceptance (issue #7): deliberately injected runtime bugs are caught by the properties, shrunk to a
// short counterexample that is printed with its seed, path and replay command, and the printed
// replay reproduces it.

import { afterEach, describe, expect, it } from "vitest";
import { CompletionRegistry } from "../runtime/completion.js";
import { NotReadyError } from "../runtime/index.js";
import { checkProperty, PropertyFailure } from "../properties/conformance/property.js";
import { propertyEntry } from "../properties/conformance/registry.js";
import { replay } from "../properties/conformance/replay.js";

const originalResolve = CompletionRegistry.prototype.resolve;

afterEach(() => {
  CompletionRegistry.prototype.resolve = originalResolve;
});

async function caught(property: string, build: Parameters<ReturnType<typeof propertyEntry>["build"]>[0] = {}): Promise<PropertyFailure> {
  const entry = propertyEntry(property);
  try {
    await checkProperty({ property, testFile: entry.testFile, testName: entry.testName, numRuns: entry.numRuns, seed: entry.seed }, await entry.build(build));
  } catch (e) {
    if (e instanceof PropertyFailure) return e;
    throw e;
  }
  throw new Error(`property ${property} did not catch the injected bug`);
}

describe("injected runtime bugs are caught with a shrunk counterexample", { timeout: 300_000 }, () => {
  it("reset forgets to resolve the waiters of the inputs it abandons", async () => {
    // The bug: CompletionRegistry.resolve drops the "runtime reset" outcome (waiters stay pending).
    CompletionRegistry.prototype.resolve = function (input, outcome) {
      if (outcome.kind === "RuntimeTerminated" && outcome.reason === "runtime reset") return 0;
      return originalResolve.call(this, input, outcome);
    };
    const failure = await caught("model-ephemeral");
    console.log(failure.message);
    expect(failure.message).toMatch(/seed: 7001/);
    expect(failure.message).toMatch(/path: \d+(:\d+)*/);
    expect(failure.message).toMatch(/replay: npx tsx properties\/conformance\/replay\.ts --property model-ephemeral --seed 7001 --path /);
    expect(failure.message).toMatch(/reset/);
    // Shrunk to a handful of steps: a registered idle session, an input with a completion waiter, the reset.
    expect(failure.numSteps).toBeLessThanOrEqual(8);
    // The printed replay reproduces it.
    const again = await replay({ property: "model-ephemeral", seed: failure.seed, path: failure.path ?? undefined, replayPath: /replayPath="([^"]*)"/.exec(failure.counterexample)?.[1] });
    expect(again.failed).toBe(true);
    expect(again.report).toContain(failure.counterexample);
  });

  it("a cancel-after-boundary that reports success without reaching the run (races)", async () => {
    // The bug: cancelAfterBoundary answers with the current run id but never tells the run.
    const failure = await caught("races", {
      patch: (rt) => {
        rt.cancelAfterBoundary = async (sid) => {
          const run = rt.machineState(sid).currentRun;
          if (run === null) throw new NotReadyError(sid, rt.snapshot(sid).visiblePhase, "cancelAfterBoundary (no run in flight)");
          return run;
        };
      },
    });
    console.log(failure.message);
    expect(failure.message).toMatch(/cancel lost/);
    expect(failure.message).toMatch(/replay: npx tsx properties\/conformance\/replay\.ts --property races --seed 7101/);
  });
});

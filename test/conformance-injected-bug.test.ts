// Acceptance (issue #7): deliberately injected runtime bugs are caught by the properties, shrunk to a
// short counterexample that is printed with its seed, path and replay command, and the printed
// replay reproduces it.

import { afterEach, describe, expect, it } from "vitest";
import { CompletionRegistry } from "../runtime/completion.js";
import { NotReadyError, type ControlPlane, type Input } from "../runtime/index.js";
import { InputLedger } from "../runtime/ledger.js";
import { checkProperty, PropertyFailure } from "../properties/conformance/property.js";
import { propertyEntry } from "../properties/conformance/registry.js";
import { replay } from "../properties/conformance/replay.js";

const originalResolve = CompletionRegistry.prototype.resolve;
const originalLookupKey = InputLedger.prototype.lookupKey;

afterEach(() => {
  CompletionRegistry.prototype.resolve = originalResolve;
  InputLedger.prototype.lookupKey = originalLookupKey;
});

/** A Steer handling mode the runtime loses on the way to the policy: the input lands in the queue lane. */
function loseSteer(rt: ControlPlane): void {
  const drop = (raw: unknown): unknown => {
    const input = raw as Input;
    if (input?.header?.handlingMode !== "Steer") return raw;
    const { handlingMode: _, ...header } = input.header;
    return { ...input, header };
  };
  const plain = rt.acceptInput.bind(rt);
  const completion = rt.acceptInputWithCompletion.bind(rt);
  const withoutWake = rt.acceptInputWithoutWake.bind(rt);
  rt.acceptInput = (sid, raw) => plain(sid, drop(raw));
  rt.acceptInputWithCompletion = (sid, raw) => completion(sid, drop(raw));
  rt.acceptInputWithoutWake = (sid, raw) => withoutWake(sid, drop(raw));
}

/** A binding whose fence is older than the session's newest is taken as the newest one. */
function acceptStaleFence(rt: ControlPlane): void {
  const bind = rt.prepareBindings.bind(rt);
  rt.prepareBindings = (sid, b) => {
    const newest = rt.sessionIds().includes(sid) ? (rt.machineState(sid).highestFence ?? 0) : 0;
    return bind(sid, typeof b?.fence === "number" ? { ...b, fence: Math.max(b.fence, newest) } : b);
  };
}

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

  // One injected bug per class (issue #11 item 5): each must fail model-ephemeral and shrink to a
  // handful of steps (the counted steps include the drain the obligations run at the end).
  const CLASSES: readonly { name: string; inject: () => ((rt: ControlPlane) => void) | undefined; maxSteps: number; shows: RegExp }[] = [
    {
      name: "lost waiter: a completion that ends without a result is never delivered",
      inject: () => {
        CompletionRegistry.prototype.resolve = function (input, outcome) {
          return outcome.kind === "CompletedWithoutResult" ? 0 : originalResolve.call(this, input, outcome);
        };
        return undefined;
      },
      maxSteps: 6,
      shows: /waiters/,
    },
    {
      name: "double consume: a terminal input's idempotency key is forgotten, so its retry is consumed again",
      inject: () => {
        InputLedger.prototype.lookupKey = function (key) {
          const found = originalLookupKey.call(this, key);
          return found.found && !found.live ? { found: false } : found;
        };
        return undefined;
      },
      maxSteps: 6,
      shows: /Deduplicated/,
    },
    { name: "wrong lane: a Steer input is queued", inject: () => loseSteer, maxSteps: 4, shows: /steer|queue|lane/ },
    { name: "stale fence accepted: a binding under an older fence is taken", inject: () => acceptStaleFence, maxSteps: 4, shows: /FenceRejected/ },
  ];
  for (const c of CLASSES) {
    it(c.name, async () => {
      const patch = c.inject();
      const failure = await caught("model-ephemeral", patch === undefined ? {} : { patch });
      console.log(`${c.name}: shrunk to ${failure.numSteps} steps\n${failure.message}`);
      expect(failure.message).toMatch(c.shows);
      expect(failure.numSteps).not.toBeNull();
      expect(failure.numSteps!).toBeLessThanOrEqual(c.maxSteps);
    });
  }

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

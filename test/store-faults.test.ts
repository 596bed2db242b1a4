// The store-fault injection property of issue #19 (properties/crash/store-faults.ts): across
// generated conformance command sequences, every store write is failed in turn; each run must end
// consistent and terminal (or halted with every waiter settled) and lose nothing acknowledged.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ControlPlane } from "../runtime/index.js";
import { runWithStoreFault, storeFaultProperty, type FaultRun } from "../properties/crash/store-faults.js";
import type { Step } from "../properties/conformance/steps.js";

const prompt = (id: string): Step => ({ op: "accept", s: 0, mode: "completion", input: { kind: "prompt", id, durability: "Durable", source: "natural" } });
const runOne: readonly Step[] = [{ op: "bindLocal", s: 0 }, prompt("p1"), prompt("p2"), { op: "complete", call: 0, output: "result" }, { op: "stop", s: 0 }];

describe("store-fault injection across the conformance sequences", () => {
  it("every single failed store write leaves a consistent, terminal or halted runtime with nothing acknowledged lost", { timeout: 60_000 }, async () => {
    const runs: FaultRun[] = [];
    await fc.assert(storeFaultProperty({ seed: 19, numRuns: 400, maxSteps: 40, budgetMs: 15_000, onRun: (r) => runs.push(r) }), { seed: 19, numRuns: 400, endOnFailure: true });
    const faulted = runs.filter((r) => r.failedWrite !== null);
    // The campaign really failed writes (a property that injects nothing proves nothing).
    expect(faulted.length).toBeGreaterThan(300);
    expect(runs.every((r) => r.problems.length === 0)).toBe(true);
  });

  it("a fixed run: each of its writes failed in turn keeps the contract", async () => {
    const clean = await runWithStoreFault(["s1", "s2"], runOne, null);
    expect(clean.problems).toEqual([]);
    expect(clean.writes).toBeGreaterThanOrEqual(6);
    for (let k = 1; k <= clean.writes; k++) expect((await runWithStoreFault(["s1", "s2"], runOne, k, clean)).problems).toEqual([]);
  });

  it("the contract has teeth: a runtime that loses a completion waiter is reported", async () => {
    // Injected bug: completions handed to callers never settle.
    const loseWaiters = (rt: ControlPlane): void => {
      const accept = rt.acceptInputWithCompletion.bind(rt);
      rt.acceptInputWithCompletion = async (...args: Parameters<ControlPlane["acceptInputWithCompletion"]>) => {
        const r = await accept(...args);
        return r.completion === undefined ? r : { ...r, completion: new Promise<never>(() => {}) };
      };
    };
    const run = await runWithStoreFault(["s1", "s2"], runOne, null, null, loseWaiters);
    expect(run.problems.join("\n")).toMatch(/waiter \d+ of input "p1" \(session "s1"\) never settled and its input is not live/);
  });
});

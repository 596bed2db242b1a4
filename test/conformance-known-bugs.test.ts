// Runtime bugs found by the conformance properties, all fixed: each test states the fixed behaviour on
// the shrunk counterexample and guards against regressions. The model expects the fixed behaviour
// only (it imitates no bug); a newly found bug gets an `it.fails` test here until it is fixed.

import { describe, expect, it } from "vitest";
import { createRuntime, RuntimeError } from "../runtime/index.js";
import { inputs, ScriptedExecutor, flush } from "../testing/index.js";
import { checkProperty, runSteps } from "../properties/conformance/property.js";
import { propertyEntry } from "../properties/conformance/registry.js";
import { memoryStore } from "../properties/conformance/stores.js";
import type { Step } from "../properties/conformance/steps.js";


function runtime() {
  const exec = new ScriptedExecutor();
  return { exec, rt: createRuntime({ executor: exec, limits: { retryBackoffMs: 0 } }) };
}

describe("runtime bugs found by the properties (fixed; regression tests)", { timeout: 120_000 }, () => {
  it("dedup-joins-reused-input-id: a duplicate of a terminal input's key must not join an unrelated input that reused its id", async () => {
    // Shrunk counterexample of model-ephemeral (seed 7001):
    //   register s2; accept operation "ü-🦀" key k1 (consumed on accept); accept continuation "ü-🦀" (no key);
    //   acceptWithCompletion external_event "i1" key k1 → expected Deduplicated without completion.
    const { rt } = runtime();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.operation("x", { idempotencyKey: "k1" }));
    await rt.acceptInput("s", inputs.continuation("x"));
    const r = await rt.acceptInputWithCompletion("s", inputs.external("i1", { idempotencyKey: "k1" }));
    expect(r).toMatchObject({ outcome: "Deduplicated", existingId: "x" });
    expect(r.completion).toBeUndefined();
  });

  it("dedup-joins-reused-input-id: the same counterexample through the model (model expects the fix)", async () => {
    const steps: Step[] = [
      { op: "register", s: 0 },
      { op: "accept", s: 0, mode: "plain", input: { kind: "operation", id: "ü-🦀", durability: "Derived", source: "natural", idempotencyKey: "k1" } },
      { op: "accept", s: 0, mode: "plain", input: { kind: "continuation", id: "ü-🦀", durability: "Durable", source: "Operator" } },
      { op: "accept", s: 0, mode: "completion", input: { kind: "external_event", id: "i1", durability: "Durable", source: "natural", idempotencyKey: "k1" } },
    ];
    await runSteps(["s1", "s2"], steps);
  });

  it("refused-bind-registers: a refused binding leaves an unregistered session unregistered", async () => {
    // Shrunk counterexample of fuzz (seed 7201): prepareBindings s2 {fence 0}; unregisterSession s2;
    // prepareBindings s2 {runtime "s1", fence 0} → FenceRejected, yet registered became true.
    const { rt } = runtime();
    await rt.prepareBindings("s", { runtimeId: "rt-a", fence: 3, generation: 0 });
    await rt.unregisterSession("s");
    await expect(rt.prepareBindings("s", { runtimeId: "rt-a", fence: 1, generation: 0 })).rejects.toMatchObject({ code: "FenceRejected" });
    expect(rt.snapshot("s").registered).toBe(false);
  });

  it("binding-values-unchecked: fences and generations outside the spec's domains are refused with a typed error", async () => {
    const { rt } = runtime();
    for (const binding of [
      { runtimeId: "rt-a", fence: -5, generation: 0 },
      { runtimeId: "rt-a", fence: 1.5, generation: 0 },
      { runtimeId: "rt-a", fence: 0, generation: 2 ** 31 },
      { runtimeId: "rt-a", fence: Number.NaN, generation: 0 },
    ]) {
      await expect(rt.prepareBindings("s", binding)).rejects.toBeInstanceOf(RuntimeError);
      expect(rt.hasSession("s")).toBe(false);
    }
  });

  it("binding-values-unchecked: the fuzz property over out-of-domain numbers", async () => {
    const entry = propertyEntry("fuzz-out-of-domain");
    await checkProperty({ property: entry.name, numRuns: entry.numRuns, seed: entry.seed }, await entry.build());
  });

  it("untyped-errors-on-ill-typed-arguments: arguments that break the signature get a typed error, and change nothing", async () => {
    const { rt } = runtime();
    await rt.registerSession("s");
    await expect(rt.destroy("s", null as never)).rejects.toBeInstanceOf(RuntimeError);
    await expect(rt.prepareBindings("s", null as never)).rejects.toBeInstanceOf(RuntimeError);
    await expect(rt.setSilentIntents("s", null as never)).rejects.toBeInstanceOf(RuntimeError);
    await expect(rt.setSilentIntents("s", "abc" as never)).rejects.toBeInstanceOf(RuntimeError);
    expect(() => rt.ops("s").register({ id: "o1", kind: "Nope" as never })).toThrow(RuntimeError);
  });

  it("untyped-errors-on-ill-typed-arguments: the fuzz property over ill-typed arguments", async () => {
    const entry = propertyEntry("fuzz-ill-typed");
    await checkProperty({ property: entry.name, numRuns: entry.numRuns, seed: entry.seed }, await entry.build());
  });

  it("destroyed-session-forgotten: a refused registration establishes the destroyed session, so a later refused bind keeps it", async () => {
    // Shrunk counterexample of model-memory-restart (seed 7002, found in session 6): bindLocal s1; destroy s1;
    // restart; register s1 (SessionDestroyed, recovered as destroyed); bind s1 → SessionDestroyed, and s1 was gone.
    await runSteps(["s1", "s2"], [
      { op: "bindLocal", s: 0 },
      { op: "destroy", s: 0, fence: "none" },
      { op: "restart" },
      { op: "register", s: 0 },
      { op: "bind", s: 0, bind: { runtime: "rt-a", fenceDelta: 1, generationDelta: 0 } },
    ], { store: memoryStore });
  });

  it("close-keeps-loop-running: after close() no new executor call starts", async () => {
    const { rt, exec } = runtime();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.prompt("p2"));
    const first = await exec.next();
    // A real executor rejects once its run is aborted.
    first.ctx.signal.addEventListener("abort", () => first.fail(first.ctx.signal.reason));
    await rt.close();
    await flush(10);
    expect(exec.calls.map((c) => c.primitive.contributors)).toEqual([["p1"]]);
  });
});

// A failed run's inputs go back to their lane and are retried after a backoff (doubling per attempt
// used), without needing another input to wake the loop, and never more than three times.

import { describe, expect, it, vi } from "vitest";
import { createRuntime } from "../runtime/index.js";
import { inputs, ScriptedExecutor } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("retry after failure", { timeout: 10_000 }, () => {
  it("retries on its own after the backoff, doubling it, and abandons after the third attempt", async () => {
    const exec = new ScriptedExecutor(() => new Error("model unavailable"));
    const rt = createRuntime({ executor: exec, limits: { retryBackoffMs: 20 }, store: testStore() });
    await rt.prepareLocalSessionBindings("s");
    const accepted = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    const started = Date.now();
    const outcome = await accepted.completion;
    const elapsed = Date.now() - started;
    expect(exec.calls).toHaveLength(3);
    expect(outcome).toMatchObject({ kind: "Abandoned", reason: expect.stringContaining("max attempts exhausted") });
    // Backoffs of 20 ms then 40 ms came between the three attempts.
    expect(elapsed).toBeGreaterThanOrEqual(55);
  });

  it("with a zero backoff a failed batch waits for the next wake (no hot spin)", async () => {
    // Waits for events, never for a fixed time to pass: under load a sleep can end before the
    // runtime had its turn (this test used to expect the retry within 20 ms of the wake).
    const attempted: Array<() => void> = [];
    const attempt = (n: number) => new Promise<void>((resolve) => (attempted[n] = resolve));
    const first = attempt(1);
    const second = attempt(2);
    const exec = new ScriptedExecutor(() => {
      attempted[exec.calls.length]?.();
      return new Error("model unavailable");
    });
    const rt = createRuntime({ executor: exec, limits: { retryBackoffMs: 0 }, store: testStore() });
    await rt.prepareLocalSessionBindings("s");
    const requeued = new Promise<void>((resolve) => {
      const off = rt.on((e) => {
        if (e.type === "input.queued" && e.requeued) {
          off();
          resolve();
        }
      });
    });
    await rt.acceptInput("s", inputs.prompt("p1"));
    await first;
    await requeued;
    // Time for a hot spin to show itself; a slow machine can only make fewer calls, not more.
    await sleep(50);
    expect(exec.calls).toHaveLength(1);
    rt.wake("s");
    await second;
    expect(exec.calls).toHaveLength(2);
  });
});

// A failed run's inputs go back to their lane and are retried after a backoff (doubling per attempt
// used), without needing another input to wake the loop, and never more than three times.

import { describe, expect, it, vi } from "vitest";
import { createRuntime } from "../runtime/index.js";
import { inputs, ScriptedExecutor } from "../runtime/testing.js";
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
    const exec = new ScriptedExecutor(() => new Error("model unavailable"));
    const rt = createRuntime({ executor: exec, limits: { retryBackoffMs: 0 }, store: testStore() });
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await sleep(50);
    expect(exec.calls).toHaveLength(1);
    rt.wake("s");
    // The second attempt is waited for, not timed: the store may be a remote database.
    await vi.waitFor(() => expect(exec.calls).toHaveLength(2), { timeout: 10_000 });
  });
});

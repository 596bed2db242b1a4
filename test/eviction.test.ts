// An evicted session copy (another process owns the session now) never writes again: a run that
// ends after the eviction, and the halt that follows its refused write, reach no store.

import { describe, expect, it } from "vitest";
import { createRuntime } from "../runtime/index.js";
import { MemoryStore } from "../runtime/store.js";
import { FaultyStore, ScriptedExecutor, flush, inputs } from "../testing/index.js";

describe("an evicted session copy", () => {
  it("writes nothing after the eviction, even when its run finishes later", async () => {
    const store = new FaultyStore(new MemoryStore());
    const exec = new ScriptedExecutor();
    const rt = createRuntime({ executor: exec, store });
    await rt.prepareLocalSessionBindings("s");
    const accepted = await rt.acceptInputWithCompletion("s", inputs.prompt("i1"));
    const run = await exec.next();
    const before = store.writes;
    const codes: string[] = [];
    rt.on((e) => {
      if (e.type === "runtime.error") codes.push(e.code);
    });

    const evicted = rt.evictSession("s"); // the run is allowed to finish
    run.complete();
    await evicted;
    await flush();

    expect(store.writes).toBe(before); // no Commit, no halt, no ops snapshot reached the store
    expect(rt.hasSession("s")).toBe(false);
    // The caller's waiter is settled (terminated), not left hanging.
    await expect(accepted.completion).resolves.toMatchObject({ kind: "RuntimeTerminated" });
    // The stored rows are what they were before the eviction: the input is still live there.
    const rows = await store.inner.loadInputStates("s");
    expect(rows.map((r) => [r.inputId, r.phase])).toEqual([["i1", "Staged"]]);
    expect(codes.every((c) => c === "SessionHalted" || c === "StoreFailed")).toBe(true);
    await rt.close();
  });
});

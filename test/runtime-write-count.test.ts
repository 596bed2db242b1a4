// How many store writes one durable input costs, and that the run's boundary and its commit are one
// atomic write: the receipt and the Consumed row land together or not at all.

import { describe, expect, it } from "vitest";
import { createRuntime, MemoryStore } from "../runtime/index.js";
import { FaultyStore, inputs, ScriptedExecutor, type StoreWrite } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

function recorded() {
  // Over the store of the vitest project (SQLite, PostgreSQL) or a MemoryStore.
  const store = new FaultyStore(testStore() ?? new MemoryStore());
  const log: StoreWrite[] = [];
  store.failWhen = (w) => {
    log.push(w);
    return false;
  };
  return { store, log };
}

describe("store writes per durable input", () => {
  it("costs three writes: admitted (Queued), staged (its attempt), boundary + commit (receipt and Consumed)", async () => {
    const { store, log } = recorded();
    const rt = createRuntime({ executor: { apply: async () => ({}) }, store });
    await rt.prepareLocalSessionBindings("s");
    log.length = 0;
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    expect(await r.completion).toEqual({ kind: "CompletedWithoutResult" });
    expect(log.map((w) => [w.method, w.rows.map((row) => row.phase).join(",")])).toEqual([
      ["persistInputState", "Queued"],
      ["atomicLifecycleCommit", "Staged"],
      ["commitBoundary", "Consumed"],
    ]);
    expect(log[2]!.phase).toBe("Idle");
    const receipts = await store.inner.loadBoundaryReceipts("s");
    expect(receipts.map((x) => x.contributors)).toEqual([["p1"]]);
  });

  it("a failed boundary + commit write leaves neither the receipt nor Consumed, and the input runs again", async () => {
    const { store } = recorded();
    const exec = new ScriptedExecutor();
    const rt = createRuntime({ executor: exec, store, limits: { retryBackoffMs: 1 } });
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    let failed = false;
    store.failWhen = (w) => {
      if (failed || w.method !== "commitBoundary") return false;
      failed = true;
      return true;
    };
    (await exec.next()).complete();
    // The retry (after a 1 ms backoff) runs the input again; the failed write was the combined one.
    const second = await exec.next();
    expect(store.failed.map((w) => w.method)).toEqual(["commitBoundary"]);
    expect(await store.inner.loadBoundaryReceipts("s")).toEqual([]);
    second.complete();
    expect(await r.completion).toEqual({ kind: "CompletedWithoutResult" });
    const rows = await store.inner.loadInputStates("s");
    expect(rows.map((row) => [row.inputId, row.phase, row.attempts])).toEqual([["p1", "Consumed", 2]]);
    expect((await store.inner.loadBoundaryReceipts("s")).map((x) => x.contributors)).toEqual([["p1"]]);
  });
});

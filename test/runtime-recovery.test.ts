// Recovery from the store (reference §9.3): a new runtime over the same store rebuilds each session
// through the machine when it first meets it. A restart here is a second runtime over the first
// one's store, after the first is closed (its in-flight runs are lost, as in a crash).

import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { createRuntime, MemoryStore, RecoveryCorruptionError, SessionDestroyedError, SqliteStore, StoreCorruptRowError, type RuntimeStore, type StoredInputRow } from "../runtime/index.js";
import { tempDir } from "./helpers/paths.js";
import { flush, inputs, ScriptedExecutor, scriptedRuntime } from "../testing/index.js";

async function crashAfter(store: RuntimeStore, work: (h: ReturnType<typeof scriptedRuntime>) => Promise<void>): Promise<void> {
  const h = scriptedRuntime(store);
  await work(h);
  await h.rt.close();
}

function rowsById(store: MemoryStore, sid: string): Record<string, StoredInputRow> {
  return Object.fromEntries(store.loadInputStates(sid).map((r) => [r.inputId, r]));
}

describe("recovery", { timeout: 10_000 }, () => {
  it("durable queued inputs survive a restart and run once a loop is bound; ephemeral ones are never stored", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("d1"));
      await rt.acceptInput("s", inputs.prompt("e1", "x", { durability: "Ephemeral" }));
      await rt.acceptInput("s", inputs.prompt("d2"));
    });
    const { rt, exec } = scriptedRuntime(store);
    await rt.registerSession("s");
    expect(rt.recoveryReport("s")).toMatchObject({ inputsRecovered: 2, inputsRequeued: 0, inputsDropped: 0 });
    expect(rt.snapshot("s").lanes.queue).toEqual(["d1", "d2"]);
    await rt.prepareLocalSessionBindings("s");
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["d1"]);
    run.complete();
    (await exec.next()).complete();
    await flush();
    expect(rowsById(store, "s")).toMatchObject({ d1: { phase: "Consumed" }, d2: { phase: "Consumed" } });
    expect(rowsById(store, "s")["e1"]).toBeUndefined();
  });

  it("a run that crashed before its boundary is re-queued keeping its attempts", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt, exec }) => {
      await rt.prepareLocalSessionBindings("s");
      await rt.acceptInput("s", inputs.prompt("p1"));
      await exec.next(); // staged and stored as Staged with attempts 1; never settled
    });
    expect(rowsById(store, "s")["p1"]).toMatchObject({ phase: "Staged", attempts: 1 });
    const { rt, exec, events } = scriptedRuntime(store);
    await rt.prepareLocalSessionBindings("s");
    expect(rt.recoveryReport("s")).toMatchObject({ inputsRequeued: 1, details: [{ inputId: "p1", stored: "Staged", recoveredAs: "Requeued" }] });
    const run = await exec.next();
    expect(rt.snapshot("s").inputs).toMatchObject([{ id: "p1", phase: "Staged", attempts: 2 }]);
    run.complete();
    await flush();
    expect(rowsById(store, "s")["p1"]).toMatchObject({ phase: "Consumed", attempts: 2 });
    expect(events.some((e) => e.type === "runtime.recovered")).toBe(true);
  });

  it("an input that crashed the process on its third attempt is abandoned, not run a fourth time", async () => {
    const store = new MemoryStore();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await crashAfter(store, async ({ rt, exec }) => {
        if (attempt === 1) {
          await rt.prepareLocalSessionBindings("s");
          await rt.acceptInput("s", inputs.prompt("poison"));
        } else await rt.prepareLocalSessionBindings("s");
        await exec.next();
      });
      expect(rowsById(store, "s")["poison"]).toMatchObject({ phase: "Staged", attempts: attempt });
    }
    const { rt, exec } = scriptedRuntime(store);
    await rt.prepareLocalSessionBindings("s");
    expect(rt.recoveryReport("s")).toMatchObject({ inputsAbandoned: 1, details: [{ inputId: "poison", recoveredAs: "Abandoned" }] });
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(rowsById(store, "s")["poison"]).toMatchObject({ phase: "Abandoned", terminal: { kind: "Abandoned", reason: "MaxAttemptsExhausted" } });
  });

  it("an applied input whose boundary receipt exists is consumed, not re-run", async () => {
    const store = new MemoryStore();
    // A receipt committed, then the crash came before the run's end commit.
    const row: StoredInputRow = {
      inputId: "p1",
      kind: "prompt",
      durability: "Durable",
      phase: "AppliedPendingConsumption",
      lane: "Queue",
      attempts: 1,
      lastRunId: "old-run",
      terminal: null,
      idempotencyKey: "k1",
      input: inputs.prompt("p1", "hello", { idempotencyKey: "k1" }),
      decision: await decisionOf(),
      updatedAt: 1,
    };
    store.persistInputState("s", { ...row, phase: "Queued", lastRunId: null });
    store.commitBoundary("s", "old-run", ["p1"], [row]);
    store.persistInputState("s", { ...row, inputId: "p2", input: inputs.prompt("p2"), idempotencyKey: null, phase: "Applied", lastRunId: "other-run" });
    const { rt, exec } = scriptedRuntime(store);
    await rt.prepareLocalSessionBindings("s");
    expect(rt.recoveryReport("s")).toMatchObject({ inputsConsumed: 1, inputsRequeued: 1 });
    expect(rowsById(store, "s")["p1"]).toMatchObject({ phase: "Consumed", terminal: { kind: "Consumed", runId: "old-run" } });
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["p2"]);
    run.complete();
    // The consumed input's key still deduplicates a retried submission.
    const again = await rt.acceptInput("s", inputs.prompt("p1-retry", "hello", { idempotencyKey: "k1" }));
    expect(again).toMatchObject({ outcome: "Deduplicated", existingId: "p1" });
  });

  it("consumes a committed input through the machine (RecoverCommittedInput, then Archive), not by writing the row alone", async () => {
    const store = new MemoryStore();
    const row: StoredInputRow = {
      inputId: "c1",
      kind: "prompt",
      durability: "Durable",
      phase: "Applied",
      lane: "Queue",
      attempts: 1,
      lastRunId: "old-run",
      terminal: null,
      idempotencyKey: null,
      input: inputs.prompt("c1"),
      decision: await decisionOf(),
      updatedAt: 1,
    };
    store.persistInputState("s", { ...row, phase: "Queued", lastRunId: null });
    store.commitBoundary("s", "old-run", ["c1"], [row]);
    const fired: string[] = [];
    const rt = createRuntime({ executor: new ScriptedExecutor(), store, observer: { sessionTransition: (_sid, name) => void fired.push(name) } });
    await rt.registerSession("s");
    expect(fired.slice(0, 2)).toEqual(["RecoverCommittedInput", "Archive"]);
    expect(rt.recoveryReport("s")).toMatchObject({ inputsConsumed: 1, inputsRecovered: 0 });
    expect(rowsById(store, "s")["c1"]).toMatchObject({ phase: "Consumed", terminal: { kind: "Consumed", runId: "old-run" } });
  });

  it("retired, stopped and destroyed phases are replayed through the machine; a destroyed session is never resurrected", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      for (const s of ["r", "t", "d"]) await rt.registerSession(s);
      await rt.acceptInput("r", inputs.prompt("r1"));
      await rt.retire("r");
      await rt.stopRuntimeExecutor("t");
      await rt.destroy("d");
    });
    const { rt } = scriptedRuntime(store);
    await rt.registerSession("r");
    await rt.registerSession("t");
    expect(rt.snapshot("r").phase).toBe("Retired");
    expect(rt.snapshot("t").phase).toBe("Stopped");
    await expect(rt.registerSession("d")).rejects.toBeInstanceOf(SessionDestroyedError);
    const report = await rt.recover("d").catch((e: unknown) => e);
    expect(report).toBeInstanceOf(SessionDestroyedError);
    await expect(rt.prepareLocalSessionBindings("d")).rejects.toBeInstanceOf(SessionDestroyedError);
    expect(store.loadRuntimeState("d")).toBe("Destroyed");
  });

  it("recover() on a session the runtime has not met rebuilds it from the store and reports it", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("a"));
    });
    const { rt } = scriptedRuntime(store);
    const report = await rt.recover("s");
    expect(report).toMatchObject({ inputsRecovered: 1, details: [{ inputId: "a", stored: "Queued", recoveredAs: "Queued" }] });
    expect(rt.snapshot("s")).toMatchObject({ phase: "Idle", registered: true, lanes: { queue: ["a"] } });
  });

  it("fails closed on a corrupt row, naming it; nothing is recovered, stored or left behind", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("good"));
      await rt.acceptInput("s", inputs.prompt("bad"));
    });
    const bad = rowsById(store, "s")["bad"]!;
    store.persistInputState("s", { ...bad, input: { kind: "prompt", header: { id: "bad" } } as never });
    const before = JSON.stringify(store.loadInputStates("s"));
    const { rt } = scriptedRuntime(store);
    const err = await rt.registerSession("s").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecoveryCorruptionError);
    expect(err).toMatchObject({ code: "RecoveryCorruption", sessionId: "s", inputId: "bad" });
    expect((err as Error).message).toContain("stored row \"bad\"");
    expect(rt.hasSession("s")).toBe(false);
    expect(JSON.stringify(store.loadInputStates("s"))).toBe(before);
  });

  it("a destroyed session with live rows is store corruption", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("a"));
    });
    store.atomicLifecycleCommit("s", "Destroyed", []);
    const { rt } = scriptedRuntime(store);
    await expect(rt.registerSession("s")).rejects.toMatchObject({ code: "RecoveryCorruption", message: expect.stringContaining("Destroyed") });
  });
});

describe("fencing across restarts", () => {
  it("the newest fence survives a restart: an older one stays refused, the same runtime may rebind", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.prepareBindings("s", { runtimeId: "rt-a", fence: 1, generation: 0 });
      await rt.prepareBindings("s", { runtimeId: "rt-b", fence: 5, generation: 2 });
    });
    const { rt } = scriptedRuntime(store);
    await expect(rt.prepareBindings("s", { runtimeId: "rt-a", fence: 4, generation: 2 })).rejects.toMatchObject({ code: "FenceRejected" });
    const bound = await rt.prepareBindings("s", { runtimeId: "rt-b", fence: 5, generation: 2 });
    expect(bound).toMatchObject({ runtimeId: "rt-b", fence: 5, generation: 2 });
    expect(rt.recoveryReport("s")).toMatchObject({ binding: { runtimeId: "rt-b", fence: 5, generation: 2 } });
  });

  it("over SQLite too, and local bindings keep working after a restart", async () => {
    const file = `${tempDir("fence-sqlite")}/db.sqlite3`;
    const first = SqliteStore.open(file);
    await crashAfter(first, async ({ rt }) => {
      await rt.prepareBindings("m", { runtimeId: "rt-a", fence: 3, generation: 1 });
      await rt.prepareLocalSessionBindings("local");
    });
    await first.close();
    const again = SqliteStore.open(file);
    const { rt } = scriptedRuntime(again);
    await expect(rt.prepareBindings("m", { runtimeId: "rt-z", fence: 2, generation: 1 })).rejects.toMatchObject({ code: "FenceRejected" });
    await expect(rt.prepareLocalSessionBindings("local")).resolves.toMatchObject({ fence: 0 });
    await again.close();
  });
});

describe("ops registry recovery", () => {
  it("the completion feed and its sequence survive a restart; ops live at the crash end as Terminated", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      const ops = rt.ops("s");
      ops.register({ id: "done", kind: "BackgroundToolOp", displayName: "indexing" });
      ops.start("done");
      ops.complete("done", { files: 3 });
      ops.register({ id: "live", kind: "BackgroundToolOp" });
      ops.start("live");
    });
    const { rt } = scriptedRuntime(store);
    await rt.registerSession("s");
    const feed = rt.ops("s").completions();
    expect(feed.map((e) => [e.seq, e.opId, e.outcome.status])).toEqual([
      [1, "done", "Completed"],
      [2, "live", "Terminated"],
    ]);
    expect(feed[0]).toMatchObject({ displayName: "indexing", outcome: { result: { files: 3 } } });
    expect(rt.ops("s").completions(1).map((e) => e.opId)).toEqual(["live"]);
  });

  it("a malformed ops snapshot fails recovery closed", async () => {
    const store = new MemoryStore();
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("a"));
    });
    store.persistOpsSnapshot("s", { version: 99 });
    const { rt } = scriptedRuntime(store);
    await expect(rt.registerSession("s")).rejects.toMatchObject({ code: "RecoveryCorruption", message: expect.stringContaining("ops registry snapshot") });
  });
});

async function decisionOf(): Promise<StoredInputRow["decision"]> {
  const store = new MemoryStore();
  const { rt } = scriptedRuntime(store);
  await rt.registerSession("tmp");
  await rt.acceptInput("tmp", inputs.prompt("x"));
  return store.loadInputStates("tmp")[0]!.decision;
}

describe("recovery over SQLite", () => {
  it("a row the store cannot decode fails recovery closed with the store's error as the cause", async () => {
    const file = `${tempDir("recovery-sqlite")}/db.sqlite3`;
    const store = SqliteStore.open(file);
    await crashAfter(store, async ({ rt }) => {
      await rt.registerSession("s");
      await rt.acceptInput("s", inputs.prompt("a"));
    });
    await store.close();
    const raw = new Database(file);
    raw.prepare("UPDATE input_states SET phase = 'Bogus' WHERE input_id = 'a'").run();
    raw.close();
    const again = SqliteStore.open(file);
    const { rt } = scriptedRuntime(again);
    const err = await rt.registerSession("s").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RecoveryCorruption", sessionId: "s", inputId: "a" });
    expect((err as Error).cause).toBeInstanceOf(StoreCorruptRowError);
    expect(rt.hasSession("s")).toBe(false);
    await again.close();
  });
});

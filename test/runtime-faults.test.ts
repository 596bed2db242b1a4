// Regression tests for issue #19: store faults and races on the unwind paths (end of run, fail,
// stop, interrupt), bindings racing recovery, retire drains across a crash, local rebinding after
// unregister, inputs kept by reference, non-JSON payloads and supersession across lanes. Everything
// goes through the public API.

import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  createRuntime,
  FenceRejectedError,
  findStoreCorruption,
  InputInvalidError,
  MemoryStore,
  NotReadyError,
  SqliteStore,
  type CompletionOutcome,
  type Input,
  type RuntimeEvent,
  type RuntimeStore,
} from "../runtime/index.js";
import { FaultyStore, flush, inputs, ScriptedExecutor, type StoreWrite } from "../testing/index.js";
import { tempDir } from "./helpers/paths.js";

function faultyRuntime(inner: RuntimeStore = new MemoryStore()) {
  const store = new FaultyStore(inner);
  const exec = new ScriptedExecutor();
  const rt = createRuntime({ executor: exec, store, limits: { retryBackoffMs: 0 } });
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  return { store, exec, rt, events };
}

/** Fails the first write `pick` selects, once. */
function failOnce(store: FaultyStore, pick: (w: StoreWrite) => boolean): void {
  let done = false;
  store.failWhen = (w) => {
    if (done || !pick(w)) return false;
    done = true;
    return true;
  };
}

const lifecycle = (w: StoreWrite): boolean => w.method === "atomicLifecycleCommit";

describe("store faults on the unwind paths", { timeout: 20_000 }, () => {
  it("1: a failed write recording a failed run stops the session; the waiter, reset and stop all settle", async () => {
    const { store, exec, rt, events } = faultyRuntime();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    // The Fail's write: p1 back in its lane (Queued) after one attempt.
    failOnce(store, (w) => lifecycle(w) && w.rows.some((row) => row.inputId === "p1" && row.phase === "Queued"));
    (await exec.next()).fail(new Error("model unavailable"));
    const outcome = await r.completion;
    expect(outcome).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(store.failed).toHaveLength(1);
    expect(rt.snapshot("s")).toMatchObject({ phase: "Stopped", currentRun: null, inputs: [], waiters: 0 });
    // Stop and reset answer at once (a stopped session refuses both, typed) instead of hanging.
    await expect(rt.stopRuntimeExecutor("s")).rejects.toMatchObject({ code: "NotReady", phase: "Stopped" });
    await expect(rt.reset("s")).rejects.toMatchObject({ code: "NotReady", phase: "Stopped" });
    expect(events.some((e) => e.type === "runtime.error" && e.code === "SessionHalted")).toBe(true);
    // The halt itself was recorded (the store works again): nothing runs again after a restart.
    expect(await store.inner.loadRuntimeState("s")).toBe("Stopped");
    expect((await store.inner.loadInputStates("s")).map((row) => [row.inputId, row.phase])).toEqual([["p1", "Abandoned"]]);
  });

  it("1b: the same with a store that keeps failing: the session still stops in memory, every waiter settled", async () => {
    const { store, exec, rt } = faultyRuntime();
    await rt.prepareLocalSessionBindings("s");
    const r1 = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    const r2 = await rt.acceptInputWithCompletion("s", inputs.prompt("p2"));
    const run = await exec.next();
    store.failWhen = lifecycle;
    run.fail(new Error("model unavailable"));
    expect(await r1.completion).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(await r2.completion).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(rt.snapshot("s").phase).toBe("Stopped");
    await expect(rt.reset("s")).rejects.toBeInstanceOf(NotReadyError);
    // Nothing was recorded (the store kept failing): it still holds the last rows it accepted.
    expect(await store.inner.loadRuntimeState("s")).toBe("Idle");
  });

  it("2: stop during a run settles even when the write recording Stopped fails", async () => {
    const { store, exec, rt } = faultyRuntime();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    const r2 = await rt.acceptInputWithCompletion("s", inputs.prompt("p2"));
    store.failWhen = (w) => lifecycle(w) && w.phase === "Stopped";
    const stopped = rt.stopRuntimeExecutor("s");
    run.complete();
    await stopped;
    expect(rt.snapshot("s")).toMatchObject({ phase: "Stopped", stopRequested: false, inputs: [] });
    expect(await r2.completion).toEqual({ kind: "RuntimeTerminated", reason: "runtime stopped" });
    expect(store.failed.length).toBeGreaterThan(0);
    // Admission says why it refuses: the session is stopped, not "stop pending" forever.
    await expect(rt.acceptInput("s", inputs.prompt("p3"))).rejects.toMatchObject({ code: "NotReady", phase: "Stopped" });
  });

  it("2b: stop without a run settles when its write fails", async () => {
    const { store, rt } = faultyRuntime();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithoutWake("s", inputs.prompt("p1"));
    store.failWhen = (w) => lifecycle(w) && w.phase === "Stopped";
    await rt.stopRuntimeExecutor("s");
    expect(rt.snapshot("s")).toMatchObject({ phase: "Stopped", stopRequested: false, inputs: [] });
    expect(store.failed).toHaveLength(1);
  });

  it("3: an interrupted run's inputs never run again when writing their abandonment fails", async () => {
    const { store, exec, rt } = faultyRuntime();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    const run = await exec.next();
    failOnce(store, (w) => lifecycle(w) && w.rows.some((row) => row.terminal?.kind === "Abandoned" && row.terminal.reason === "Cancelled"));
    await rt.interrupt("s");
    run.fail(run.ctx.signal.reason);
    const outcome = await r.completion;
    expect(["Cancelled", "RuntimeTerminated"]).toContain(outcome?.kind);
    expect(store.failed).toHaveLength(1);
    rt.wake("s");
    await flush();
    expect(exec.calls).toHaveLength(1);
    // Nothing stored says p1 may run again either.
    const rows = await store.inner.loadInputStates("s");
    expect(rows.map((row) => row.phase)).toEqual(["Abandoned"]);
    const rt2 = createRuntime({ executor: exec, store: store.inner });
    await rt2.prepareLocalSessionBindings("s").catch(() => undefined);
    await flush();
    expect(exec.calls).toHaveLength(1);
  });
});

describe("races and restarts", { timeout: 20_000 }, () => {
  it("4: a refused stale binding racing a current one never drops the session the current holder bound", async () => {
    const store = new MemoryStore();
    const exec = new ScriptedExecutor();
    const rt1 = createRuntime({ executor: exec, store });
    await rt1.prepareBindings("s", { runtimeId: "rt-a", fence: 5, generation: 0 });
    await rt1.acceptInput("s", inputs.prompt("p1"));
    const first = await exec.next();
    // A new process over the same store (the first one is gone).
    const exec2 = new ScriptedExecutor();
    const rt2 = createRuntime({ executor: exec2, store });
    const stale = rt2.prepareBindings("s", { runtimeId: "rt-a", fence: 1, generation: 0 });
    const current = rt2.prepareBindings("s", { runtimeId: "rt-a", fence: 6, generation: 0 });
    await expect(stale).rejects.toBeInstanceOf(FenceRejectedError);
    await current;
    const run = await exec2.next();
    expect(run.primitive.contributors).toEqual(["p1"]);
    expect(rt2.hasSession("s")).toBe(true);
    expect(rt2.snapshot("s")).toMatchObject({ phase: "Running", currentRun: run.runId });
    // The next binding finds the same session (with its run in flight), not a fresh recovery.
    await rt2.prepareBindings("s", { runtimeId: "rt-a", fence: 7, generation: 0 });
    await flush();
    expect(exec2.calls).toHaveLength(1);
    run.complete();
    await flush();
    expect(rt2.snapshot("s")).toMatchObject({ phase: "Attached", inputs: [] });
    void first;
  });

  it("5: a crash during a retire drain keeps the acknowledged queued inputs; they drain once a loop attaches", async () => {
    const store = new MemoryStore();
    const exec = new ScriptedExecutor();
    const rt1 = createRuntime({ executor: exec, store });
    await rt1.prepareLocalSessionBindings("s");
    await rt1.acceptInput("s", inputs.prompt("p1"));
    await rt1.acceptInput("s", inputs.prompt("p2"));
    await exec.next(); // p1 running
    await rt1.retire("s");
    // Crash: rt1 is gone with p1 staged and p2 queued.
    const exec2 = new ScriptedExecutor();
    const rt2 = createRuntime({ executor: exec2, store });
    const snap = await rt2.registerSession("s");
    expect(snap.visiblePhase).toBe("Retired");
    expect(snap.inputs.map((i) => [i.id, i.phase])).toEqual([["p1", "Queued"], ["p2", "Queued"]]);
    expect(rt2.recoveryReport("s")).toMatchObject({ inputsAbandoned: 0, phase: "Retired" });
    await rt2.prepareLocalSessionBindings("s");
    (await exec2.next()).complete();
    (await exec2.next()).complete();
    await flush();
    expect(rt2.snapshot("s")).toMatchObject({ phase: "Retired", inputs: [] });
    expect((await store.loadInputStates("s")).map((r) => [r.inputId, r.phase])).toEqual([["p1", "Consumed"], ["p2", "Consumed"]]);
  });

  it("6: after unregister and register, a local binding is granted again (with a newer fence)", async () => {
    const exec = new ScriptedExecutor((p) => ({ result: p.contributors.length }));
    const rt = createRuntime({ executor: exec });
    const b1 = await rt.prepareLocalSessionBindings("s");
    await rt.unregisterSession("s");
    await rt.registerSession("s");
    const b2 = await rt.prepareLocalSessionBindings("s");
    expect(b2.fence).toBeGreaterThan(b1.fence);
    expect(rt.snapshot("s").phase).toBe("Attached");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    expect(await r.completion).toEqual({ kind: "Completed", result: 1 });
    // Still idempotent while bound.
    const b3 = await rt.prepareLocalSessionBindings("s");
    expect(b3.fence).toBe(b2.fence);
  });
});

describe("admission copies and checks payloads", { timeout: 20_000 }, () => {
  it("7: an accepted input is copied: mutating the caller's object changes neither what runs nor its idempotency key", async () => {
    const exec = new ScriptedExecutor();
    const rt = createRuntime({ executor: exec });
    await rt.prepareLocalSessionBindings("s");
    const input = inputs.prompt("p1", "original", { idempotencyKey: "k" }) as { text: string; header: { idempotencyKey?: string } };
    const r = await rt.acceptInputWithCompletion("s", input);
    input.text = "changed";
    delete input.header.idempotencyKey;
    const run = await exec.next();
    expect((run.primitive.inputs[0] as { text: string }).text).toBe("original");
    run.complete({ result: "done" });
    expect(await r.completion).toEqual({ kind: "Completed", result: "done" });
    // The key belongs to a terminal (archived) input now: a duplicate is deduplicated and never waits forever.
    const dup = await rt.acceptInputWithCompletion("s", inputs.prompt("p2", "again", { idempotencyKey: "k" }));
    expect(dup).toMatchObject({ outcome: "Deduplicated", existingId: "p1" });
    if (dup.completion !== undefined) await dup.completion;
    expect(rt.snapshot("s").waiters).toBe(0);
  });

  const badPayloads: [string, () => unknown, string][] = [
    ["a BigInt", () => ({ n: 1n }), "/payload/n"],
    ["a cycle", () => { const o: Record<string, unknown> = {}; o["self"] = o; return o; }, "/payload/self"],
    ["a Map", () => ({ m: new Map([["a", 1]]) }), "/payload/m"],
    ["NaN", () => [1, Number.NaN], "/payload/1"],
    ["a function", () => ({ f: () => 1 }), "/payload/f"],
    ["undefined", () => ({ u: undefined }), "/payload/u"],
    ["a Date", () => ({ d: new Date(0) }), "/payload/d"],
  ];
  for (const [what, make, pointer] of badPayloads) {
    it(`8: a payload with ${what} is refused at admission with the input id, session and JSON path (memory and SQLite alike)`, async () => {
      const dir = tempDir("faults-json");
      for (const store of [undefined, SqliteStore.open(join(dir, "s.db"))]) {
        const rt = createRuntime({ executor: new ScriptedExecutor(), ...(store !== undefined ? { store } : {}) });
        await rt.prepareLocalSessionBindings("s");
        const input = { kind: "external_event", header: { id: "e1", durability: "Durable", source: { kind: "External", sourceName: "hook" } }, eventType: "ping", payload: make() };
        const error = await rt.acceptInput("s", input).then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(InputInvalidError);
        expect(error).toMatchObject({ code: "InputInvalid", sessionId: "s", inputId: "e1" });
        expect((error as InputInvalidError).problems[0]?.pointer).toBe(pointer);
        expect(rt.snapshot("s").inputs).toEqual([]);
        store?.close();
      }
    });
  }
});

describe("supersession", { timeout: 20_000 }, () => {
  it("10: a newer input supersedes a queued one with the same scope in the other lane", async () => {
    const exec = new ScriptedExecutor();
    const policy = (await import("../properties/conformance/policy.js")).conformancePolicy;
    const rt = createRuntime({ executor: exec, policy });
    await rt.registerSession("s"); // no loop: both stay queued
    const flow = (id: string, mode: "Queue" | "Steer"): Input => ({ ...inputs.flowStep(id, { supersessionKey: "x", handlingMode: mode }) });
    const old = await rt.acceptInputWithCompletion("s", flow("f1", "Queue"));
    await rt.acceptInput("s", flow("f2", "Steer"));
    expect(await old.completion).toEqual<CompletionOutcome>({ kind: "Superseded", by: "f2" });
    expect(rt.snapshot("s").lanes).toEqual({ queue: [], steer: ["f2"], staged: [] });
  });
});

describe("a damaged SQLite file", { timeout: 30_000 }, () => {
  /** Overwrites the pages of the input tables in the main file with bytes no b-tree page can have. */
  function damageInputTables(path: string): void {
    const db = new Database(path);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const roots = db.prepare("SELECT rootpage FROM sqlite_master WHERE tbl_name IN ('input_states', 'input_payloads') AND rootpage > 1").all() as { rootpage: number }[];
    const fd = openSync(path, "r+");
    for (const { rootpage } of roots) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);
    // A write of another connection moves the WAL on, so the store's connection drops its page cache
    // and reads the damaged pages from the file.
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('test-touch', '1')").run();
    db.close();
  }

  function phaseOf(path: string, session: string): unknown {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT phase FROM sessions WHERE session_id = ?").get(session) as { phase: unknown } | undefined)?.phase;
    } finally {
      db.close();
    }
  }

  it("11: the store latches at the first SQLITE_CORRUPT: no later write for any session reaches the file, sessions halt with waiters settled, StoreCorrupted is reported", async () => {
    const path = join(tempDir("faults-corrupt"), "s.db");
    const store = SqliteStore.open(path);
    const exec = new ScriptedExecutor();
    const rt = createRuntime({ executor: exec, store, limits: { retryBackoffMs: 0 } });
    const events: RuntimeEvent[] = [];
    rt.on((e) => events.push(e));
    await rt.prepareLocalSessionBindings("a");
    await rt.prepareLocalSessionBindings("b");
    const ra = await rt.acceptInputWithCompletion("a", inputs.prompt("pa"));
    const rb = await rt.acceptInputWithCompletion("b", inputs.prompt("pb"));
    const runA = await exec.next();
    const runB = await exec.next();
    expect(store.corruption).toBeNull();
    expect(phaseOf(path, "b")).not.toBe("Stopped");

    damageInputTables(path);
    // a's run ends: its boundary write reads a damaged page and SQLite reports SQLITE_CORRUPT.
    runA.complete({ result: "a done" });
    expect(await ra.completion).toMatchObject({ kind: "RuntimeTerminated" });
    expect(store.corruption).toMatchObject({ code: "StoreCorrupted", sqliteCode: expect.stringMatching(/^SQLITE_(CORRUPT|NOTADB)/) });
    expect(rt.snapshot("a")).toMatchObject({ phase: "Stopped", waiters: 0 });

    // b's run ends too: its writes touch only undamaged pages (the sessions table), and the latch
    // refuses them all the same; b halts in memory with its waiter settled.
    runB.complete({ result: "b done" });
    expect(await rb.completion).toMatchObject({ kind: "RuntimeTerminated" });
    expect(rt.snapshot("b")).toMatchObject({ phase: "Stopped", waiters: 0 });
    expect(phaseOf(path, "b")).not.toBe("Stopped");

    // Every later write fails typed, for any session, before touching the file.
    await expect(store.persistBinding("c", { runtimeId: "r", fence: 1, generation: 0 })).rejects.toMatchObject({ code: "StoreCorrupted", operation: "persistBinding", path: store.path });
    // A new session's recovery cannot read the file either: refused, with the latch as the cause.
    const refused = await rt.prepareLocalSessionBindings("c").then(() => null, (e: unknown) => e);
    expect(findStoreCorruption(refused)).toMatchObject({ code: "StoreCorrupted", operation: expect.stringMatching(/^load/) });
    expect(phaseOf(path, "c")).toBeUndefined();
    const codes = events.flatMap((e) => (e.type === "runtime.error" ? [`${e.sessionId}:${e.code}`] : []));
    expect(codes).toEqual(expect.arrayContaining(["a:SessionHalted", "a:StoreCorrupted", "b:SessionHalted", "b:StoreCorrupted"]));
    await rt.close();
    store.close();
  });
});

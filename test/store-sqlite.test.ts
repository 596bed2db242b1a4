// The SQLite store (runtime/sqlite-store.ts): round trips, receipt minting, atomicity, group
// commit, reopening, and every refusal of bad input (newer schema, foreign file, corrupt rows,
// read-only files, a full disk) as a typed error that leaves the file as it was.

import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  createRuntime,
  defaultPolicy,
  defaultStorePath,
  SQLITE_SCHEMA_VERSION,
  SqliteStore,
  StoreClosedError,
  StoreCorruptRowError,
  StoreError,
  StoreNotADatabaseError,
  StoreReadOnlyError,
  StoreSchemaTooNewError,
  StoreWriteFailedError,
  type Input,
  type PolicyDecision,
  type StoredInputRow,
} from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor } from "../testing/index.js";
import { REPO, tempDir } from "./helpers/paths.js";

function decision(kind: Input["kind"] = "prompt"): PolicyDecision {
  const r = defaultPolicy(kind, true, null);
  if (!r.ok) throw new Error(r.reason);
  return r.decision;
}

function row(id: string, over: Partial<StoredInputRow> = {}): StoredInputRow {
  const input = over.input ?? inputs.prompt(id, "hello", over.idempotencyKey ? { idempotencyKey: over.idempotencyKey } : {});
  return {
    inputId: id,
    kind: input.kind,
    durability: input.header.durability,
    phase: "Queued",
    lane: "Queue",
    attempts: 0,
    lastRunId: null,
    terminal: null,
    idempotencyKey: input.header.idempotencyKey ?? null,
    input,
    decision: decision(input.kind),
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

function consumed(id: string, runId: string, over: Partial<StoredInputRow> = {}): StoredInputRow {
  return row(id, { phase: "Consumed", attempts: 1, lastRunId: runId, terminal: { kind: "Consumed", runId }, ...over });
}

function dbPath(name = "store"): string {
  return join(tempDir("store-sqlite"), `${name}.sqlite3`);
}

/** Every file of the store (main file, -wal, -shm) with its bytes. */
function snapshotFiles(path: string): Map<string, Buffer> {
  const dir = join(path, "..");
  const files = new Map<string, Buffer>();
  for (const f of readdirSync(dir)) files.set(f, readFileSync(join(dir, f)));
  return files;
}

function raw(path: string): Database.Database {
  return new Database(path);
}

describe.each([{ groupCommit: true }, { groupCommit: false }])("SqliteStore round trips (groupCommit: $groupCommit)", ({ groupCommit }) => {
  it("every write reads back exactly; unknown sessions read as empty", async () => {
    const store = SqliteStore.open(dbPath(), { groupCommit });
    expect(store.listSessions()).toEqual([]);
    expect(store.loadInputStates("s")).toEqual([]);
    expect(store.loadRuntimeState("s")).toBeNull();
    expect(store.loadBoundaryReceipt("s", "r", 0)).toBeNull();
    expect(store.loadBoundaryReceipts("s")).toEqual([]);
    expect(store.loadOpsSnapshot("s")).toBeNull();

    const keyed = row("p1", { idempotencyKey: "k1" });
    const peer = row("m1", { input: inputs.peerMessage("m1", "hi"), lane: "Steer" });
    await store.persistInputState("s", keyed);
    await store.persistInputState("s", peer);
    expect(store.loadInputStates("s")).toEqual([keyed, peer]);

    const receipt = await store.commitBoundary("s", "run-1", ["p1"], [row("p1", { idempotencyKey: "k1", phase: "Applied", attempts: 1, lastRunId: "run-1" })]);
    expect(receipt).toMatchObject({ runId: "run-1", sequence: 0, contributors: ["p1"] });
    expect(store.loadBoundaryReceipt("s", "run-1", 0)).toEqual(receipt);
    expect(store.loadBoundaryReceipts("s")).toEqual([receipt]);

    const done = consumed("p1", "run-1", { idempotencyKey: "k1", input: keyed.input });
    const abandoned = row("m1", { input: peer.input, phase: "Abandoned", lane: null, terminal: { kind: "Abandoned", reason: "Retired" } });
    await store.atomicLifecycleCommit("s", "Retired", [done, abandoned]);
    expect(store.loadRuntimeState("s")).toBe("Retired");
    // An update keeps the row's place: rows list in first-write order.
    expect(store.loadInputStates("s")).toEqual([done, abandoned]);

    const ops = { terminal: [{ id: "op-1", status: "Completed", detail: { n: 1, nested: [true, null, "x"] } }], cursor: 3 };
    await store.persistOpsSnapshot("t", ops);
    expect(store.loadOpsSnapshot("t")).toEqual(ops);
    await store.persistOpsSnapshot("t", { replaced: true });
    expect(store.loadOpsSnapshot("t")).toEqual({ replaced: true });

    await store.atomicLifecycleCommit("u", "Idle", []);
    expect(store.listSessions()).toEqual(["s", "t", "u"]);
    expect(store.loadRuntimeState("t")).toBeNull(); // ops only: no phase yet
    store.close();
  });

  it("a later write with a different payload for the same input replaces it", async () => {
    const store = SqliteStore.open(dbPath(), { groupCommit });
    await store.persistInputState("s", row("p1", { input: inputs.prompt("p1", "first") }));
    await store.atomicLifecycleCommit("s", "Idle", [row("p1", { input: inputs.prompt("p1", "second"), phase: "Staged", attempts: 1 })]);
    expect(store.loadInputStates("s")).toEqual([row("p1", { input: inputs.prompt("p1", "second"), phase: "Staged", attempts: 1 })]);
    store.close();
  });

  it("every input kind and every terminal outcome round-trips", async () => {
    const store = SqliteStore.open(dbPath(), { groupCommit });
    const all: StoredInputRow[] = [
      row("a", { input: inputs.prompt("a") }),
      row("b", { input: inputs.peerRequest("b", "review") }),
      row("c", { input: inputs.progress("c", "req-1", { durability: "Derived", source: { kind: "System" } }) }),
      row("d", { input: inputs.terminal("d", "req-1") }),
      row("e", { input: inputs.flowStep("e") }),
      row("f", { input: inputs.external("f") }),
      row("g", { input: inputs.continuation("g") }),
      row("h", { input: inputs.operation("h") }),
      row("i", { phase: "Superseded", lane: null, terminal: { kind: "Superseded", by: "a" } }),
      row("j", { phase: "Coalesced", lane: null, terminal: { kind: "Coalesced", into: "a" } }),
      row("k", { phase: "Consumed", terminal: { kind: "Consumed", runId: null } }),
      row("__proto__", { phase: "Staged", attempts: 2 }),
    ];
    await store.atomicLifecycleCommit("s", "Idle", all);
    expect(store.loadInputStates("s")).toEqual(all);
    store.close();
  });

  it("receipts are minted 0, 1, 2 per run, independently per run and per session, and are unique", async () => {
    const path = dbPath();
    const store = SqliteStore.open(path, { groupCommit });
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) seqs.push((await store.commitBoundary("s", "run-1", ["p1"], [])).sequence);
    expect(seqs).toEqual([0, 1, 2]);
    expect((await store.commitBoundary("s", "run-2", ["p2"], [])).sequence).toBe(0);
    expect((await store.commitBoundary("other", "run-1", ["x"], [])).sequence).toBe(0);
    expect((await store.commitBoundary("s", "run-1", ["p1"], [])).sequence).toBe(3);
    expect(store.loadBoundaryReceipts("s").map((r) => [r.runId, r.sequence])).toEqual([
      ["run-1", 0],
      ["run-1", 1],
      ["run-1", 2],
      ["run-2", 0],
      ["run-1", 3],
    ]);
    store.close();
    // The primary key makes a second receipt with the same number impossible.
    const db = raw(path);
    expect(() => db.prepare("INSERT INTO boundary_receipts VALUES ('s', 'run-1', 1, '[]', 0)").run()).toThrow(/UNIQUE|PRIMARY KEY/);
    db.close();
  });

  it("a write that fails part-way leaves nothing behind", async () => {
    const store = SqliteStore.open(dbPath(), { groupCommit });
    await store.atomicLifecycleCommit("s", "Idle", [row("p1")]);
    const before = store.loadInputStates("s");
    // The second row cannot be stored; the phase and the first row must not be either.
    const bad = row("p2", { attempts: -1 });
    await expect(async () => store.atomicLifecycleCommit("s", "Stopped", [row("p1", { phase: "Staged" }), bad])).rejects.toBeInstanceOf(StoreWriteFailedError);
    expect(store.loadRuntimeState("s")).toBe("Idle");
    expect(store.loadInputStates("s")).toEqual(before);
    // Same for a boundary: the receipt is not minted.
    await expect(async () => store.commitBoundary("s", "run-1", ["p1"], [row("p1", { phase: "Applied" }), bad])).rejects.toMatchObject({ code: "StoreWriteFailed", operation: "commitBoundary" });
    expect(store.loadBoundaryReceipts("s")).toEqual([]);
    expect(store.loadInputStates("s")).toEqual(before);
    expect((await store.commitBoundary("s", "run-1", ["p1"], [])).sequence).toBe(0);
    store.close();
  });

  it("a failure right before COMMIT rolls the transaction back, and its number is reused", async () => {
    const seen: string[] = [];
    let failNext = false;
    const store = SqliteStore.open(dbPath(), {
      groupCommit,
      beforeCommit: (n) => {
        seen.push(`before ${n}`);
        if (failNext) {
          failNext = false;
          throw new Error("injected crash before commit");
        }
      },
      onCommit: (n) => seen.push(`after ${n}`),
    });
    await store.persistInputState("s", row("p1"));
    failNext = true;
    await expect(async () => store.atomicLifecycleCommit("s", "Destroyed", [row("p1", { phase: "Abandoned", lane: null, terminal: { kind: "Abandoned", reason: "Destroyed" } })])).rejects.toThrow("injected crash before commit");
    expect(store.loadRuntimeState("s")).toBeNull();
    expect(store.loadInputStates("s")).toEqual([row("p1")]);
    await store.persistOpsSnapshot("s", 1);
    expect(seen).toEqual(["before 1", "after 1", "before 2", "before 2", "after 2"]);
    expect(store.committedTransactions).toBe(2);
    store.close();
  });

  it("reopening the file reads everything back", async () => {
    const path = dbPath();
    const store = SqliteStore.open(path, { groupCommit });
    await store.persistInputState("a", row("p1"));
    const receipt = await store.commitBoundary("a", "run-1", ["p1"], [row("p1", { phase: "Applied", attempts: 1, lastRunId: "run-1" })]);
    await store.atomicLifecycleCommit("a", "Idle", [consumed("p1", "run-1")]);
    await store.persistOpsSnapshot("b", { feed: ["x"] });
    await store.atomicLifecycleCommit("b", "Stopped", []);
    store.close();

    const again = SqliteStore.open(path, { groupCommit });
    expect(again.listSessions()).toEqual(["a", "b"]);
    expect(again.loadInputStates("a")).toEqual([consumed("p1", "run-1")]);
    expect(again.loadBoundaryReceipts("a")).toEqual([receipt]);
    expect(again.loadRuntimeState("a")).toBe("Idle");
    expect(again.loadRuntimeState("b")).toBe("Stopped");
    expect(again.loadOpsSnapshot("b")).toEqual({ feed: ["x"] });
    // Minting continues after the stored receipts.
    expect((await again.commitBoundary("a", "run-1", [], [])).sequence).toBe(1);
    again.close();
  });

  it("every call after close throws StoreClosedError; closing twice is harmless", async () => {
    const store = SqliteStore.open(dbPath(), { groupCommit });
    store.close();
    store.close();
    expect(store.closed).toBe(true);
    expect(() => store.loadInputStates("s")).toThrow(StoreClosedError);
    expect(() => store.listSessions()).toThrow(StoreClosedError);
    await expect(async () => store.persistInputState("s", row("p1"))).rejects.toMatchObject({ code: "StoreClosed", operation: "persistInputState" });
  });
});

describe("group commit", () => {
  it("concurrent writes of many sessions land in a few transactions, each acknowledged only after its COMMIT", async () => {
    let resolvedAtCommit = -1;
    let resolved = 0;
    const commits: number[] = [];
    const store = SqliteStore.open(dbPath(), {
      onCommit: (n) => {
        commits.push(n);
        resolvedAtCommit = resolved;
      },
    });
    const writes: Promise<unknown>[] = [];
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 20; i++) {
        const p = Promise.resolve(store.persistInputState(`s${s}`, row(`p${i}`)));
        writes.push(p.then(() => resolved++));
      }
      writes.push(Promise.resolve(store.commitBoundary(`s${s}`, "run-1", ["p0"], [])).then(() => resolved++));
    }
    await Promise.all(writes);
    expect(resolved).toBe(210);
    expect(commits).toEqual([1]); // one transaction for the whole burst
    expect(resolvedAtCommit).toBe(0); // nobody was answered before the COMMIT
    for (let s = 0; s < 10; s++) expect(store.loadInputStates(`s${s}`)).toHaveLength(20);
    store.close();
  });

  it("writes issued from separate promise continuations of one burst share a transaction", async () => {
    const store = SqliteStore.open(dbPath());
    await Promise.all(
      Array.from({ length: 50 }, async (_, s) => {
        await Promise.resolve();
        await store.persistInputState(`s${s}`, row("p1"));
        await store.atomicLifecycleCommit(`s${s}`, "Idle", [row("p1", { phase: "Staged", attempts: 1 })]);
      }),
    );
    expect(store.committedTransactions).toBe(2);
    store.close();
  });

  it("a malformed row is refused when it is written; the rest of the group commits", async () => {
    const store = SqliteStore.open(dbPath());
    const a = store.persistInputState("a", row("p1"));
    const bad = store.atomicLifecycleCommit("b", "Idle", [row("p1"), row("p2", { updatedAt: 1.5 })]);
    const c = store.commitBoundary("c", "run-1", ["p1"], [row("p1", { phase: "Applied" })]);
    const results = await Promise.allSettled([a, bad, c]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreWriteFailedError);
    expect(store.committedTransactions).toBe(1);
    expect(store.loadInputStates("b")).toEqual([]); // nothing of the refused write, not even p1
    expect(store.loadRuntimeState("b")).toBeNull();
    store.close();
  });

  /** A store whose file refuses (statement-level, SQLITE_CONSTRAINT_TRIGGER) any payload containing "poison". */
  function poisonedStore(options: { onCommit?: (n: number) => void } = {}): SqliteStore {
    const path = dbPath();
    SqliteStore.open(path).close();
    const db = raw(path);
    db.exec("CREATE TRIGGER poison BEFORE INSERT ON input_payloads WHEN NEW.input_json LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned payload'); END");
    db.close();
    return SqliteStore.open(path, options);
  }

  it("a write that fails inside the shared transaction rolls back to its savepoint; the others commit", async () => {
    const store = poisonedStore();
    const a = store.persistInputState("a", row("p1"));
    const bad = store.atomicLifecycleCommit("b", "Idle", [row("p1"), row("p2", { input: inputs.prompt("p2", "poison") })]);
    const c = store.commitBoundary("c", "run-1", ["p1"], [row("p1", { phase: "Applied" })]);
    const results = await Promise.allSettled([a, bad, c]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "StoreWriteFailed", sqliteCode: "SQLITE_CONSTRAINT_TRIGGER", operation: "atomicLifecycleCommit" });
    expect(store.committedTransactions).toBe(1);
    expect(store.loadInputStates("a")).toEqual([row("p1")]);
    expect(store.loadInputStates("b")).toEqual([]); // p1 of the failed write was rolled back with it
    expect(store.loadRuntimeState("b")).toBeNull();
    expect(store.loadBoundaryReceipts("c")).toHaveLength(1);
    store.close();
  });

  it("a group whose writes all fail commits nothing and answers each with its own error", async () => {
    const commits: number[] = [];
    const store = poisonedStore({ onCommit: (n) => commits.push(n) });
    const results = await Promise.allSettled([
      store.persistInputState("a", row("p1", { input: inputs.prompt("p1", "poison") })),
      store.commitBoundary("b", "run-1", ["p1"], [row("p1", { input: inputs.prompt("p1", "poison") })]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.operation)).toEqual(["persistInputState", "commitBoundary"]);
    expect(commits).toEqual([]);
    expect(store.listSessions()).toEqual([]);
    store.close();
  });

  it("SQLITE_FULL aborts the whole shared transaction: every write of the group fails, later groups work", async () => {
    const path = dbPath();
    SqliteStore.open(path).close();
    const db = raw(path);
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.close();
    const store = SqliteStore.open(path, { maxPageCount: pages + 4 });
    const results = await Promise.allSettled([store.persistInputState("a", row("p1")), store.persistInputState("b", row("p2", { input: inputs.prompt("p2", "x".repeat(200_000)) }))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "StoreWriteFailed", sqliteCode: "SQLITE_FULL" });
    expect(store.listSessions()).toEqual([]);
    await store.persistInputState("a", row("p1"));
    expect(store.loadInputStates("a")).toEqual([row("p1")]);
    store.close();
  });

  it("a load sees the writes requested before it (they are committed first)", async () => {
    const store = SqliteStore.open(dbPath());
    const pending = store.persistInputState("s", row("p1"));
    expect(store.loadInputStates("s")).toEqual([row("p1")]);
    await pending;
    store.close();
  });

  it("close commits the writes still queued", async () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    const pending = store.persistInputState("s", row("p1"));
    store.close();
    await pending;
    const again = SqliteStore.open(path);
    expect(again.loadInputStates("s")).toEqual([row("p1")]);
    again.close();
  });

  it("without group commit every write is its own synchronous transaction", () => {
    const store = SqliteStore.open(dbPath(), { groupCommit: false });
    expect(store.persistInputState("s", row("p1"))).toBeUndefined();
    expect(store.commitBoundary("s", "r", ["p1"], [])).toMatchObject({ sequence: 0 });
    expect(() => store.persistInputState("s", row("p2", { attempts: -1 }))).toThrow(StoreWriteFailedError);
    expect(store.committedTransactions).toBe(2);
    store.close();
  });
});

describe("a runtime over the SQLite store", () => {
  it("runs inputs to completion; the rows, receipts and phase are durable across a reopen", async () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    const exec = new ScriptedExecutor(() => ({ result: "ok" }));
    const rt = createRuntime({ executor: exec, store });
    await rt.prepareLocalSessionBindings("s");
    const results = await Promise.all(["p1", "p2", "p3"].map((id) => rt.acceptInputWithCompletion("s", inputs.prompt(id))));
    for (const r of results) if (r.outcome === "Accepted") expect(await r.completion).toEqual({ kind: "Completed", result: "ok" });
    await rt.acceptInput("s", inputs.prompt("e1", "x", { durability: "Ephemeral" }));
    await flush();
    await rt.close();
    store.close();

    const again = SqliteStore.open(path);
    expect(again.loadInputStates("s").map((r) => [r.inputId, r.phase])).toEqual([
      ["p1", "Consumed"],
      ["p2", "Consumed"],
      ["p3", "Consumed"],
    ]);
    // The ephemeral input has no row, but its run's boundary still has a receipt.
    expect(again.loadBoundaryReceipts("s").map((r) => r.contributors)).toEqual([["p1"], ["p2"], ["p3"], ["e1"]]);
    expect(again.loadRuntimeState("s")).toBe("Idle");
    again.close();
  });
});

describe("opening", () => {
  it("creates the schema at the supported version; an empty file or an empty SQLite database is initialised", () => {
    const path = dbPath();
    SqliteStore.open(path).close();
    const db = raw(path);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(String(SQLITE_SCHEMA_VERSION));
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();

    const empty = dbPath("empty");
    writeFileSync(empty, "");
    SqliteStore.open(empty).close();
    const blank = dbPath("blank");
    new Database(blank).close();
    SqliteStore.open(blank).close();
  });

  it('":memory:" opens a private in-memory store and writes no file; a read-only one is refused', async () => {
    const dir = tempDir("sqlite-memory");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const store = SqliteStore.open(":memory:");
      expect(store.path).toBe(":memory:");
      const r = row("p1");
      await store.persistInputState("s", r);
      expect(store.loadInputStates("s")).toEqual([r]);
      store.close();
      // Nothing survives close, and nothing named ":memory:" was created in the working folder.
      expect(SqliteStore.open(":memory:").loadInputStates("s")).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
      expect(() => SqliteStore.open(":memory:", { readonly: true })).toThrow(StoreReadOnlyError);
    } finally {
      process.chdir(cwd);
    }
  });

  it("migrates a version 1 file to the current schema at open, keeping its rows", async () => {
    const path = dbPath();
    const store = SqliteStore.open(path, { groupCommit: false });
    store.persistInputState("s", row("p1"));
    store.close();
    // Turn the file back into what version 1 wrote: no binding columns.
    const db = raw(path);
    for (const c of ["bound_runtime", "highest_fence", "generation"]) db.exec(`ALTER TABLE sessions DROP COLUMN ${c}`);
    db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run();
    db.close();
    const reopened = SqliteStore.open(path, { groupCommit: false });
    expect(reopened.loadInputStates("s").map((r) => r.inputId)).toEqual(["p1"]);
    expect(reopened.loadBinding("s")).toBeNull();
    reopened.persistBinding("s", { runtimeId: "rt-a", fence: 7, generation: 1 });
    expect(reopened.loadBinding("s")).toEqual({ runtimeId: "rt-a", fence: 7, generation: 1 });
    reopened.close();
    const check = raw(path);
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(String(SQLITE_SCHEMA_VERSION));
    check.close();
  });

  it("refuses a newer schema with a typed error and leaves the file byte for byte", () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    store.persistInputState("s", row("p1"));
    store.close();
    const db = raw(path);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    const before = snapshotFiles(path);
    expect([...before.keys()]).toEqual(["store.sqlite3"]);
    let error: unknown;
    try {
      SqliteStore.open(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreSchemaTooNewError);
    expect(error).toMatchObject({ code: "StoreSchemaTooNew", foundVersion: 99, supportedVersion: SQLITE_SCHEMA_VERSION, path });
    expect((error as Error).message).toContain("schema version 99");
    // The database file is byte for byte the same. (The read-only look at a WAL database leaves
    // SQLite's empty -wal / -shm side files behind; they hold no data.)
    const after = snapshotFiles(path);
    expect(after.get("store.sqlite3")).toEqual(before.get("store.sqlite3"));
    expect(after.get("store.sqlite3-wal")?.length ?? 0).toBe(0);
  });

  it("refuses a file that is not a SQLite database and leaves it untouched", () => {
    const path = dbPath();
    writeFileSync(path, "this is not a database, just some text that happens to be long enough to have a header\n".repeat(20));
    const before = snapshotFiles(path);
    expect(() => SqliteStore.open(path)).toThrow(StoreNotADatabaseError);
    expect(snapshotFiles(path)).toEqual(before);
  });

  it("refuses a SQLite header over garbage, and another application's database, untouched", () => {
    const garbage = dbPath("garbage");
    writeFileSync(garbage, Buffer.concat([Buffer.from("SQLite format 3\0", "latin1"), Buffer.alloc(4096, 0xab)]));
    const before = snapshotFiles(garbage);
    expect(() => SqliteStore.open(garbage)).toThrow(StoreNotADatabaseError);
    expect(snapshotFiles(garbage)).toEqual(before);

    const foreign = dbPath("foreign");
    const db = new Database(foreign);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    db.close();
    const foreignBefore = snapshotFiles(foreign);
    expect(() => SqliteStore.open(foreign)).toThrow(/without the store's meta table/);
    expect(snapshotFiles(foreign)).toEqual(foreignBefore);
  });

  it("defaultStorePath is <cwd>/.meerkat/<realm>.sqlite3 and creates the folder", () => {
    const cwd = process.cwd();
    const dir = tempDir("store-default");
    process.chdir(dir);
    try {
      const path = defaultStorePath();
      expect(path).toBe(join(process.cwd(), ".meerkat", "default.sqlite3"));
      expect(existsSync(join(process.cwd(), ".meerkat"))).toBe(true);
      expect(defaultStorePath("team-a")).toBe(join(process.cwd(), ".meerkat", "team-a.sqlite3"));
      expect(() => defaultStorePath("../escape")).toThrow(RangeError);
      const store = SqliteStore.open(path);
      expect(store.path).toBe(path);
      store.close();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("corrupt rows fail closed", () => {
  async function seeded(): Promise<string> {
    const path = dbPath();
    const store = SqliteStore.open(path, { groupCommit: false });
    store.persistInputState("sess-1", row("in-1"));
    store.commitBoundary("sess-1", "run-1", ["in-1"], []);
    store.persistOpsSnapshot("sess-1", { ok: true });
    store.atomicLifecycleCommit("sess-1", "Idle", []);
    store.close();
    return path;
  }

  function corrupt(path: string, sql: string): SqliteStore {
    const db = raw(path);
    db.prepare(sql).run();
    db.close();
    return SqliteStore.open(path);
  }

  function loadError(fn: () => unknown): StoreCorruptRowError {
    try {
      fn();
    } catch (e) {
      if (e instanceof StoreCorruptRowError) return e;
      throw e;
    }
    throw new Error("expected StoreCorruptRowError");
  }

  it.each([
    ["input_states", "phase = 'Bogus'", "phase", /unknown value "Bogus"/],
    ["input_payloads", "input_json = '{'", "input_json", /invalid JSON/],
    ["input_states", "lane = 'Sideways'", "lane", /unknown value/],
    ["input_states", "attempts = -3", "attempts", /non-negative/],
    ["input_states", "kind = 'telegram'", "kind", /unknown value/],
    ["input_states", "durability = 'Forever'", "durability", /unknown value/],
    ["input_states", "terminal_json = '{\"kind\":\"Consumed\",\"runId\":null}'", "terminal_json", /not terminal but has an outcome/],
    ["input_payloads", "decision_json = '{\"lane\":\"Queue\"}'", "decision_json.applyMode", /unknown value/],
    ["input_payloads", "input_json = '{\"kind\":\"prompt\"}'", "input_json", /invalid/],
    ["input_payloads", "input_json = json_set(input_json, '$.header.id', 'other')", "input_json", /differs from input_id/],
  ])("%s SET %s → StoreCorruptRowError naming the file, table, session and input", async (table, set, column, detail) => {
    const path = await seeded();
    const where = table === "input_states" ? "input_id = 'in-1'" : "row_id = (SELECT row_id FROM input_states WHERE input_id = 'in-1')";
    const store = corrupt(path, `UPDATE ${table} SET ${set} WHERE ${where}`);
    const e = loadError(() => store.loadInputStates("sess-1"));
    expect(e).toMatchObject({ code: "StoreCorruptRow", path, table, rowKey: { session_id: "sess-1", input_id: "in-1" }, column });
    expect(e.message).toMatch(detail);
    expect(e.message).toContain(path);
    expect(e.message).toContain('"sess-1"');
    expect(e.message).toContain('"in-1"');
    expect(e).toBeInstanceOf(StoreError);
    store.close();
  });

  it("a state row without its payload row fails closed", async () => {
    const path = await seeded();
    const db = raw(path);
    db.pragma("foreign_keys = OFF");
    db.prepare("DELETE FROM input_payloads").run();
    db.close();
    const store = SqliteStore.open(path);
    expect(loadError(() => store.loadInputStates("sess-1"))).toMatchObject({ table: "input_payloads", rowKey: { session_id: "sess-1", input_id: "in-1" }, column: "row_id" });
    store.close();
  });

  it("a corrupt session phase, receipt or ops snapshot fails its load too", async () => {
    const path = await seeded();
    let store = corrupt(path, "UPDATE sessions SET phase = 'Attached'");
    expect(loadError(() => store.loadRuntimeState("sess-1"))).toMatchObject({ table: "sessions", rowKey: { session_id: "sess-1" }, column: "phase" });
    store.close();
    store = corrupt(path, "UPDATE boundary_receipts SET contributors_json = '[1]'");
    expect(loadError(() => store.loadBoundaryReceipts("sess-1"))).toMatchObject({ table: "boundary_receipts", rowKey: { session_id: "sess-1", run_id: "run-1", sequence: 0 } });
    expect(loadError(() => store.loadBoundaryReceipt("sess-1", "run-1", 0))).toMatchObject({ column: "contributors_json" });
    store.close();
    store = corrupt(path, "UPDATE ops_snapshots SET snapshot_json = 'nope'");
    expect(loadError(() => store.loadOpsSnapshot("sess-1"))).toMatchObject({ table: "ops_snapshots", column: "snapshot_json" });
    store.close();
  });
});

describe("read-only files and a full disk", () => {
  const isRoot = process.getuid?.() === 0;

  it("a store opened read-only loads but refuses every write with StoreReadOnlyError (SQLITE_READONLY)", async () => {
    const path = dbPath();
    const writer = SqliteStore.open(path);
    await writer.persistInputState("s", row("p1"));
    writer.close();
    const before = snapshotFiles(path);
    const store = SqliteStore.open(path, { readonly: true });
    expect(store.loadInputStates("s")).toEqual([row("p1")]);
    let error: unknown;
    try {
      await store.persistInputState("s", row("p2"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreReadOnlyError);
    expect(error).toMatchObject({ code: "StoreReadOnly", operation: "persistInputState" });
    expect((error as StoreReadOnlyError).sqliteCode).toMatch(/^SQLITE_READONLY/);
    expect((error as Error).message).toContain("SQLITE_READONLY");
    store.close();
    expect(snapshotFiles(path).get("store.sqlite3")).toEqual(before.get("store.sqlite3"));
    // A read-only store cannot create a schema.
    expect(() => SqliteStore.open(dbPath("missing"), { readonly: true })).toThrow(StoreReadOnlyError);
  });

  // Root ignores file modes, so the open and the write run in a child process as an unprivileged
  // user (nobody) when the tests run as root.
  it("a 0444 file in a 0555 directory is refused with StoreReadOnlyError", async () => {
    const path = dbPath();
    const writer = SqliteStore.open(path);
    await writer.persistInputState("s", row("p1"));
    writer.close();
    const dir = join(path, "..");
    chmodSync(path, 0o444);
    chmodSync(dir, 0o555);
    try {
      const moduleUrl = pathToFileURL(join(REPO, "runtime", "sqlite-store.ts")).href;
      const script = `import { SqliteStore } from ${JSON.stringify(moduleUrl)};
let code = "none";
try { const s = SqliteStore.open(${JSON.stringify(path)}, { groupCommit: false }); try { s.atomicLifecycleCommit("s", "Idle", []); } finally { s.close(); } }
catch (e) { code = e.code ?? String(e); }
console.log(code);`;
      const asNobody = isRoot ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO, encoding: "utf8", env: { ...process.env, HOME: "/tmp" }, ...asNobody });
      expect(r.stdout.trim().split("\n").pop(), r.stderr).toBe("StoreReadOnly");
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
    }
  });

  it("a full disk (SQLITE_FULL) fails the write with StoreWriteFailedError; earlier data stays intact", async () => {
    const path = dbPath();
    SqliteStore.open(path).close();
    const db = raw(path);
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.close();
    const store = SqliteStore.open(path, { maxPageCount: pages + 2 });
    const big = "x".repeat(1500);
    const written: string[] = [];
    let error: unknown;
    for (let i = 0; i < 200 && error === undefined; i++) {
      try {
        await store.persistInputState("s", row(`p${i}`, { input: inputs.prompt(`p${i}`, big) }));
        written.push(`p${i}`);
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(StoreWriteFailedError);
    expect(error).toMatchObject({ code: "StoreWriteFailed", sqliteCode: "SQLITE_FULL", operation: "persistInputState" });
    expect((error as Error).message).toContain("SQLITE_FULL");
    expect(written.length).toBeGreaterThan(0);
    expect(store.loadInputStates("s").map((r) => r.inputId)).toEqual(written);
    store.close();
    const again = SqliteStore.open(path);
    expect(again.loadInputStates("s").map((r) => r.inputId)).toEqual(written);
    await again.persistInputState("s", row("after"));
    again.close();
  });
});

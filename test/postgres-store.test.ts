// PostgresStore against a real server: fencing between two owners, and bad configuration refused
// with typed errors before anything is written.

import { describe, expect, it } from "vitest";
import { FencedOutError, PgConfigInvalidError, PgForeignSchemaError, PgLeaseHeldError, PgSchemaTooNewError, PgUnavailableError, PostgresStore } from "../runtime/postgres/index.js";
import { inputs } from "../testing/index.js";
import { freshSchema, pgUrl, sharedPool } from "./helpers/postgres.js";
import { storedRow } from "./helpers/stored-row.js";
import { collisionKeys, takeSubmissions } from "../runtime/postgres/submit-batch.js";
import { ReadBatcher } from "../runtime/postgres/read-batch.js";

const row = storedRow;

describe("PostgresStore fencing", () => {
  it("refuses a stale owner's write after a takeover, and stores nothing of it", async () => {
    const schema = freshSchema();
    const a = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", leaseMs: 200, pool: sharedPool() });
    const b = await PostgresStore.connect(pgUrl(), { schema, owner: "node-b", leaseMs: 200, pool: sharedPool() });
    expect(await a.acquire("s")).toBe(1);
    await a.persistInputState("s", row("i1"));
    await expect(b.acquire("s")).rejects.toBeInstanceOf(PgLeaseHeldError);
    await a.close(); // a "pauses": no more heartbeats, it still believes it holds fence 1
    const paused = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", leaseMs: 200, pool: sharedPool() });
    await sharedPool().query(`UPDATE ${schema}.sessions SET lease_expires_at = now() - interval '1 second'`);
    expect(await b.acquire("s")).toBe(2);
    // The paused owner's view: it held fence 1. A write carrying it is refused by the database.
    (paused as unknown as { heldSessions(): Map<string, number> }).heldSessions().set("s", 1);
    const lost: string[] = [];
    paused.onSessionLost((id) => lost.push(id));
    const refused = await paused.persistInputState("s", row("i2")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FencedOutError);
    expect(refused).toMatchObject({ code: "PgFencedOut", heldFence: 1, currentFence: 2, currentOwner: "node-b" });
    expect(lost).toEqual(["s"]);
    expect((await b.loadInputStates("s")).map((r) => r.inputId)).toEqual(["i1"]);
    await b.persistInputState("s", row("i3"));
    expect((await b.loadInputStates("s")).map((r) => r.inputId)).toEqual(["i1", "i3"]);
    await paused.close();
    await b.close();
  });

  it("deduplicates submissions by idempotency key", async () => {
    const store = await PostgresStore.connect(pgUrl(), { schema: freshSchema(), pool: sharedPool() });
    const input = { ...inputs.prompt("x1"), header: { ...inputs.prompt("x1").header, idempotencyKey: "k1" } };
    expect(await store.submit("s", input)).toMatchObject({ outcome: "Accepted", inputId: "x1" });
    const again = { ...input, header: { ...input.header, id: "x2" } };
    expect(await store.submit("s", again)).toMatchObject({ outcome: "Deduplicated", existingId: "x1" });
    expect((await store.pendingSubmissions("s")).map((p) => p.inputId)).toEqual(["x1"]);
    await store.close();
  });

  it("acknowledges the submissions of one turn together, each with its own outcome, deduplicating within the turn too", async () => {
    const schema = freshSchema();
    const store = await PostgresStore.connect(pgUrl(), { schema, pool: sharedPool() });
    const keyed = (id: string, key: string) => ({ ...inputs.prompt(id), header: { ...inputs.prompt(id).header, idempotencyKey: key } });
    // All in one turn: a, b, c for s1 (b reuses a's key), d for s2, and a again (same id and key).
    const results = await Promise.all([
      store.submit("s1", keyed("a", "ka")),
      store.submit("s1", keyed("b", "ka")),
      store.submit("s1", keyed("c", "kc")),
      store.submit("s2", keyed("d", "kd")),
      store.submit("s1", keyed("a", "ka")),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(["Accepted", "Deduplicated", "Accepted", "Accepted", "Deduplicated"]);
    expect(results[1]).toMatchObject({ existingId: "a" });
    expect(results[4]).toMatchObject({ existingId: "a" });
    expect((await store.pendingSubmissions("s1")).map((p) => p.inputId)).toEqual(["a", "c"]);
    expect((await store.pendingSubmissions("s2")).map((p) => p.inputId)).toEqual(["d"]);
    const rows = await sharedPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.submissions`);
    expect(rows.rows[0]?.n).toBe(3);
    await store.close();
  });

  it("names the other process's submission when two submit the same key at once (never the loser's own id)", async () => {
    const schema = freshSchema();
    const a = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", autoAcquire: false });
    const b = await PostgresStore.connect(pgUrl(), { schema, owner: "node-b", autoAcquire: false });
    const keyed = (id: string, key: string) => ({ ...inputs.prompt(id), header: { ...inputs.prompt(id).header, idempotencyKey: key } });
    for (let i = 0; i < 30; i++) {
      const [ra, rb] = await Promise.all([a.submit("s", keyed(`a${i}`, `k${i}`)), b.submit("s", keyed(`b${i}`, `k${i}`))]);
      const winner = ra.outcome === "Accepted" ? ra : rb;
      const loser = winner === ra ? rb : ra;
      expect(winner.outcome).toBe("Accepted");
      expect(loser).toMatchObject({ outcome: "Deduplicated", existingId: winner.inputId });
    }
    await a.close();
    await b.close();
  });
});

describe("submission batches", () => {
  const q = (sessionId: string, inputId: string, key: string) => ({ sub: { sessionId, inputId, key, json: "{}" } });
  it("take submissions in order, leaving queued any that collide with one taken or in flight", () => {
    const queue = [q("s1", "a", "ka"), q("s1", "b", "ka"), q("s2", "a", "ka"), q("s1", "a", "kz"), q("s1", "c", "kc"), q("s3", "x", "kx")];
    const busy = new Set(collisionKeys(q("s3", "x", "other").sub));
    expect(takeSubmissions(queue, 10, busy).map((x) => `${x.sub.sessionId}/${x.sub.inputId}`)).toEqual(["s1/a", "s2/a", "s1/c"]);
    expect(queue.map((x) => `${x.sub.sessionId}/${x.sub.inputId}`)).toEqual(["s1/b", "s1/a", "s3/x"]);
    expect(takeSubmissions(queue, 1, new Set()).map((x) => x.sub.inputId)).toEqual(["b"]);
  });
});

describe("batched reads", () => {
  it("send the loads of one turn as one read and give each caller its session's rows, in order", async () => {
    const calls: string[][] = [];
    const reads = new ReadBatcher<{ session_id: string; n: number }>(async (ids) => {
      calls.push([...ids]);
      return [{ session_id: "a", n: 1 }, { session_id: "b", n: 2 }, { session_id: "a", n: 3 }];
    });
    const [a, b, again, none] = await Promise.all([reads.load("a"), reads.load("b"), reads.load("a"), reads.load("c")]);
    expect(calls).toEqual([["a", "b", "c"]]);
    expect(a.map((r) => r.n)).toEqual([1, 3]);
    expect(again).toEqual(a);
    expect(b.map((r) => r.n)).toEqual([2]);
    expect(none).toEqual([]);
    await reads.load("d");
    expect(calls).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("fail every load of a read that failed, and only those", async () => {
    let fail = true;
    const reads = new ReadBatcher<{ session_id: string }>(async () => {
      if (fail) throw new Error("down");
      return [{ session_id: "x" }];
    });
    const failed = await Promise.allSettled([reads.load("x"), reads.load("y")]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await reads.load("x")).toEqual([{ session_id: "x" }]);
  });
});

describe("PostgresStore configuration errors", () => {
  it("names a malformed URL and a bad schema name", async () => {
    await expect(PostgresStore.connect("mysql://localhost/x")).rejects.toBeInstanceOf(PgConfigInvalidError);
    await expect(PostgresStore.connect("not a url")).rejects.toMatchObject({ code: "PgConfigInvalid", setting: "url" });
    await expect(PostgresStore.connect(pgUrl(), { schema: "Bad-Name" })).rejects.toMatchObject({ code: "PgConfigInvalid", setting: "schema" });
  });

  it("reports a server that is down as PgUnavailable after its retries", async () => {
    const server = new (await import("node:net")).Server();
    const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
    await new Promise((r) => server.close(r));
    const e = await PostgresStore.connect(`postgres://postgres@127.0.0.1:${port}/postgres`, { retry: { attempts: 2, baseDelayMs: 5 } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PgUnavailableError);
    expect(e).toMatchObject({ attempts: 2 });
  });

  it("refuses another application's schema and a newer schema version, writing nothing", async () => {
    const pool = sharedPool();
    const foreign = freshSchema();
    await pool.query(`CREATE SCHEMA ${foreign}; CREATE TABLE ${foreign}.users (id int)`);
    await expect(PostgresStore.connect(pgUrl(), { schema: foreign })).rejects.toBeInstanceOf(PgForeignSchemaError);
    const tables = await pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [foreign]);
    expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(["users"]);

    const newer = freshSchema();
    const store = await PostgresStore.connect(pgUrl(), { schema: newer, pool });
    await store.close();
    await pool.query(`UPDATE ${newer}.meta SET value = '99' WHERE key = 'schema_version'`);
    await expect(PostgresStore.connect(pgUrl(), { schema: newer })).rejects.toBeInstanceOf(PgSchemaTooNewError);
    expect((await pool.query(`SELECT value FROM ${newer}.meta WHERE key = 'schema_version'`)).rows[0]).toEqual({ value: "99" });
  });
});


// Lease handoff against a real server: a claimed grant is carried by writes only once the worker
// activated it (a stale copy in the same process cannot write under it), and a submission to a
// stopped session is settled as refused instead of being claimed again and again.

import { describe, expect, it } from "vitest";
import { createRuntime } from "../runtime/index.js";
import { FencedOutError, PostgresStore } from "../runtime/postgres/index.js";
import { Worker } from "../runtime/postgres/worker.js";
import { inputs } from "../testing/index.js";
import { storedRow } from "./helpers/stored-row.js";
import { freshSchema, pgUrl, sharedPool } from "./helpers/postgres.js";

const row = storedRow;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("PostgresStore grants", () => {
  it("carries a re-claimed grant in writes only after activate(), so a stale copy's write is refused", async () => {
    const schema = freshSchema();
    const pool = sharedPool();
    const a = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", leaseMs: 200, pool, autoAcquire: false });
    expect(await a.acquire("s")).toBe(1);
    await a.persistInputState("s", row("i1")); // live work: the session is claimable once its lease expires
    await a.close(); // no heartbeats from here on: the lease runs out…
    const again = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", leaseMs: 200, pool, autoAcquire: false });
    (again as unknown as { heldSessions(): Map<string, number> }).heldSessions().set("s", 1); // …while a copy still writes under fence 1
    await pool.query(`UPDATE ${schema}.sessions SET lease_expires_at = now() - interval '1 second'`);
    expect(await again.claimSessions(10)).toEqual([{ sessionId: "s", fence: 2 }]);
    expect(again.grantedSessions().get("s")).toBe(2);
    expect(again.heldSessions().get("s")).toBe(1);

    const lost: string[] = [];
    again.onSessionLost((id) => lost.push(id));
    const refused = await again.persistInputState("s", row("i2")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FencedOutError);
    expect(refused).toMatchObject({ heldFence: 1, currentFence: 2 });
    expect(lost).toEqual([]); // the newer grant is being adopted: nobody is told to drop it
    expect(again.grantedSessions().get("s")).toBe(2);

    expect(again.activate("s", 1)).toBe(false); // not the newest grant
    expect(again.activate("s", 2)).toBe(true);
    await again.persistInputState("s", row("i3"));
    const stored = await pool.query<{ input_id: string; written_fence: number }>(`SELECT input_id, written_fence FROM ${schema}.input_states ORDER BY row_id`);
    expect(stored.rows.map((r) => [r.input_id, Number(r.written_fence)])).toEqual([["i1", 1], ["i3", 2]]);
    await again.close();
  });
});

describe("PostgresStore group commit", () => {
  it("answers each write of a shared transaction alone: stale fences refused and nothing of theirs stored, the others written", async () => {
    const schema = freshSchema();
    const pool = sharedPool();
    const store = await PostgresStore.connect(pgUrl(), { schema, owner: "node-a", leaseMs: 5000, pool, autoAcquire: false });
    const ids = Array.from({ length: 10 }, (_, i) => `s${i}`);
    for (const id of ids) await store.acquire(id);
    const stale = new Set(["s5", "s7", "s9"]);
    // Another node took these over meanwhile (the fence moved on in the database).
    await pool.query(`UPDATE ${schema}.sessions SET fence = fence + 1, owner = 'node-b' WHERE session_id = ANY($1)`, [[...stale]]);
    // Ten writes in one tick: the first ones start transactions at once, the rest share the next.
    const results = await Promise.allSettled(ids.map((id) => store.persistInputState(id, row(`${id}-i`))));
    results.forEach((r, i) => {
      const id = ids[i]!;
      if (stale.has(id)) expect(r.status === "rejected" && r.reason instanceof FencedOutError).toBe(true);
      else expect(r.status).toBe("fulfilled");
    });
    const stored = await pool.query<{ session_id: string }>(`SELECT session_id FROM ${schema}.input_states ORDER BY session_id`);
    expect(stored.rows.map((r) => r.session_id)).toEqual(ids.filter((id) => !stale.has(id)));
    await store.close();
  });
});

describe("Worker", () => {
  it("settles a submission to a stopped session as refused, and does not keep claiming the session", async () => {
    const schema = freshSchema();
    const pool = sharedPool();
    // A session stopped by its earlier owner, lease handed back.
    const first = await PostgresStore.connect(pgUrl(), { schema, owner: "first", pool });
    const rt = createRuntime({ executor: { apply: async () => ({}) }, store: first });
    await rt.registerSession("s");
    await rt.stopRuntimeExecutor("s");
    await first.release("s");
    await rt.close();
    await first.close();

    const client = await PostgresStore.connect(pgUrl(), { schema, owner: "client", pool, autoAcquire: false });
    expect(await client.submit("s", inputs.prompt("late", "hello", { idempotencyKey: "k-late" }))).toMatchObject({ outcome: "Accepted" });
    const store = await PostgresStore.connect(pgUrl(), { schema, owner: "worker", leaseMs: 300, autoAcquire: false });
    const log: Record<string, unknown>[] = [];
    const worker = new Worker({ store, executor: { apply: async () => ({}) }, log: (r) => log.push(r) });
    worker.start();
    try {
      const outcome = await until("the submission to be settled", async () => {
        const r = await pool.query<{ outcome: string | null }>(`SELECT outcome FROM ${schema}.submissions WHERE input_id = 'late' AND admitted`);
        return r.rows[0]?.outcome ?? undefined;
      });
      expect(outcome).toBe("Refused:NotReady");
      expect(log).toContainEqual(expect.objectContaining({ event: "submission.refused", session: "s", input: "late", code: "NotReady" }));
      const fenceThen = Number((await pool.query<{ fence: number }>(`SELECT fence FROM ${schema}.sessions WHERE session_id = 's'`)).rows[0]?.fence);
      await new Promise((r) => setTimeout(r, 1500)); // five leases: a claim loop would have raised the fence by now
      const fenceNow = Number((await pool.query<{ fence: number }>(`SELECT fence FROM ${schema}.sessions WHERE session_id = 's'`)).rows[0]?.fence);
      expect(fenceNow).toBe(fenceThen);
    } finally {
      await worker.stop();
      await client.close();
    }
  });
});

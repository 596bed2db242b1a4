// Group commit for the PostgreSQL store: the fenced writes of many sessions that arrive while a
// transaction is in flight share the next one. One transaction costs a handful of round trips and
// one WAL flush whatever it holds, so a busy process pays them once per batch instead of once per
// write. Each write still gets its own outcome: the fence check (one statement locking every
// session row that still names this owner and the write's fence) and the already-admitted check
// run first, a write that fails them is answered with its error and takes no part in the rest,
// and only the others are written. A batch holds at most one write per session, so each session's
// writes keep their order.

import type pg from "pg";
import type { InputId, RunId, SessionId } from "../input.js";
import type { BoundaryReceipt, PersistedPhase, StoredBinding } from "../store.js";

/** One fenced write, as the store queued it. */
export interface FencedWrite {
  readonly sessionId: SessionId;
  /** The fence this write carries (the store's active grant when the write was asked for). */
  readonly fence: number;
  readonly op: string;
  /** Set the session's coarse phase (lifecycle commits). */
  readonly phase: PersistedPhase | null;
  /** Encoded input rows (see PostgresStore#encode), written in order. */
  readonly rows: readonly (readonly unknown[])[];
  /** persistInputState: the inbox submission this row admits (refused if already admitted). */
  readonly admits?: InputId;
  /** commitBoundary: the receipt to mint. */
  readonly receipt?: { readonly runId: RunId; readonly contributors: readonly InputId[] };
  readonly binding?: StoredBinding;
  readonly opsSnapshot?: string;
  /** settleSubmission: the submission and the outcome it is settled with. */
  readonly settle?: { readonly inputId: InputId; readonly outcome: string };
}

/** Per write: done (with the minted receipt, for commitBoundary), fenced out, or already admitted. */
export type WriteOutcome =
  | { readonly kind: "done"; readonly receipt: BoundaryReceipt | null }
  | { readonly kind: "fenced" }
  | { readonly kind: "alreadyAdmitted" };

const ROW_COLUMNS =
  "session_id, input_id, phase, lane, attempts, last_run_id, terminal_json, idempotency_key, kind, durability, updated_at, input_json, decision_json, written_fence";
const ROW_TYPES = ["text", "text", "text", "text", "int4", "text", "text", "text", "text", "text", "int8", "text", "text", "int8"];

/**
 * Runs the body of one batch inside a transaction the caller opened (BEGIN … COMMIT are the
 * caller's, with its retries). Returns one outcome per write, in order.
 */
export async function writeBatch(c: pg.PoolClient, schema: string, owner: string, leaseMs: number, writes: readonly FencedWrite[]): Promise<WriteOutcome[]> {
  const s = schema;
  // 1. The fence check of every write at once; a session row is locked only where it still names
  //    this owner and that write's fence.
  //    A write under a held fence proves its owner alive, so the lease is renewed here as well (the
  //    heartbeat skips rows a group commit has locked).
  const locked = await c.query<{ session_id: string }>(
    `UPDATE ${s}.sessions x SET first_write = COALESCE(x.first_write, nextval('${s}.first_write_seq')), phase = COALESCE(w.phase, x.phase),
            lease_expires_at = GREATEST(x.lease_expires_at, now() + make_interval(secs => $5::float8 / 1000))
       FROM unnest($2::text[], $3::int8[], $4::text[]) AS w(session_id, fence, phase)
      WHERE x.session_id = w.session_id AND x.owner = $1 AND x.fence = w.fence
      RETURNING x.session_id`,
    [owner, writes.map((w) => w.sessionId), writes.map((w) => w.fence), writes.map((w) => w.phase), leaseMs],
  );
  const held = new Set(locked.rows.map((r) => r.session_id));
  const outcomes: (WriteOutcome | null)[] = writes.map((w) => (held.has(w.sessionId) ? null : { kind: "fenced" }));

  // 2. Admissions from the inbox: a submission admitted already (by an older owner) refuses its write.
  const admitting = writes.filter((w, i) => outcomes[i] === null && w.admits !== undefined);
  if (admitting.length > 0) {
    const r = await c.query<{ session_id: string; input_id: string; was: boolean }>(
      `WITH w AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(session_id, input_id)),
            old AS (SELECT b.session_id, b.input_id, b.admitted AS was FROM ${s}.submissions b JOIN w USING (session_id, input_id) FOR UPDATE OF b),
            upd AS (UPDATE ${s}.submissions b SET admitted = true FROM w WHERE b.session_id = w.session_id AND b.input_id = w.input_id AND NOT b.admitted RETURNING 1)
       SELECT session_id, input_id, was FROM old`,
      [admitting.map((w) => w.sessionId), admitting.map((w) => w.admits)],
    );
    const already = new Set(r.rows.filter((row) => row.was).map((row) => `${row.session_id}\u0000${row.input_id}`));
    writes.forEach((w, i) => {
      if (outcomes[i] === null && w.admits !== undefined && already.has(`${w.sessionId}\u0000${w.admits}`)) outcomes[i] = { kind: "alreadyAdmitted" };
    });
    // A write refused here must not have admitted anything: only rows that were not admitted were updated above.
  }
  const live = writes.filter((_, i) => outcomes[i] === null);

  // 3. Receipts: each run's next sequence, minted in write order.
  const receipts = new Map<FencedWrite, BoundaryReceipt>();
  const minting = live.filter((w) => w.receipt !== undefined);
  if (minting.length > 0) {
    const prev = await c.query<{ session_id: string; run_id: string; s: number }>(
      `SELECT r.session_id, r.run_id, MAX(r.sequence) AS s FROM ${s}.boundary_receipts r
         JOIN unnest($1::text[], $2::text[]) AS w(session_id, run_id) USING (session_id, run_id) GROUP BY 1, 2`,
      [minting.map((w) => w.sessionId), minting.map((w) => w.receipt!.runId)],
    );
    const last = new Map(prev.rows.map((r) => [`${r.session_id}\u0000${r.run_id}`, Number(r.s)]));
    const now = Date.now();
    for (const w of minting) {
      const key = `${w.sessionId}\u0000${w.receipt!.runId}`;
      const sequence = (last.get(key) ?? -1) + 1;
      last.set(key, sequence);
      receipts.set(w, { runId: w.receipt!.runId, sequence, contributors: [...w.receipt!.contributors], committedAt: now });
    }
    const rs = [...receipts.entries()];
    await c.query(
      `INSERT INTO ${s}.boundary_receipts (session_id, run_id, sequence, contributors_json, committed_at, written_fence)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[], $5::int8[], $6::int8[])`,
      [rs.map(([w]) => w.sessionId), rs.map(([, r]) => r.runId), rs.map(([, r]) => r.sequence), rs.map(([, r]) => JSON.stringify(r.contributors)), rs.map(([, r]) => r.committedAt), rs.map(([w]) => w.fence)],
    );
  }

  // 4. Input rows: one upsert for the batch (a row written twice keeps its last version).
  const rows = new Map<string, readonly unknown[]>();
  for (const w of live) for (const r of w.rows) rows.set(`${String(r[0])}\u0000${String(r[1])}`, [...r, w.fence]);
  if (rows.size > 0) {
    const columns = ROW_TYPES.map((_, col) => [...rows.values()].map((r) => r[col]));
    await c.query(
      `INSERT INTO ${s}.input_states (${ROW_COLUMNS})
       SELECT * FROM unnest(${ROW_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
       ON CONFLICT (session_id, input_id) DO UPDATE SET
         phase = excluded.phase, lane = excluded.lane, attempts = excluded.attempts, last_run_id = excluded.last_run_id,
         terminal_json = excluded.terminal_json, idempotency_key = excluded.idempotency_key, kind = excluded.kind,
         durability = excluded.durability, updated_at = excluded.updated_at, input_json = excluded.input_json,
         decision_json = excluded.decision_json, written_fence = excluded.written_fence`,
      columns,
    );
  }

  // 5. The rarer parts, one statement per kind present.
  const bindings = live.filter((w) => w.binding !== undefined);
  if (bindings.length > 0) {
    await c.query(
      `UPDATE ${s}.sessions x SET bound_runtime = w.runtime, highest_fence = w.fence, generation = w.generation
         FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[]) AS w(session_id, runtime, fence, generation) WHERE x.session_id = w.session_id`,
      [bindings.map((w) => w.sessionId), bindings.map((w) => w.binding!.runtimeId), bindings.map((w) => w.binding!.fence), bindings.map((w) => w.binding!.generation)],
    );
  }
  const snapshots = live.filter((w) => w.opsSnapshot !== undefined);
  if (snapshots.length > 0) {
    await c.query(
      `INSERT INTO ${s}.ops_snapshots (session_id, snapshot_json) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (session_id) DO UPDATE SET snapshot_json = excluded.snapshot_json`,
      [snapshots.map((w) => w.sessionId), snapshots.map((w) => w.opsSnapshot)],
    );
  }
  const settles = live.filter((w) => w.settle !== undefined);
  if (settles.length > 0) {
    await c.query(
      `UPDATE ${s}.submissions b SET admitted = true, outcome = w.outcome
         FROM unnest($1::text[], $2::text[], $3::text[]) AS w(session_id, input_id, outcome) WHERE b.session_id = w.session_id AND b.input_id = w.input_id`,
      [settles.map((w) => w.sessionId), settles.map((w) => w.settle!.inputId), settles.map((w) => w.settle!.outcome)],
    );
  }
  return writes.map((w, i) => outcomes[i] ?? { kind: "done", receipt: receipts.get(w) ?? null });
}

/** The next batch from a queue: the oldest write of each session not `busy` (in a batch in flight), at most `max`, in queue order. */
export function takeBatch<T extends { readonly write: FencedWrite }>(queue: T[], max: number, busy: ReadonlySet<SessionId>): T[] {
  const batch: T[] = [];
  const sessions = new Set<SessionId>(busy);
  for (let i = 0; i < queue.length && batch.length < max; ) {
    const item = queue[i]!;
    if (sessions.has(item.write.sessionId)) {
      i += 1;
      continue;
    }
    sessions.add(item.write.sessionId);
    batch.push(item);
    queue.splice(i, 1);
  }
  return batch;
}

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
 * Runs one batch as ONE statement, which is its own transaction (the caller sends it alone, in
 * autocommit, with its retries): one round trip for the whole batch. Its parts are data-modifying
 * CTEs over one snapshot, each filtered by the fence check (`locked`) and the admission check
 * (`prior`), so a refused write changes nothing. Returns one outcome per write, in order.
 */
export async function writeBatch(c: pg.PoolClient, schema: string, owner: string, leaseMs: number, writes: readonly FencedWrite[]): Promise<WriteOutcome[]> {
  const s = schema;
  const committedAt = Date.now();
  // One write per session in a batch (takeBatch), so rows, receipts and results join on session_id.
  const rows: unknown[][] = [];
  for (const w of writes) {
    const seen = new Map<string, readonly unknown[]>();
    for (const r of w.rows) seen.set(String(r[1]), r); // a row written twice keeps its last version
    for (const r of seen.values()) rows.push([...r, w.fence]);
  }
  const col = <T>(f: (w: FencedWrite) => T): T[] => writes.map(f);
  const params: unknown[] = [
    owner,
    leaseMs,
    committedAt,
    col((w) => w.sessionId),
    col((w) => w.fence),
    col((w) => w.phase),
    col((w) => w.admits ?? null),
    col((w) => w.binding?.runtimeId ?? null),
    col((w) => w.binding?.fence ?? null),
    col((w) => w.binding?.generation ?? null),
    col((w) => w.opsSnapshot ?? null),
    col((w) => w.settle?.inputId ?? null),
    col((w) => w.settle?.outcome ?? null),
    col((w) => w.receipt?.runId ?? null),
    col((w) => (w.receipt === undefined ? null : JSON.stringify(w.receipt.contributors))),
    ...ROW_TYPES.map((_, i) => rows.map((r) => r[i])),
  ];
  const rowParams = ROW_TYPES.map((t, i) => `$${16 + i}::${t}[]`).join(", ");
  const result = await c.query<{ session_id: string; held: boolean; already: boolean; sequence: number | null }>({
    // Named: prepared once per connection, so the server parses and plans this long statement
    // once instead of at every batch (the text depends on the schema only).
    name: `meerkat_group_commit_${s}`,
    text: `WITH w AS (
       SELECT * FROM unnest($4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::int8[], $10::int8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
         AS w(session_id, fence, phase, admits, b_runtime, b_fence, b_gen, ops, settle_input, settle_outcome, receipt_run, receipt_contributors)),
     -- The fence check: a session row is locked and updated only where it still names this owner
     -- and the write's fence. A write under a held fence proves its owner alive, so the lease is
     -- renewed here too (heartbeats skip rows a group commit has locked).
     locked AS (
       UPDATE ${s}.sessions x SET first_write = COALESCE(x.first_write, nextval('${s}.first_write_seq')), phase = COALESCE(w.phase, x.phase),
              lease_expires_at = GREATEST(x.lease_expires_at, now() + make_interval(secs => $2::float8 / 1000)),
              bound_runtime = COALESCE(w.b_runtime, x.bound_runtime), highest_fence = COALESCE(w.b_fence, x.highest_fence), generation = COALESCE(w.b_gen, x.generation)
         FROM w WHERE x.session_id = w.session_id AND x.owner = $1 AND x.fence = w.fence
         RETURNING x.session_id),
     -- Admissions from the inbox: a submission already admitted (by an older owner) refuses its write.
     prior AS (
       SELECT b.session_id, b.input_id, b.admitted FROM ${s}.submissions b JOIN w ON b.session_id = w.session_id AND b.input_id = w.admits FOR UPDATE OF b),
     ok AS (
       SELECT w.* FROM w JOIN locked USING (session_id)
        WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.session_id = w.session_id AND p.admitted)),
     admit AS (
       UPDATE ${s}.submissions b SET admitted = true FROM ok WHERE b.session_id = ok.session_id AND b.input_id = ok.admits AND NOT b.admitted RETURNING 1),
     -- Receipts: the run's next sequence (one receipt per session in a batch).
     receipts AS (
       INSERT INTO ${s}.boundary_receipts (session_id, run_id, sequence, contributors_json, committed_at, written_fence)
       SELECT ok.session_id, ok.receipt_run,
              COALESCE((SELECT MAX(r.sequence) FROM ${s}.boundary_receipts r WHERE r.session_id = ok.session_id AND r.run_id = ok.receipt_run), -1) + 1,
              ok.receipt_contributors, $3::int8, ok.fence
         FROM ok WHERE ok.receipt_run IS NOT NULL
       RETURNING session_id, sequence),
     rows_in AS (
       INSERT INTO ${s}.input_states (${ROW_COLUMNS})
       SELECT r.* FROM unnest(${rowParams}) AS r(${ROW_COLUMNS}) WHERE r.session_id IN (SELECT session_id FROM ok)
       ON CONFLICT (session_id, input_id) DO UPDATE SET
         phase = excluded.phase, lane = excluded.lane, attempts = excluded.attempts, last_run_id = excluded.last_run_id,
         terminal_json = excluded.terminal_json, idempotency_key = excluded.idempotency_key, kind = excluded.kind,
         durability = excluded.durability, updated_at = excluded.updated_at, input_json = excluded.input_json,
         decision_json = excluded.decision_json, written_fence = excluded.written_fence
       RETURNING 1),
     ops_in AS (
       INSERT INTO ${s}.ops_snapshots (session_id, snapshot_json) SELECT ok.session_id, ok.ops FROM ok WHERE ok.ops IS NOT NULL
       ON CONFLICT (session_id) DO UPDATE SET snapshot_json = excluded.snapshot_json
       RETURNING 1),
     settled AS (
       UPDATE ${s}.submissions b SET admitted = true, outcome = ok.settle_outcome FROM ok
        WHERE ok.settle_input IS NOT NULL AND b.session_id = ok.session_id AND b.input_id = ok.settle_input
       RETURNING 1)
     SELECT w.session_id, l.session_id IS NOT NULL AS held,
            EXISTS (SELECT 1 FROM prior p WHERE p.session_id = w.session_id AND p.admitted) AS already, rc.sequence
       FROM w LEFT JOIN locked l USING (session_id) LEFT JOIN receipts rc USING (session_id)`,
    values: params,
  });
  const bySession = new Map(result.rows.map((r) => [r.session_id, r]));
  return writes.map((w): WriteOutcome => {
    const r = bySession.get(w.sessionId);
    if (r === undefined || !r.held) return { kind: "fenced" };
    if (r.already) return { kind: "alreadyAdmitted" };
    if (w.receipt === undefined) return { kind: "done", receipt: null };
    if (r.sequence === null) throw new Error(`group commit: no receipt minted for session ${JSON.stringify(w.sessionId)}`);
    return { kind: "done", receipt: { runId: w.receipt.runId, sequence: Number(r.sequence), contributors: [...w.receipt.contributors], committedAt } };
  });
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

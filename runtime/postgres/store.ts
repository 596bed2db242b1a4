// The RuntimeStore over PostgreSQL, shared by several runtime processes. Each session's row is
// also its lease (owner, fence, expiry on the database clock). A store instance is one owner:
// reads of a session it does not hold acquire the lease (fence + 1 in the database), and every
// write runs in one transaction whose first statement locks the session row *and* checks that it
// still names this owner with the held fence; otherwise nothing is written and FencedOutError is
// raised, and the runtime is told to drop the session (onSessionLost). Heartbeats renew every held
// lease; transient failures (dropped connection, server restart) are retried with backoff; a
// connection lost during COMMIT gives the session up so it is recovered from what the database
// holds. See runtime/README.md, "PostgreSQL store".

import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Input, InputId, JsonValue, RunId, SessionId } from "../input.js";
import { checkRowForWrite, decodeEnum, decodeInputRow, decodeJson, decodeReceipt, Decoding, PERSISTED_PHASES, type InputRowRaw, type ReceiptRowRaw } from "../row-codec.js";
import { trackStoreIo, type BoundaryReceipt, type PersistedPhase, type RuntimeStore, type StoredBinding, type StoredInputRow } from "../store.js";
import { validateInput } from "../validate.js";
import { configErrorOf, DEFAULT_RETRY, isTransient, parseUrl, sleep, backoffMs, sqlStateOf, TYPES, withRetry, type RetryPolicy } from "./connection.js";
import {
  FencedOutError,
  PgAlreadyAdmittedError,
  PgCommitUnknownError,
  PgConfigInvalidError,
  PgLeaseHeldError,
  PgReadFailedError,
  PgStoreClosedError,
  PgUnavailableError,
  PgWriteFailedError,
  PostgresStoreError,
} from "./errors.js";
import { migrate, probeSchema, SCHEMA_NAME } from "./schema.js";

export interface PostgresStoreOptions {
  /** The PostgreSQL schema (namespace) holding the tables; default "meerkat". */
  readonly schema?: string;
  /** This process's owner name in lease rows (default host:pid:random). Must be unique per store. */
  readonly owner?: string;
  /** Lease time to live (ms, default 1000); heartbeats renew every third of it. */
  readonly leaseMs?: number;
  /** Reads of a session not held acquire its lease when free or expired (default true). */
  readonly autoAcquire?: boolean;
  /** Pool size (default 10). Ignored with `pool`. */
  readonly poolSize?: number;
  /** Use this pool (its lifetime is the caller's) instead of creating one; create it with `types: TYPES` (bigint as numbers). */
  readonly pool?: pg.Pool;
  readonly retry?: Partial<RetryPolicy>;
  /** Connect timeout per attempt (ms, default 2000). */
  readonly connectTimeoutMs?: number;
  readonly applicationName?: string;
}

export interface ClaimedSession {
  readonly sessionId: SessionId;
  readonly fence: number;
}

export interface SubmitResult {
  readonly outcome: "Accepted" | "Deduplicated";
  readonly inputId: InputId;
  /** For Deduplicated: the input stored earlier under the same idempotency key. */
  readonly existingId?: InputId;
}

export interface PendingSubmission {
  readonly inputId: InputId;
  readonly input: Input;
}

type LostListener = (sessionId: SessionId, reason: Error) => void;
type WorkListener = (sessionId: SessionId | null) => void;

/**
 * A connection the server kills (pg_terminate_backend, restart) emits "error": on an idle pooled
 * client through the pool, on a checked-out one on the client itself. Unhandled, either would end
 * the process; the failed query itself is what reports the failure. A pool passed in with
 * `options.pool` should be guarded by its owner the same way.
 */
export function guardPool(pool: pg.Pool): void {
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
}

const LIVE_PHASES = "('Queued', 'Staged', 'Applied', 'AppliedPendingConsumption')";

export class PostgresStore implements RuntimeStore {
  /** host/database/schema, for messages (no password). */
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #retry: RetryPolicy;
  readonly #autoAcquire: boolean;
  readonly #held = new Map<SessionId, number>();
  readonly #acquiring = new Map<SessionId, Promise<number>>();
  readonly #lost = new Set<LostListener>();
  readonly #work = new Set<WorkListener>();
  readonly #ready: Promise<void>;
  readonly #channel: string;
  #heartbeat: NodeJS.Timeout | null = null;
  #listener: pg.Client | null = null;
  #listening = false;
  #closed = false;
  /** Writes refused by a fence (the cluster campaign counts them). */
  fencedWrites = 0;

  /**
   * Connects, checks the schema (creating or migrating it) and returns the store. Bad
   * configuration is a typed error naming what is wrong, and nothing is written: PgConfigInvalid,
   * PgUnavailable (server down), PgAuthFailed, PgDatabaseMissing, PgSchemaTooNew, PgForeignSchema.
   */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.#ready;
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** The store at once; its schema check runs in the background and every call waits for it. */
  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    const store = new PostgresStore(url, options);
    store.#ready.catch(() => undefined); // surfaced by the first call
    return store;
  }

  private constructor(url: string, options: PostgresStoreOptions) {
    const parsed = parseUrl(url);
    this.#url = parsed.url;
    this.schema = options.schema ?? "meerkat";
    this.database = `${parsed.label}#${this.schema}`;
    if (!SCHEMA_NAME.test(this.schema)) throw new PgConfigInvalidError(this.database, "schema", `${JSON.stringify(this.schema)} must be lower-case letters, digits and underscores`);
    const leaseMs = options.leaseMs ?? 1000;
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 100) throw new PgConfigInvalidError(this.database, "leaseMs", `${String(leaseMs)} must be an integer of at least 100`);
    this.leaseMs = leaseMs;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#autoAcquire = options.autoAcquire ?? true;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#channel = `meerkat_work_${this.schema}`.slice(0, 63);
    this.#ownsPool = options.pool === undefined;
    this.#pool =
      options.pool ??
      new pg.Pool({
        connectionString: this.#url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
        application_name: options.applicationName ?? `meerkat ${this.owner}`,
        types: TYPES,
      });
    if (this.#ownsPool) guardPool(this.#pool);
    this.#ready = this.#init();
  }

  async #init(): Promise<void> {
    const client = await this.#connectClient("connect");
    try {
      await probeSchema(client, this.schema, this.database);
      await migrate(client, this.schema, this.database);
      client.release();
    } catch (e) {
      client.release(true);
      throw e;
    }
  }

  async #connectClient(operation: string): Promise<pg.PoolClient> {
    return withRetry(this.database, operation, this.#retry, () => this.#pool.connect());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sessions this store holds a lease on, with their fences. */
  heldSessions(): ReadonlyMap<SessionId, number> {
    return this.#held;
  }

  /** Called when a held session is lost (fenced out, taken over, given up): the runtime drops it. */
  onSessionLost(listener: LostListener): () => void {
    this.#lost.add(listener);
    return () => this.#lost.delete(listener);
  }

  /**
   * Called with a session id when an input is submitted to it or a lease is handed back (LISTEN/
   * NOTIFY), and with null after the listener (re)connected: notifications may have been missed.
   */
  onWork(listener: WorkListener): () => void {
    this.#work.add(listener);
    if (!this.#listening) {
      this.#listening = true;
      void this.#listen(0);
    }
    return () => this.#work.delete(listener);
  }

  // ── leases ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` sessions that have work (inbox or live inputs) and a free or expired
   * lease, skipping rows another node is claiming (SKIP LOCKED). Each grant increments the fence.
   */
  async claimSessions(limit: number): Promise<ClaimedSession[]> {
    await this.#open("claimSessions");
    const s = this.schema;
    const r = await this.#query<{ session_id: string; fence: number }>(
      "claimSessions",
      `WITH c AS (
         SELECT x.session_id FROM ${s}.sessions x
         WHERE (x.owner IS NULL OR x.lease_expires_at < now())
           AND (EXISTS (SELECT 1 FROM ${s}.submissions b WHERE b.session_id = x.session_id AND NOT b.admitted)
             OR EXISTS (SELECT 1 FROM ${s}.input_states i WHERE i.session_id = x.session_id AND i.phase IN ${LIVE_PHASES}))
         ORDER BY x.lease_expires_at NULLS FIRST
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       UPDATE ${s}.sessions x SET owner = $1, fence = x.fence + 1, lease_expires_at = now() + make_interval(secs => $3::float8 / 1000), acquired_at = now()
       FROM c WHERE x.session_id = c.session_id
       RETURNING x.session_id, x.fence`,
      [this.owner, limit, this.leaseMs],
    );
    const claimed = r.rows.map((row) => ({ sessionId: row.session_id, fence: Number(row.fence) }));
    for (const c of claimed) this.#held.set(c.sessionId, c.fence);
    if (claimed.length > 0) this.#startHeartbeat();
    return claimed;
  }

  /** Acquires the session's lease if it is free, expired or already this owner's (a new fence). */
  acquire(sessionId: SessionId): Promise<number> {
    // Concurrent callers share one grant: a second grant would fence out the first caller's writes.
    let pending = this.#acquiring.get(sessionId);
    if (pending === undefined) {
      pending = this.#acquireOnce(sessionId).finally(() => this.#acquiring.delete(sessionId));
      this.#acquiring.set(sessionId, pending);
    }
    return pending;
  }

  async #acquireOnce(sessionId: SessionId): Promise<number> {
    await this.#open("acquire");
    const s = this.schema;
    const r = await this.#query<{ fence: number }>(
      "acquire",
      `INSERT INTO ${s}.sessions AS x (session_id, owner, fence, lease_expires_at, acquired_at)
       VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8 / 1000), now())
       ON CONFLICT (session_id) DO UPDATE SET owner = excluded.owner, fence = x.fence + 1, lease_expires_at = excluded.lease_expires_at, acquired_at = now()
       WHERE x.owner IS NULL OR x.owner = excluded.owner OR x.lease_expires_at < now()
       RETURNING x.fence`,
      [sessionId, this.owner, this.leaseMs],
    );
    const row = r.rows[0];
    if (row === undefined) {
      const cur = await this.#query<{ owner: string | null }>("acquire", `SELECT owner FROM ${s}.sessions WHERE session_id = $1`, [sessionId]);
      throw new PgLeaseHeldError(this.database, sessionId, cur.rows[0]?.owner ?? null);
    }
    const fence = Number(row.fence);
    this.#held.set(sessionId, fence);
    this.#startHeartbeat();
    return fence;
  }

  /** Hands the lease back (graceful shutdown): the row is freed under this store's fence, and other nodes are woken. */
  async release(sessionId: SessionId): Promise<boolean> {
    const fence = this.#held.get(sessionId);
    this.#held.delete(sessionId);
    if (fence === undefined || this.#closed) return false;
    const r = await this.#query(
      "release",
      `WITH u AS (UPDATE ${this.schema}.sessions SET owner = NULL, lease_expires_at = NULL WHERE session_id = $1 AND owner = $2 AND fence = $3 RETURNING session_id)
       SELECT pg_notify($4, session_id) FROM u`,
      [sessionId, this.owner, fence, this.#channel],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Forgets a held session locally (the runtime dropped it); the lease expires or is re-acquired with a new fence. */
  forget(sessionId: SessionId): void {
    this.#held.delete(sessionId);
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== null || this.#closed) return;
    this.#heartbeat = setInterval(() => void this.#renew(), Math.max(30, Math.floor(this.leaseMs / 3)));
    this.#heartbeat.unref();
  }

  /** One heartbeat: renews every lease this owner holds; a held session missing from the answer was taken over. */
  async #renew(): Promise<void> {
    if (this.#held.size === 0 || this.#closed) return;
    const sent = new Map(this.#held);
    let rows: { session_id: string; fence: number }[];
    try {
      const r = await this.#pool.query<{ session_id: string; fence: number }>(
        // Only the sessions still held: one this store gave up must expire so it can be claimed again.
        `UPDATE ${this.schema}.sessions SET lease_expires_at = now() + make_interval(secs => $2::float8 / 1000) WHERE owner = $1 AND session_id = ANY($3) RETURNING session_id, fence`,
        [this.owner, this.leaseMs, [...sent.keys()]],
      );
      rows = r.rows;
    } catch {
      return; // the next beat retries; safety never depends on a heartbeat
    }
    const renewed = new Map(rows.map((r) => [r.session_id, Number(r.fence)]));
    for (const [id, fence] of sent) {
      if (renewed.get(id) !== fence && this.#held.get(id) === fence) {
        this.#loseSession(id, new FencedOutError(this.database, id, fence, null, null, "heartbeat"));
      }
    }
  }

  #loseSession(sessionId: SessionId, reason: Error): void {
    this.#held.delete(sessionId);
    for (const l of this.#lost) {
      try {
        l(sessionId, reason);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  // ── inbox (any node) ────────────────────────────────────────────────────────────────────────

  /**
   * Acknowledges an input for a session from any process, owner or not: durable in the inbox
   * before this resolves, deduplicated by idempotency key (default: the input id), and the owner
   * (or an idle worker) is woken by NOTIFY. Needs no lease.
   */
  async submit(sessionId: SessionId, raw: unknown): Promise<SubmitResult> {
    await this.#open("submit");
    const input = validateInput(sessionId, raw);
    if (input.header.durability !== "Durable") throw new PgConfigInvalidError(this.database, "input.header.durability", `submissions must be Durable (input ${JSON.stringify(input.header.id)} is ${input.header.durability})`);
    const key = input.header.idempotencyKey ?? input.header.id;
    const s = this.schema;
    return this.#transaction("submit", async (c) => {
      await c.query(`INSERT INTO ${s}.sessions (session_id) VALUES ($1) ON CONFLICT (session_id) DO NOTHING`, [sessionId]);
      const ins = await c.query(
        `INSERT INTO ${s}.submissions (session_id, input_id, idempotency_key, input_json) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING input_id`,
        [sessionId, input.header.id, key, JSON.stringify(input)],
      );
      if ((ins.rowCount ?? 0) === 0) {
        const seen = await c.query<{ input_id: string }>(`SELECT input_id FROM ${s}.submissions WHERE session_id = $1 AND (idempotency_key = $2 OR input_id = $3) LIMIT 1`, [sessionId, key, input.header.id]);
        return { outcome: "Deduplicated", inputId: input.header.id, existingId: seen.rows[0]?.input_id ?? input.header.id } as SubmitResult;
      }
      await c.query("SELECT pg_notify($1, $2)", [this.#channel, sessionId]);
      return { outcome: "Accepted", inputId: input.header.id } as SubmitResult;
    });
  }

  /** The session's submissions not yet admitted, oldest first (the owner admits them through the runtime). */
  async pendingSubmissions(sessionId: SessionId): Promise<PendingSubmission[]> {
    await this.#open("pendingSubmissions");
    const r = await this.#query<{ input_id: string; input_json: string }>(
      "pendingSubmissions",
      `SELECT input_id, input_json FROM ${this.schema}.submissions WHERE session_id = $1 AND NOT admitted ORDER BY seq`,
      [sessionId],
    );
    return r.rows.map((row) => ({ inputId: row.input_id, input: validateInput(sessionId, JSON.parse(row.input_json)) }));
  }

  /** Settles a submission the runtime did not admit (deduplicated or rejected), under the fence. */
  async settleSubmission(sessionId: SessionId, inputId: InputId, outcome: string): Promise<void> {
    await this.#fenced(sessionId, "settleSubmission", null, async (c) => {
      await c.query(`UPDATE ${this.schema}.submissions SET admitted = true, outcome = $3 WHERE session_id = $1 AND input_id = $2`, [sessionId, inputId, outcome]);
    });
  }

  // ── RuntimeStore writes (fenced) ─────────────────────────────────────────────────────────────

  async persistInputState(sessionId: SessionId, row: StoredInputRow): Promise<void> {
    const encoded = this.#encode(sessionId, row, "persistInputState");
    await this.#fenced(sessionId, "persistInputState", null, async (c, fence) => {
      // Moving a submission into the session happens here, in the same transaction as its row.
      const sub = await c.query<{ was: boolean | null }>(
        `WITH old AS (SELECT admitted FROM ${this.schema}.submissions WHERE session_id = $1 AND input_id = $2 FOR UPDATE),
              upd AS (UPDATE ${this.schema}.submissions SET admitted = true WHERE session_id = $1 AND input_id = $2 AND NOT admitted RETURNING 1)
         SELECT (SELECT admitted FROM old) AS was, (SELECT count(*) FROM upd) AS n`,
        [sessionId, row.inputId],
      );
      if (sub.rows[0]?.was === true) throw new PgAlreadyAdmittedError(this.database, sessionId, row.inputId);
      await this.#putRow(c, encoded, fence);
    });
  }

  async commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[]): Promise<BoundaryReceipt> {
    const encoded = rows.map((r) => this.#encode(sessionId, r, "commitBoundary"));
    const ids = [...contributors];
    return this.#fenced(sessionId, "commitBoundary", null, async (c, fence) => {
      const prev = await c.query<{ s: number | null }>(`SELECT MAX(sequence) AS s FROM ${this.schema}.boundary_receipts WHERE session_id = $1 AND run_id = $2`, [sessionId, runId]);
      const last = prev.rows[0]?.s ?? null; // int4: a number
      const receipt: BoundaryReceipt = { runId, sequence: last === null ? 0 : last + 1, contributors: ids, committedAt: Date.now() };
      await c.query(
        `INSERT INTO ${this.schema}.boundary_receipts (session_id, run_id, sequence, contributors_json, committed_at, written_fence) VALUES ($1, $2, $3, $4, $5, $6)`,
        [sessionId, runId, receipt.sequence, JSON.stringify(ids), receipt.committedAt, fence],
      );
      for (const r of encoded) await this.#putRow(c, r, fence);
      return receipt;
    });
  }

  async atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): Promise<void> {
    const encoded = rows.map((r) => this.#encode(sessionId, r, "atomicLifecycleCommit"));
    await this.#fenced(sessionId, "atomicLifecycleCommit", phase, async (c, fence) => {
      for (const r of encoded) await this.#putRow(c, r, fence);
    });
  }

  async persistBinding(sessionId: SessionId, binding: StoredBinding): Promise<void> {
    await this.#fenced(sessionId, "persistBinding", null, async (c) => {
      await c.query(`UPDATE ${this.schema}.sessions SET bound_runtime = $2, highest_fence = $3, generation = $4 WHERE session_id = $1`, [sessionId, binding.runtimeId, binding.fence, binding.generation]);
    });
  }

  async persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): Promise<void> {
    const json = JSON.stringify(snapshot) as string | undefined;
    if (json === undefined) throw new PgWriteFailedError(this.database, "persistOpsSnapshot", null, new TypeError("the ops snapshot is not JSON"));
    await this.#fenced(sessionId, "persistOpsSnapshot", null, async (c) => {
      await c.query(
        `INSERT INTO ${this.schema}.ops_snapshots (session_id, snapshot_json) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET snapshot_json = excluded.snapshot_json`,
        [sessionId, json],
      );
    });
  }

  #encode(sessionId: SessionId, row: StoredInputRow, op: string): unknown[] {
    const bad = checkRowForWrite(row);
    if (bad !== null) throw new PgWriteFailedError(this.database, op, null, new TypeError(`input row ${JSON.stringify(row.inputId)} of session ${JSON.stringify(sessionId)}: ${bad}`));
    return [
      sessionId,
      row.inputId,
      row.phase,
      row.lane,
      row.attempts,
      row.lastRunId,
      row.terminal === null ? null : JSON.stringify(row.terminal),
      row.idempotencyKey,
      row.kind,
      row.durability,
      row.updatedAt,
      JSON.stringify(row.input),
      JSON.stringify(row.decision),
    ];
  }

  async #putRow(c: pg.PoolClient, encoded: unknown[], fence: number): Promise<void> {
    await c.query(
      `INSERT INTO ${this.schema}.input_states (session_id, input_id, phase, lane, attempts, last_run_id, terminal_json, idempotency_key, kind, durability, updated_at, input_json, decision_json, written_fence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (session_id, input_id) DO UPDATE SET
         phase = excluded.phase, lane = excluded.lane, attempts = excluded.attempts, last_run_id = excluded.last_run_id,
         terminal_json = excluded.terminal_json, idempotency_key = excluded.idempotency_key, kind = excluded.kind,
         durability = excluded.durability, updated_at = excluded.updated_at, input_json = excluded.input_json,
         decision_json = excluded.decision_json, written_fence = excluded.written_fence`,
      [...encoded, fence],
    );
  }

  /**
   * One fenced write: BEGIN; lock the session row where it still names this owner and fence (and
   * set the phase, for lifecycle commits); the body; COMMIT. Zero rows locked → FencedOutError,
   * nothing written. Failures before COMMIT roll back and are retried when transient.
   */
  async #fenced<T>(sessionId: SessionId, op: string, phase: PersistedPhase | null, body: (c: pg.PoolClient, fence: number) => Promise<T>): Promise<T> {
    await this.#open(op);
    const s = this.schema;
    return this.#transaction(op, async (c) => {
      const fence = this.#held.get(sessionId);
      if (fence === undefined) throw await this.#fencedOut(c, sessionId, 0, op, false);
      const locked = await c.query(
        `UPDATE ${s}.sessions SET first_write = COALESCE(first_write, nextval('${s}.first_write_seq')), phase = COALESCE($4::text, phase)
         WHERE session_id = $1 AND owner = $2 AND fence = $3 RETURNING fence`,
        [sessionId, this.owner, fence, phase],
      );
      if ((locked.rowCount ?? 0) === 0) throw await this.#fencedOut(c, sessionId, fence, op, true);
      return body(c, fence);
    }, sessionId);
  }

  async #fencedOut(c: pg.PoolClient, sessionId: SessionId, fence: number, op: string, wasHeld: boolean): Promise<FencedOutError> {
    const cur = await c.query<{ owner: string | null; fence: number }>(`SELECT owner, fence FROM ${this.schema}.sessions WHERE session_id = $1`, [sessionId]);
    const current = cur.rows[0];
    const e = new FencedOutError(this.database, sessionId, fence, current === undefined ? null : Number(current.fence), current?.owner ?? null, op);
    this.fencedWrites += 1;
    if (wasHeld && this.#held.get(sessionId) === fence) this.#loseSession(sessionId, e);
    return e;
  }

  /** BEGIN … COMMIT on one pooled connection, retried (whole) on transient failures before COMMIT. */
  #transaction<T>(op: string, body: (c: pg.PoolClient) => Promise<T>, sessionId?: SessionId): Promise<T> {
    return trackStoreIo(this.#transactionUntracked(op, body, sessionId));
  }

  async #transactionUntracked<T>(op: string, body: (c: pg.PoolClient) => Promise<T>, sessionId?: SessionId): Promise<T> {
    let last: unknown;
    for (let attempt = 0; attempt < this.#retry.attempts; attempt++) {
      let c: pg.PoolClient;
      try {
        c = await this.#pool.connect();
      } catch (e) {
        const config = configErrorOf(this.database, e);
        if (config !== null) throw config;
        if (!isTransient(e)) throw new PgWriteFailedError(this.database, op, sqlStateOf(e), e);
        last = e;
        await sleep(backoffMs(this.#retry, attempt));
        continue;
      }
      let committing = false;
      try {
        await c.query("BEGIN");
        const result = await body(c);
        committing = true;
        await c.query("COMMIT");
        c.release();
        return result;
      } catch (e) {
        if (isTransient(e)) {
          c.release(true);
          if (committing && sessionId !== undefined) {
            const unknown = new PgCommitUnknownError(this.database, sessionId, op, e);
            if (this.#held.has(sessionId)) this.#loseSession(sessionId, unknown);
            throw unknown;
          }
          last = e;
          await sleep(backoffMs(this.#retry, attempt));
          continue;
        }
        await c.query("ROLLBACK").catch(() => undefined);
        c.release();
        if (e instanceof PostgresStoreError) throw e;
        throw new PgWriteFailedError(this.database, op, sqlStateOf(e), e);
      }
    }
    throw new PgUnavailableError(this.database, op, this.#retry.attempts, last);
  }

  /** A single read statement, retried on transient failures. */
  async #query<R extends pg.QueryResultRow>(op: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await trackStoreIo(withRetry(this.database, op, this.#retry, () => this.#pool.query<R>(sql, params)));
    } catch (e) {
      if (e instanceof PostgresStoreError) throw e;
      throw new PgReadFailedError(this.database, op, sqlStateOf(e), e);
    }
  }

  // ── loads ───────────────────────────────────────────────────────────────────────────────────

  /** Reads a session's data only while holding its lease (acquired here when allowed). */
  async #forSession(sessionId: SessionId, op: string): Promise<void> {
    await this.#open(op);
    if (this.#held.has(sessionId)) return;
    if (!this.#autoAcquire) throw new FencedOutError(this.database, sessionId, 0, null, null, op);
    await this.acquire(sessionId);
  }

  async loadInputStates(sessionId: SessionId): Promise<readonly StoredInputRow[]> {
    await this.#forSession(sessionId, "loadInputStates");
    const r = await this.#query<InputRowRaw>("loadInputStates", `SELECT * FROM ${this.schema}.input_states WHERE session_id = $1 ORDER BY row_id`, [sessionId]);
    return r.rows.map((row) => decodeInputRow(this.database, row));
  }

  async loadRuntimeState(sessionId: SessionId): Promise<PersistedPhase | null> {
    await this.#forSession(sessionId, "loadRuntimeState");
    const r = await this.#query<{ phase: unknown }>("loadRuntimeState", `SELECT phase FROM ${this.schema}.sessions WHERE session_id = $1`, [sessionId]);
    const phase = r.rows[0]?.phase ?? null;
    if (phase === null) return null;
    return decodeEnum(PERSISTED_PHASES, phase, new Decoding(this.database, "sessions", { session_id: sessionId }), "phase") as PersistedPhase;
  }

  async loadBoundaryReceipt(sessionId: SessionId, runId: RunId, sequence: number): Promise<BoundaryReceipt | null> {
    await this.#forSession(sessionId, "loadBoundaryReceipt");
    const r = await this.#query<ReceiptRowRaw>("loadBoundaryReceipt", `SELECT * FROM ${this.schema}.boundary_receipts WHERE session_id = $1 AND run_id = $2 AND sequence = $3`, [sessionId, runId, sequence]);
    const row = r.rows[0];
    return row === undefined ? null : decodeReceipt(this.database, row);
  }

  async loadBoundaryReceipts(sessionId: SessionId): Promise<readonly BoundaryReceipt[]> {
    await this.#forSession(sessionId, "loadBoundaryReceipts");
    const r = await this.#query<ReceiptRowRaw>("loadBoundaryReceipts", `SELECT * FROM ${this.schema}.boundary_receipts WHERE session_id = $1 ORDER BY seq`, [sessionId]);
    return r.rows.map((row) => decodeReceipt(this.database, row));
  }

  async loadBinding(sessionId: SessionId): Promise<StoredBinding | null> {
    await this.#forSession(sessionId, "loadBinding");
    const r = await this.#query<{ bound_runtime: string | null; highest_fence: number | null; generation: number | null }>(
      "loadBinding",
      `SELECT bound_runtime, highest_fence, generation FROM ${this.schema}.sessions WHERE session_id = $1`,
      [sessionId],
    );
    const row = r.rows[0];
    if (row === undefined || row.bound_runtime === null || row.highest_fence === null) return null;
    return { runtimeId: row.bound_runtime, fence: Number(row.highest_fence), generation: Number(row.generation ?? 0) };
  }

  async loadOpsSnapshot(sessionId: SessionId): Promise<JsonValue | null> {
    await this.#forSession(sessionId, "loadOpsSnapshot");
    const r = await this.#query<{ snapshot_json: unknown }>("loadOpsSnapshot", `SELECT snapshot_json FROM ${this.schema}.ops_snapshots WHERE session_id = $1`, [sessionId]);
    const row = r.rows[0];
    return row === undefined ? null : decodeJson(new Decoding(this.database, "ops_snapshots", { session_id: sessionId }), "snapshot_json", row.snapshot_json);
  }

  async listSessions(): Promise<readonly SessionId[]> {
    await this.#open("listSessions");
    const r = await this.#query<{ session_id: string }>("listSessions", `SELECT session_id FROM ${this.schema}.sessions WHERE first_write IS NOT NULL ORDER BY first_write`, []);
    return r.rows.map((row) => row.session_id);
  }

  // ── wake-ups ────────────────────────────────────────────────────────────────────────────────

  /** A dedicated connection LISTENs; on loss it reconnects with backoff, re-LISTENs and tells listeners to rescan (null). */
  async #listen(attempt: number): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, types: TYPES, connectionTimeoutMillis: 2000, keepAlive: true });
    let ended = false;
    const reconnect = (): void => {
      if (ended) return;
      ended = true;
      client.removeAllListeners("notification");
      void client.end().catch(() => undefined);
      if (this.#listener === client) this.#listener = null;
      if (!this.#closed) setTimeout(() => void this.#listen(attempt + 1), backoffMs(this.#retry, Math.min(attempt, 6))).unref();
    };
    client.on("error", reconnect);
    client.on("end", reconnect);
    client.on("notification", (n) => {
      for (const l of this.#work) l(n.payload ?? null);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}`);
    } catch {
      reconnect();
      return;
    }
    if (this.#closed) {
      ended = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.#listener = client;
    attempt = 0;
    for (const l of this.#work) l(null);
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────

  async #open(op: string): Promise<void> {
    if (this.#closed) throw new PgStoreClosedError(this.database, op);
    await this.#ready;
  }

  /** Stops heartbeats and the listener and closes the pool (if the store created it). Leases are left to expire; call release() first to hand them back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    const listener = this.#listener;
    this.#listener = null;
    if (listener !== null) await listener.end().catch(() => undefined);
    await this.#ready.catch(() => undefined);
    if (this.#ownsPool) await this.#pool.end().catch(() => undefined);
  }
}

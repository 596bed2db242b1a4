// The RuntimeStore over PostgreSQL, shared by several runtime processes. Each session's row is
// also its lease (owner, fence, expiry on the database clock). A store instance is one owner:
// reads of a session it does not hold acquire the lease (fence + 1 in the database), and every
// write is one statement (its own transaction) whose first part locks the session row *and* checks that it
// still names this owner with the held fence; otherwise nothing is written and FencedOutError is
// raised, and the runtime is told to drop the session (onSessionLost). Heartbeats renew every held
// lease; transient failures (dropped connection, server restart) are retried with backoff; a
// connection lost while a write ran gives the session up so it is recovered from what the database
// holds. See runtime/README.md, "PostgreSQL store".

import { hostname } from "node:os";
import { LIVE_INPUT_PHASES } from "../../generated/session.machine.js";
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Input, InputId, JsonValue, RunId, SessionId } from "../input.js";
import { encodeRow, decodeEnum, decodeInputRow, decodeJson, decodeReceipt, Decoding, PERSISTED_PHASES, type InputRowRaw, type ReceiptRowRaw } from "../row-codec.js";
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
import { afterTurn } from "./after-turn.js";
import { ReadBatcher } from "./read-batch.js";
import { takeBatch, writeBatch, type FencedWrite, type WriteOutcome } from "./group-commit.js";
import { collisionKeys, submissionAnswers, submitStatement, takeSubmissions, type QueuedSubmission, type SubmissionAnswer } from "./submit-batch.js";

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
  /** Group commits in flight at once (default 4), each on its own pooled connection. Fewer make bigger batches (fewer statements and WAL flushes per write), more overlap them. */
  readonly maxBatchesInFlight?: number;
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

/** Group commits in flight at once by default (each on its own pooled connection; a session is in at most one). */
const MAX_BATCHES_IN_FLIGHT = 4;

interface QueuedWrite {
  readonly write: FencedWrite;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** A batch's failure as the error of one of its writes (its operation named). */
function relabel(e: unknown, op: string): unknown {
  if (e instanceof PgWriteFailedError && e.operation !== op) return new PgWriteFailedError(e.database, op, e.sqlState, e.cause);
  return e;
}

interface QueuedSubmit {
  readonly sub: QueuedSubmission;
  readonly resolve: (answer: SubmissionAnswer) => void;
  readonly reject: (error: unknown) => void;
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

/** The live input phases as an SQL list, from the spec (the same text as the claim scan's partial index, so it applies). */
const LIVE_PHASES = `(${[...LIVE_INPUT_PHASES].map((p) => `'${p}'`).join(", ")})`;

export class PostgresStore implements RuntimeStore {
  /** host/database/schema, for messages (no password). */
  readonly database: string;
  readonly schema: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly #url: string;
  readonly #pool: pg.Pool;
  /**
   * Lease traffic (claims, heartbeats, hand-backs) on connections of its own: queued behind a busy
   * pool's writes, a heartbeat could miss its lease and a claim its takeover. The same pool as
   * `#pool` when the caller passed one in.
   */
  readonly #leasePool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #retry: RetryPolicy;
  /**
   * Claim scans retry at least every quarter lease: after a server restart or a dropped
   * connection the scan that takes over a dead owner's sessions should run as soon as the server
   * answers, not after a backoff of up to a second on top of the lease (a failed scan costs nothing;
   * the worker's poll is the backstop anyway).
   */
  readonly #claimRetry: RetryPolicy;
  readonly #autoAcquire: boolean;
  /** The fence each session's writes carry: set only once the runtime holds that grant's copy (activate). */
  readonly #held = new Map<SessionId, number>();
  /** The newest lease grant per session (heartbeats renew these); a claimed grant is active only after activate(). */
  readonly #grants = new Map<SessionId, number>();
  readonly #acquiring = new Map<SessionId, Promise<number>>();
  readonly #lost = new Set<LostListener>();
  readonly #work = new Set<WorkListener>();
  readonly #ready: Promise<void>;
  readonly #channel: string;
  /** Fenced writes waiting for a group commit, the sessions with a write in a batch in flight, and how many batches are. */
  readonly #writeQueue: QueuedWrite[] = [];
  readonly #writing = new Set<SessionId>();
  #batchesInFlight = 0;
  /**
   * Starts batches once the current turn of the event loop is over, not at each write: the writes
   * that a finished batch's callers queue right away (their next step) then share one statement
   * instead of the first taking a free slot alone.
   */
  readonly #schedulePump = afterTurn(() => this.#pumpWrites());
  /** Submissions waiting for a batch (submit-batch.ts), and how many batches are in flight. */
  readonly #submitQueue: QueuedSubmit[] = [];
  #submitsInFlight = 0;
  /** Collision keys of the submissions in flight (see takeSubmissions). */
  readonly #submitKeys = new Set<string>();
  readonly #scheduleSubmits = afterTurn(() => this.#pumpSubmits());
  readonly #maxBatchesInFlight: number;
  #heartbeat: NodeJS.Timeout | null = null;
  /** The loads, batched per turn across sessions (read-batch.ts); the sessions row serves both loadRuntimeState and loadBinding. */
  readonly #inputRows: ReadBatcher<InputRowRaw & { session_id: unknown }>;
  readonly #sessionRows: ReadBatcher<{ session_id: string; phase: unknown; bound_runtime: string | null; highest_fence: number | null; generation: number | null }>;
  readonly #receiptRows: ReadBatcher<ReceiptRowRaw & { session_id: unknown }>;
  readonly #opsRows: ReadBatcher<{ session_id: string; snapshot_json: unknown }>;
  readonly #pendingRows: ReadBatcher<{ session_id: string; input_id: string; input_json: string }>;
  /** Wake-ups of committed submissions waiting for the next NOTIFY statement (session → live owner), and that statement. */
  readonly #wakes = new Map<SessionId, string | null>();
  #wakeFlush: Promise<void> | null = null;
  #listener: pg.Client | null = null;
  #listening = false;
  #closed = false;
  /** Writes refused by a fence (the cluster campaign counts them). */
  fencedWrites = 0;
  /** Group-commit statements that returned, and the fenced writes they carried (the bench reports writes per statement). */
  groupCommits = 0;
  batchedWrites = 0;

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
    const t = this.schema;
    this.#inputRows = this.#batchedRead("loadInputStates", `SELECT * FROM ${t}.input_states WHERE session_id = ANY($1::text[]) ORDER BY session_id, row_id`);
    this.#sessionRows = this.#batchedRead("loadSession", `SELECT session_id, phase, bound_runtime, highest_fence, generation FROM ${t}.sessions WHERE session_id = ANY($1::text[])`);
    this.#receiptRows = this.#batchedRead("loadBoundaryReceipts", `SELECT * FROM ${t}.boundary_receipts WHERE session_id = ANY($1::text[]) ORDER BY session_id, seq`);
    this.#opsRows = this.#batchedRead("loadOpsSnapshot", `SELECT session_id, snapshot_json FROM ${t}.ops_snapshots WHERE session_id = ANY($1::text[])`);
    this.#pendingRows = this.#batchedRead("pendingSubmissions", `SELECT session_id, input_id, input_json FROM ${t}.submissions WHERE session_id = ANY($1::text[]) AND NOT admitted ORDER BY session_id, seq`);
    const leaseMs = options.leaseMs ?? 1000;
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 100) throw new PgConfigInvalidError(this.database, "leaseMs", `${String(leaseMs)} must be an integer of at least 100`);
    this.leaseMs = leaseMs;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#autoAcquire = options.autoAcquire ?? true;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#claimRetry = { ...this.#retry, maxDelayMs: Math.min(this.#retry.maxDelayMs, Math.max(this.#retry.baseDelayMs, Math.floor(leaseMs / 4))) };
    const batches = options.maxBatchesInFlight ?? MAX_BATCHES_IN_FLIGHT;
    if (!Number.isSafeInteger(batches) || batches < 1) throw new PgConfigInvalidError(this.database, "maxBatchesInFlight", `${String(batches)} must be a positive integer`);
    this.#maxBatchesInFlight = batches;
    this.#channel = `meerkat_work_${this.schema}`.slice(0, 63);
    this.#ownsPool = options.pool === undefined;
    this.#pool =
      options.pool ??
      new pg.Pool({
        connectionString: this.#url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
        // A paused process's open transaction would keep its session rows locked (claims skip
        // locked rows) long after its lease ran out: the server ends it once idle for a lease.
        idle_in_transaction_session_timeout: leaseMs,
        application_name: options.applicationName ?? `meerkat ${this.owner}`,
        types: TYPES,
      });
    this.#leasePool =
      options.pool ??
      new pg.Pool({
        connectionString: this.#url,
        max: 2,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
        application_name: options.applicationName ?? `meerkat ${this.owner}`,
        types: TYPES,
      });
    if (this.#ownsPool) {
      guardPool(this.#pool);
      guardPool(this.#leasePool);
    }
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

  /** Sessions whose writes this store accepts now, with the fence they carry. */
  heldSessions(): ReadonlyMap<SessionId, number> {
    return this.#held;
  }

  /** The newest lease grant per session, active or not (see claimSessions and activate). */
  grantedSessions(): ReadonlyMap<SessionId, number> {
    return this.#grants;
  }

  /**
   * Makes a claimed grant the fence this store's writes for the session carry. Until then writes
   * keep the previous fence (and the database refuses them): a copy of the session still in this
   * process from an older grant, paused or slow, can never write under the new fence. Call it once
   * that copy is gone, before binding the session. False if the grant was lost or superseded.
   */
  activate(sessionId: SessionId, fence: number): boolean {
    if (this.#grants.get(sessionId) !== fence) return false;
    this.#held.set(sessionId, fence);
    return true;
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
   * A grant is renewed by heartbeats at once but carried by writes only after activate().
   */
  async claimSessions(limit: number): Promise<ClaimedSession[]> {
    return (await this.claimScan(limit)).claimed;
  }

  /**
   * claimSessions, and in the same statement how long until the next lease on a session with work
   * runs out (another owner's, or one this store gave up) (ms on the database clock; null if none): a worker scans again
   * then, so a dead owner's sessions are claimed as soon as they can be instead of at the next poll.
   */
  async claimScan(limit: number): Promise<{ readonly claimed: ClaimedSession[]; readonly nextExpiryMs: number | null }> {
    await this.#open("claimSessions");
    const s = this.schema;
    const hasWork = (x: string): string =>
      `(EXISTS (SELECT 1 FROM ${s}.submissions b WHERE b.session_id = ${x}.session_id AND NOT b.admitted)
        OR EXISTS (SELECT 1 FROM ${s}.input_states i WHERE i.session_id = ${x}.session_id AND i.phase IN ${LIVE_PHASES}))`;
    const r = await this.#query<{ session_id: string | null; fence: number | null; next_ms: number | null }>(
      "claimSessions",
      { name: `meerkat_claim_${s}`, text: `WITH c AS (
         SELECT x.session_id FROM ${s}.sessions x
         WHERE (x.owner IS NULL OR x.lease_expires_at < now()) AND ${hasWork("x")}
         ORDER BY x.lease_expires_at NULLS FIRST
         LIMIT $2
         FOR UPDATE SKIP LOCKED),
       u AS (
         UPDATE ${s}.sessions x SET owner = $1, fence = x.fence + 1, lease_expires_at = now() + make_interval(secs => $3::float8 / 1000), acquired_at = now()
         FROM c WHERE x.session_id = c.session_id
         RETURNING x.session_id, x.fence)
       SELECT session_id, fence, NULL::float8 AS next_ms FROM u
       UNION ALL
       SELECT NULL, NULL, (extract(epoch FROM min(y.lease_expires_at) - now()) * 1000)::float8 FROM ${s}.sessions y
        WHERE y.owner IS NOT NULL AND y.lease_expires_at >= now() AND ${hasWork("y")}` },
      [this.owner, limit, this.leaseMs],
      this.#leasePool,
      this.#claimRetry,
    );
    const claimed: ClaimedSession[] = [];
    let nextExpiryMs: number | null = null;
    for (const row of r.rows) {
      if (row.session_id !== null && row.fence !== null) claimed.push({ sessionId: row.session_id, fence: Number(row.fence) });
      else if (row.next_ms !== null) nextExpiryMs = Math.max(0, Number(row.next_ms));
    }
    for (const c of claimed) this.#grants.set(c.sessionId, c.fence);
    if (claimed.length > 0) this.#startHeartbeat();
    return { claimed, nextExpiryMs };
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
      this.#leasePool,
    );
    const row = r.rows[0];
    if (row === undefined) {
      const cur = await this.#query<{ owner: string | null }>("acquire", `SELECT owner FROM ${s}.sessions WHERE session_id = $1`, [sessionId]);
      throw new PgLeaseHeldError(this.database, sessionId, cur.rows[0]?.owner ?? null);
    }
    const fence = Number(row.fence);
    // Acquired on a read: the runtime is building its copy from this grant now, so it is active at once.
    this.#grants.set(sessionId, fence);
    this.#held.set(sessionId, fence);
    this.#startHeartbeat();
    return fence;
  }

  /** Hands the lease back (graceful shutdown): the row is freed under this store's fence, and other nodes are woken. */
  async release(sessionId: SessionId): Promise<boolean> {
    const fence = this.#grants.get(sessionId);
    this.#held.delete(sessionId);
    this.#grants.delete(sessionId);
    if (fence === undefined || this.#closed) return false;
    const r = await this.#query(
      "release",
      `WITH u AS (UPDATE ${this.schema}.sessions SET owner = NULL, lease_expires_at = NULL WHERE session_id = $1 AND owner = $2 AND fence = $3 RETURNING session_id)
       SELECT pg_notify($4, session_id) FROM u`,
      [sessionId, this.owner, fence, this.#channel],
      this.#leasePool,
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Forgets a held session locally (the runtime dropped it); the lease expires or is re-acquired with a new fence. */
  forget(sessionId: SessionId, fence?: number): void {
    // With a fence, only that grant: a newer one being adopted is kept.
    if (fence === undefined || this.#held.get(sessionId) === fence) this.#held.delete(sessionId);
    if (fence === undefined || this.#grants.get(sessionId) === fence) this.#grants.delete(sessionId);
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== null || this.#closed) return;
    this.#heartbeat = setInterval(() => void this.#renew(), Math.max(30, Math.floor(this.leaseMs / 3)));
    this.#heartbeat.unref();
  }

  /** One heartbeat: renews every lease this owner holds; a held session missing from the answer was taken over. */
  async #renew(): Promise<void> {
    if (this.#grants.size === 0 || this.#closed) return;
    const sent = new Map(this.#grants);
    let rows: { session_id: string; fence: number }[];
    try {
      const r = await this.#leasePool.query<{ session_id: string; fence: number }>(
        // Only the sessions still held: one this store gave up must expire so it can be claimed again.
        // Rows a group commit of ours has locked are skipped, not waited for (that write renews
        // them itself): waiting could deadlock with it, as the two lock many rows in their own order.
        // Which sessions are still ours is read without locks.
        `WITH renewed AS (
           UPDATE ${this.schema}.sessions SET lease_expires_at = now() + make_interval(secs => $2::float8 / 1000)
            WHERE session_id IN (SELECT session_id FROM ${this.schema}.sessions WHERE owner = $1 AND session_id = ANY($3) FOR UPDATE SKIP LOCKED)
            RETURNING session_id)
         SELECT session_id, fence FROM ${this.schema}.sessions WHERE owner = $1 AND session_id = ANY($3)`,
        [this.owner, this.leaseMs, [...sent.keys()]],
      );
      rows = r.rows;
    } catch {
      return; // the next beat retries; safety never depends on a heartbeat
    }
    const renewed = new Map(rows.map((r) => [r.session_id, Number(r.fence)]));
    for (const [id, fence] of sent) {
      if (renewed.get(id) !== fence && this.#grants.get(id) === fence) {
        this.#loseSession(id, new FencedOutError(this.database, id, fence, null, null, "heartbeat"), fence);
      }
    }
  }

  /**
   * The lease of `fence` is gone. A newer grant of the same session (claimed, not yet active) is
   * kept, and then nobody is told: the worker adopting that grant drops the stale copy itself.
   */
  #loseSession(sessionId: SessionId, reason: Error, fence: number): void {
    if (this.#held.get(sessionId) === fence) this.#held.delete(sessionId);
    if (this.#grants.get(sessionId) === fence) this.#grants.delete(sessionId);
    if ((this.#grants.get(sessionId) ?? -1) > fence) return;
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
    const sub: QueuedSubmission = { sessionId, inputId: input.header.id, key: input.header.idempotencyKey ?? input.header.id, json: JSON.stringify(input) };
    // Acknowledged with the other submissions of this turn in one statement (submit-batch.ts):
    // the session row if new and the submission unless its id or key is there already, with the
    // session's live owner for the wake-up.
    const answer = await trackStoreIo(
      new Promise<SubmissionAnswer>((resolve, reject) => {
        this.#submitQueue.push({ sub, resolve, reject });
        this.#scheduleSubmits();
      }),
    );
    if (!answer.inserted) {
      // A submission of another process that committed while ours waited on its key is outside
      // our statement's snapshot: read it again, so the answer names it and not our own id.
      const existing = answer.existing ?? (await this.#existingSubmission(sub));
      return { outcome: "Deduplicated", inputId: input.header.id, existingId: existing ?? input.header.id };
    }
    await this.#notifyWork(sessionId, answer.owner);
    return { outcome: "Accepted", inputId: input.header.id };
  }

  /** The submission already holding this one's key or id, read in a fresh snapshot (null if none). */
  async #existingSubmission(sub: QueuedSubmission): Promise<InputId | null> {
    const r = await this.#query<{ input_id: string }>(
      "submit",
      `SELECT input_id FROM ${this.schema}.submissions WHERE session_id = $1 AND (idempotency_key = $2 OR input_id = $3) LIMIT 1`,
      [sub.sessionId, sub.key, sub.inputId],
    );
    return r.rows[0]?.input_id ?? null;
  }

  /** Starts submission batches while fewer than maxBatchesInFlight are in flight (on the write pool, like group commits). */
  #pumpSubmits(): void {
    while (this.#submitsInFlight < this.#maxBatchesInFlight && this.#submitQueue.length > 0) {
      const batch = takeSubmissions(this.#submitQueue, 256, this.#submitKeys);
      if (batch.length === 0) return;
      this.#submitsInFlight += 1;
      const keys = batch.flatMap((b) => collisionKeys(b.sub));
      for (const k of keys) this.#submitKeys.add(k);
      void this.#runSubmits(batch).finally(() => {
        this.#submitsInFlight -= 1;
        for (const k of keys) this.#submitKeys.delete(k);
        if (this.#submitQueue.length > 0) this.#scheduleSubmits();
      });
    }
  }

  /**
   * One batch, retried whole when no answer came (withRetry): a submission that did commit is then
   * deduplicated by its key. A batch that fails for another reason is tried again one submission
   * at a time, so one bad submission fails alone.
   */
  async #runSubmits(batch: readonly QueuedSubmit[]): Promise<void> {
    const subs = batch.map((b) => b.sub);
    try {
      const { name, text, values } = submitStatement(this.schema, subs);
      const r = await this.#query<{ ord: number; inserted: boolean; owner: string | null; existing: string | null }>("submit", { name, text }, values);
      const answers = submissionAnswers(r.rows, subs.length);
      batch.forEach((b, i) => b.resolve(answers[i]!));
    } catch (e) {
      if (batch.length > 1 && !(e instanceof PgUnavailableError)) {
        await Promise.all(batch.map((b) => this.#runSubmits([b])));
        return;
      }
      for (const b of batch) b.reject(e);
    }
  }

  /**
   * Wakes the session's owner (or, with no live owner, every worker) after its submission
   * committed. Not in the submission's transaction: PostgreSQL commits notifying transactions one
   * at a time (a global lock held through the WAL flush), which capped submissions at one per
   * flush. The wake-ups of all submissions that committed meanwhile go out together in one
   * statement that need not wait for a flush (a wake-up is a hint: the workers' polls are the
   * backstop), so submissions commit in parallel like any other write.
   */
  #notifyWork(sessionId: SessionId, owner: string | null): Promise<void> {
    this.#wakes.set(sessionId, owner);
    this.#wakeFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const wakes = [...this.#wakes];
      this.#wakes.clear();
      this.#wakeFlush = null;
      await this.#pool
        .query({
          name: `meerkat_notify`,
          text: `SELECT set_config('synchronous_commit', 'off', true), count(pg_notify($1, json_build_object('s', w.s, 'o', w.o)::text))
                   FROM unnest($2::text[], $3::text[]) AS w(s, o)`,
          values: [this.#channel, wakes.map((w) => w[0]), wakes.map((w) => w[1])],
        })
        .catch(() => undefined);
    });
    return this.#wakeFlush;
  }

  /** The session's submissions not yet admitted, oldest first (the owner admits them through the runtime). */
  async pendingSubmissions(sessionId: SessionId): Promise<PendingSubmission[]> {
    await this.#open("pendingSubmissions");
    const rows = await trackStoreIo(this.#pendingRows.load(sessionId));
    return rows.map((row) => ({ inputId: row.input_id, input: validateInput(sessionId, JSON.parse(row.input_json)) }));
  }

  /** Settles a submission the runtime did not admit (deduplicated or rejected), under the fence. */
  async settleSubmission(sessionId: SessionId, inputId: InputId, outcome: string): Promise<void> {
    await this.#write({ sessionId, op: "settleSubmission", phase: null, rows: [], settle: { inputId, outcome } });
  }

  // ── RuntimeStore writes (fenced, group-committed) ────────────────────────────────────────────

  async persistInputState(sessionId: SessionId, row: StoredInputRow): Promise<void> {
    // Moving a submission into the session happens here, in the same transaction as its row.
    const rows = [this.#encode(sessionId, row, "persistInputState")];
    await this.#write({ sessionId, op: "persistInputState", phase: null, rows, admits: row.inputId });
  }

  async commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[], phase?: PersistedPhase): Promise<BoundaryReceipt> {
    const encoded = rows.map((r) => this.#encode(sessionId, r, "commitBoundary"));
    const receipt = await this.#write({ sessionId, op: "commitBoundary", phase: phase ?? null, rows: encoded, receipt: { runId, contributors: [...contributors] } });
    if (receipt === null) throw new PgWriteFailedError(this.database, "commitBoundary", null, new Error("no receipt was minted"));
    return receipt;
  }

  async atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): Promise<void> {
    const encoded = rows.map((r) => this.#encode(sessionId, r, "atomicLifecycleCommit"));
    await this.#write({ sessionId, op: "atomicLifecycleCommit", phase, rows: encoded });
  }

  async persistBinding(sessionId: SessionId, binding: StoredBinding): Promise<void> {
    await this.#write({ sessionId, op: "persistBinding", phase: null, rows: [], binding });
  }

  async persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): Promise<void> {
    const json = JSON.stringify(snapshot) as string | undefined;
    if (json === undefined) throw new PgWriteFailedError(this.database, "persistOpsSnapshot", null, new TypeError("the ops snapshot is not JSON"));
    await this.#write({ sessionId, op: "persistOpsSnapshot", phase: null, rows: [], opsSnapshot: json });
  }

  #encode(sessionId: SessionId, row: StoredInputRow, op: string): unknown[] {
    let encoded;
    try {
      encoded = encodeRow(sessionId, row);
    } catch (e) {
      throw new PgWriteFailedError(this.database, op, null, e);
    }
    return [...encoded.state, encoded.inputJson, encoded.decisionJson];
  }


  /**
   * One fenced write, carrying the session's active fence: queued, and written in the next group
   * commit (see group-commit.ts) with the writes of other sessions that arrived meanwhile. A write
   * whose fence the database no longer holds raises FencedOutError and writes nothing; the others
   * in its batch are unaffected.
   */
  async #write(w: Omit<FencedWrite, "fence">): Promise<BoundaryReceipt | null> {
    await this.#open(w.op);
    const fence = this.#held.get(w.sessionId);
    if (fence === undefined) throw await this.#fencedOut(w.sessionId, 0, w.op, false);
    const outcome = await trackStoreIo(
      new Promise<WriteOutcome>((resolve, reject) => {
        this.#writeQueue.push({ write: { ...w, fence }, resolve, reject });
        this.#schedulePump();
      }),
    );
    if (outcome.kind === "fenced") throw await this.#fencedOut(w.sessionId, fence, w.op, true);
    if (outcome.kind === "alreadyAdmitted") throw new PgAlreadyAdmittedError(this.database, w.sessionId, w.admits ?? "?");
    return outcome.receipt;
  }

  /** Starts batches while fewer than maxBatchesInFlight are in flight and writes wait (a session's writes never overlap). */
  #pumpWrites(): void {
    while (this.#batchesInFlight < this.#maxBatchesInFlight && this.#writeQueue.length > 0) {
      const batch = takeBatch(this.#writeQueue, 256, this.#writing);
      if (batch.length === 0) return;
      this.#batchesInFlight += 1;
      for (const b of batch) this.#writing.add(b.write.sessionId);
      void this.#runBatch(batch).finally(() => {
        this.#batchesInFlight -= 1;
        for (const b of batch) this.#writing.delete(b.write.sessionId);
        this.#schedulePump();
      });
    }
  }

  async #runBatch(batch: readonly QueuedWrite[]): Promise<void> {
    const writes = batch.map((b) => b.write);
    try {
      const outcomes = await this.#statementUntracked("groupCommit", (c) => writeBatch(c, this.schema, this.owner, this.leaseMs, writes), writes.map((w) => w.sessionId));
      this.groupCommits += 1;
      this.batchedWrites += writes.length;
      batch.forEach((b, i) => b.resolve(outcomes[i]!));
    } catch (e) {
      if (batch.length > 1 && !(e instanceof PgCommitUnknownError) && !(e instanceof PgUnavailableError)) {
        // One bad write must not fail the others: write each alone.
        await Promise.all(batch.map((b) => this.#runBatch([b])));
        return;
      }
      for (const b of batch) b.reject(e instanceof PgCommitUnknownError ? new PgCommitUnknownError(this.database, b.write.sessionId, b.write.op, e.cause) : relabel(e, b.write.op));
    }
  }

  async #fencedOut(sessionId: SessionId, fence: number, op: string, wasHeld: boolean): Promise<FencedOutError> {
    const cur = await this.#query<{ owner: string | null; fence: number }>(op, `SELECT owner, fence FROM ${this.schema}.sessions WHERE session_id = $1`, [sessionId]).catch(() => ({ rows: [] }));
    const current = cur.rows[0];
    const e = new FencedOutError(this.database, sessionId, fence, current === undefined ? null : Number(current.fence), current?.owner ?? null, op);
    this.fencedWrites += 1;
    if (wasHeld && this.#held.get(sessionId) === fence) this.#loseSession(sessionId, e, fence);
    return e;
  }

  /**
   * One statement on its own (autocommit: the statement is its transaction, committed before its
   * answer arrives), so a group commit costs one round trip instead of three (BEGIN, it, COMMIT).
   * Getting a connection and a server-reported serialization failure or deadlock (rolled back) are
   * retried; a connection lost while the statement ran may have committed it, so, like a lost
   * COMMIT, each session is given up and recovered from what the database holds.
   */
  async #statementUntracked<T>(op: string, body: (c: pg.PoolClient) => Promise<T>, sessions: readonly SessionId[]): Promise<T> {
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
      try {
        const result = await body(c);
        c.release();
        return result;
      } catch (e) {
        const state = sqlStateOf(e);
        if (state === "40001" || state === "40P01") {
          c.release();
          last = e;
          await sleep(backoffMs(this.#retry, attempt));
          continue;
        }
        if (isTransient(e)) {
          c.release(true);
          let first: PgCommitUnknownError | null = null;
          for (const id of sessions) {
            const unknown = new PgCommitUnknownError(this.database, id, op, e);
            first ??= unknown;
            const held = this.#held.get(id);
            if (held !== undefined) this.#loseSession(id, unknown, held);
          }
          throw first ?? new PgCommitUnknownError(this.database, "?", op, e);
        }
        c.release();
        if (e instanceof PostgresStoreError) throw e;
        throw new PgWriteFailedError(this.database, op, state, e);
      }
    }
    throw new PgUnavailableError(this.database, op, this.#retry.attempts, last);
  }

  /** A single read statement, retried on transient failures. */
  async #query<R extends pg.QueryResultRow>(
    op: string,
    sql: string | { readonly name: string; readonly text: string },
    params: unknown[],
    pool: pg.Pool = this.#pool,
    retry: RetryPolicy = this.#retry,
  ): Promise<pg.QueryResult<R>> {
    // A named statement is prepared once per connection (the hot ones: submit, claim scan).
    const config: pg.QueryConfig = typeof sql === "string" ? { text: sql, values: params } : { name: sql.name, text: sql.text, values: params };
    try {
      return await trackStoreIo(withRetry(this.database, op, retry, () => pool.query<R>(config)));
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
    const rows = await trackStoreIo(this.#inputRows.load(sessionId));
    return rows.map((row) => decodeInputRow(this.database, row));
  }

  async loadRuntimeState(sessionId: SessionId): Promise<PersistedPhase | null> {
    await this.#forSession(sessionId, "loadRuntimeState");
    const phase = (await trackStoreIo(this.#sessionRows.load(sessionId)))[0]?.phase ?? null;
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
    const rows = await trackStoreIo(this.#receiptRows.load(sessionId));
    return rows.map((row) => decodeReceipt(this.database, row));
  }

  async loadBinding(sessionId: SessionId): Promise<StoredBinding | null> {
    await this.#forSession(sessionId, "loadBinding");
    const row = (await trackStoreIo(this.#sessionRows.load(sessionId)))[0];
    if (row === undefined || row.bound_runtime === null || row.highest_fence === null) return null;
    return { runtimeId: row.bound_runtime, fence: Number(row.highest_fence), generation: Number(row.generation ?? 0) };
  }

  async loadOpsSnapshot(sessionId: SessionId): Promise<JsonValue | null> {
    await this.#forSession(sessionId, "loadOpsSnapshot");
    const row = (await trackStoreIo(this.#opsRows.load(sessionId)))[0];
    return row === undefined ? null : decodeJson(new Decoding(this.database, "ops_snapshots", { session_id: sessionId }), "snapshot_json", row.snapshot_json);
  }

  /** One batched read (read-batch.ts): the rows of many sessions in one query, retried like any read. */
  #batchedRead<R extends pg.QueryResultRow & { session_id: unknown }>(op: string, sql: string): ReadBatcher<R> {
    return new ReadBatcher<R>(async (ids) => (await this.#query<R>(op, { name: `meerkat_${op}_${this.schema}`, text: sql }, [ids])).rows);
  }

  async listSessions(): Promise<readonly SessionId[]> {
    await this.#open("listSessions");
    const r = await this.#query<{ session_id: string }>("listSessions", `SELECT session_id FROM ${this.schema}.sessions WHERE first_write IS NOT NULL ORDER BY first_write`, []);
    return r.rows.map((row) => row.session_id);
  }

  // ── wake-ups ────────────────────────────────────────────────────────────────────────────────

  /**
   * A notification's payload is {"s": session, "o": its live owner or null}, or (a hand-back, or an
   * older process) the bare session id. One naming another live owner is not passed on: that owner
   * drains it, and waking every other worker to scan would cost a claim query per submission per
   * worker. Should that owner be gone, its lease runs out and the expiry scans claim the session.
   */
  #wake(payload: string | null): void {
    let sessionId = payload;
    if (payload !== null && payload.startsWith("{")) {
      try {
        const p = JSON.parse(payload) as { s?: unknown; o?: unknown };
        if (typeof p.s === "string") {
          if (typeof p.o === "string" && p.o !== this.owner) return;
          sessionId = p.s;
        }
      } catch {
        // not ours: the bare session id
      }
    }
    for (const l of this.#work) l(sessionId);
  }

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
    client.on("notification", (n) => this.#wake(n.payload ?? null));
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
    if (this.#ownsPool) await Promise.all([this.#pool.end().catch(() => undefined), this.#leasePool.end().catch(() => undefined)]);
  }
}

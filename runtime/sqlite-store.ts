// The durable RuntimeStore: one SQLite file per realm (better-sqlite3, synchronous API). An
// acknowledged write has been committed with `synchronous = FULL` in WAL mode, so it survives a
// process or OS crash. Every write is one BEGIN IMMEDIATE transaction; with group commit (the
// default) the writes requested in one turn of the event loop share one transaction, each in its
// own SAVEPOINT, and every caller is answered only after the shared COMMIT returned.
//
// Loads decode every row and fail closed (StoreCorruptRowError) rather than hand the runtime a
// guess. Opening never damages a file: it is checked read-only first (SQLite header, schema
// version) before WAL is switched on or a migration runs. See runtime/README.md, "SQLite store".

import { INPUT_PHASES as SPEC_INPUT_PHASES, TERMINAL_INPUT_PHASES } from "../generated/session.machine.js";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { AbandonReason, InputPhase, Lane } from "../generated/session.machine.js";
import { INPUT_KINDS, type Durability, type Input, type InputId, type InputKind, type JsonValue, type RunId, type SessionId } from "./input.js";
import type { InputTerminalOutcome } from "./ledger.js";
import type { AdmissionClass, ApplyMode, ConsumePoint, DrainPolicy, PolicyDecision, QueueMode, RoutingDisposition, WakeMode } from "./policy.js";
import type { BoundaryReceipt, PersistedPhase, RuntimeStore, StoredBinding, StoredInputRow } from "./store.js";
import {
  isCorruptionCode,
  StoreClosedError,
  StoreCorruptedError,
  StoreCorruptRowError,
  StoreNotADatabaseError,
  StoreOpenFailedError,
  StoreReadFailedError,
  StoreReadOnlyError,
  StoreSchemaTooNewError,
  StoreWriteFailedError,
} from "./store-errors.js";
import { validateInput } from "./validate.js";

// ── schema ──────────────────────────────────────────────────────────────────────────────────────

/**
 * Ordered migrations; `SQLITE_SCHEMA_VERSION` is the last one. A migration is only ever appended, never
 * edited: files in the field were created by the old text. They run in one transaction at open.
 */
const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    // STRICT tables: SQLite refuses a value of the wrong storage class instead of coercing it.
    // Enumerations are not CHECKed here: the decoder checks them on load against the generated
    // types, so a value this code does not know fails closed however it got into the file.
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE sessions (
        first_write INTEGER PRIMARY KEY,      -- rowid alias: the order sessions were first written
        session_id  TEXT NOT NULL UNIQUE,
        phase       TEXT                      -- PersistedPhase; NULL until a lifecycle commit
      ) STRICT;
      -- One row per input: the lifecycle columns, rewritten at every step of the input's life.
      CREATE TABLE input_states (
        row_id          INTEGER PRIMARY KEY,   -- rowid alias: the order inputs were first written
        session_id      TEXT NOT NULL REFERENCES sessions (session_id),
        input_id        TEXT NOT NULL,
        phase           TEXT NOT NULL,
        lane            TEXT,
        attempts        INTEGER NOT NULL,
        last_run_id     TEXT,
        terminal_json   TEXT,
        idempotency_key TEXT,
        kind            TEXT NOT NULL,
        durability      TEXT NOT NULL,
        updated_at      INTEGER NOT NULL,
        UNIQUE (session_id, input_id)
      ) STRICT;
      -- The input's payload and policy decision, written when the input is first stored and
      -- rewritten only if they change: an input's later steps rewrite a short row instead of
      -- its whole payload (keyed by row_id, so new payloads are appended, not scattered).
      CREATE TABLE input_payloads (
        row_id        INTEGER PRIMARY KEY REFERENCES input_states (row_id) ON DELETE CASCADE,
        input_json    TEXT NOT NULL,
        decision_json TEXT NOT NULL
      ) STRICT;
      CREATE TABLE boundary_receipts (
        session_id        TEXT NOT NULL REFERENCES sessions (session_id),
        run_id            TEXT NOT NULL,
        sequence          INTEGER NOT NULL,
        contributors_json TEXT NOT NULL,
        committed_at      INTEGER NOT NULL,
        PRIMARY KEY (session_id, run_id, sequence)   -- a duplicate receipt cannot exist
      ) STRICT;
      CREATE TABLE ops_snapshots (
        session_id    TEXT PRIMARY KEY REFERENCES sessions (session_id),
        snapshot_json TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // The newest binding a session granted, so recovery keeps older fences refused.
    version: 2,
    sql: `
      ALTER TABLE sessions ADD COLUMN bound_runtime TEXT;
      ALTER TABLE sessions ADD COLUMN highest_fence INTEGER;
      ALTER TABLE sessions ADD COLUMN generation    INTEGER;
    `,
  },
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

// ── options and defaults ────────────────────────────────────────────────────────────────────────

export interface SqliteStoreOptions {
  /**
   * Default true: writes requested in the same turn of the event loop (any session) are committed
   * in one transaction, each in its own savepoint; each promise settles after the shared COMMIT.
   * False: every write is its own transaction and the write methods return synchronously.
   */
  readonly groupCommit?: boolean;
  /** Open without write access: loads work, every write fails with StoreReadOnlyError. */
  readonly readonly?: boolean;
  /** How long a write waits for another connection's lock (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Caps the database at this many pages (`PRAGMA max_page_count`): a write that would grow it
   * further fails with SQLITE_FULL (StoreWriteFailedError). Tests use it to simulate a full disk.
   */
  readonly maxPageCount?: number;
  /**
   * Test hooks (crash harnesses): called synchronously right before COMMIT and right after it
   * returned, with the number of the transaction (1, 2, … for committed transactions; a rolled
   * back one does not use up its number). A throwing `beforeCommit` rolls the transaction back and
   * its error rejects every write in it. Hooks must not call the store, and `onCommit` should not
   * throw (the writes are committed and are answered anyway; its error then escapes).
   */
  readonly beforeCommit?: (transactionNumber: number) => void;
  readonly onCommit?: (transactionNumber: number) => void;
}

/** `<cwd>/.meerkat/<realm>.sqlite3`; creates the folder. A realm is a plain file-name stem. */
export function defaultStorePath(realm = "default"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(realm)) {
    throw new RangeError(`realm ${JSON.stringify(realm)} must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
  }
  const dir = join(process.cwd(), ".meerkat");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${realm}.sqlite3`);
}

// ── the store ───────────────────────────────────────────────────────────────────────────────────

type Db = Database.Database;
type Statement<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

/** One queued write: `run` executes inside the (shared) transaction and returns the result. */
interface Job {
  readonly op: string;
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Thrown inside a group transaction to roll it back when none of its writes succeeded. */
const NOTHING_TO_COMMIT = Symbol("nothing to commit");

interface Statements {
  readonly ensureSession: Statement<[string]>;
  readonly setPhase: Statement<[string, string]>;
  readonly upsertInput: Statement<unknown[], { row_id: number }>;
  readonly upsertPayload: Statement<[number, string, string]>;
  readonly lastSequence: Statement<[string, string], { s: number | null }>;
  readonly insertReceipt: Statement<[string, string, number, string, number]>;
  readonly upsertOps: Statement<[string, string]>;
  readonly setBinding: Statement<[string, string, number, number]>;
  readonly loadBinding: Statement<[string], { bound_runtime: unknown; highest_fence: unknown; generation: unknown }>;
  readonly loadInputs: Statement<[string], InputRowRaw>;
  readonly loadPhase: Statement<[string], { phase: unknown }>;
  readonly loadReceipt: Statement<[string, string, number], ReceiptRowRaw>;
  readonly loadReceipts: Statement<[string], ReceiptRowRaw>;
  readonly loadOps: Statement<[string], { snapshot_json: unknown }>;
  readonly listSessions: Statement<[], { session_id: unknown }>;
}

export class SqliteStore implements RuntimeStore {
  /** The absolute path of the database file. */
  readonly path: string;
  readonly groupCommit: boolean;
  readonly #db: Db;
  readonly #s: Statements;
  readonly #beforeCommit: ((n: number) => void) | undefined;
  readonly #onCommit: ((n: number) => void) | undefined;
  /** Runs a group of jobs; nested calls of `#savepoint` inside it become SAVEPOINTs. */
  readonly #groupTx: Database.Transaction<(jobs: readonly Job[], outcomes: Outcome[], n: number) => void>;
  readonly #savepoint: Database.Transaction<(run: () => unknown) => unknown>;
  #queue: Job[] = [];
  #scheduled = false;
  #committed = 0;
  #closed = false;
  /** Set once SQLite reports the file damaged: the latch that refuses every later call. */
  #corrupted: { readonly sqliteCode: string; readonly during: string; readonly cause: unknown } | null = null;

  /** Opens (or creates) the store file; see SqliteStoreOptions. Throws a StoreError subclass. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const file = resolve(path);
    if (options.readonly !== true) assertWritable(file);
    const found = probeFile(file);
    if (options.readonly === true && found.version !== SQLITE_SCHEMA_VERSION) {
      // A read-only store cannot create or migrate its schema.
      throw new StoreReadOnlyError(file, null, found.version === null ? "creating a new store" : `migrating schema ${found.version} to ${SQLITE_SCHEMA_VERSION}`);
    }
    let db: Db;
    try {
      db = new Database(file, { readonly: options.readonly === true, fileMustExist: options.readonly === true, timeout: options.busyTimeoutMs ?? 5000 });
    } catch (e) {
      if (e instanceof Database.SqliteError) throw openError(file, e);
      throw new StoreOpenFailedError(file, null, e);
    }
    try {
      configure(db, file, options);
      if (options.readonly !== true) migrate(db, file);
      if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`);
      return new SqliteStore(file, db, options);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private constructor(path: string, db: Db, options: SqliteStoreOptions) {
    this.path = path;
    this.#db = db;
    this.groupCommit = options.groupCommit ?? true;
    this.#beforeCommit = options.beforeCommit;
    this.#onCommit = options.onCommit;
    this.#s = prepareStatements(db);
    this.#savepoint = db.transaction((run: () => unknown) => run());
    this.#groupTx = db.transaction((jobs: readonly Job[], outcomes: Outcome[], n: number) => {
      if (jobs.length === 1) {
        // A lone write needs no savepoint: its failure rolls back the whole transaction.
        outcomes.push({ ok: true, value: jobs[0]!.run() });
      } else {
        let succeeded = 0;
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.#savepoint(job.run) });
            succeeded++;
          } catch (error) {
            // SQLite may abort the whole transaction on some errors (SQLITE_FULL, IOERR, BUSY):
            // then no write of the group survives and all of them must fail. A damaged file
            // fails them all too: the others' pages may be damaged alike.
            if (!db.inTransaction || corruptionCodeOf(error) !== null) throw error;
            outcomes.push({ ok: false, error });
          }
        }
        if (succeeded === 0) throw NOTHING_TO_COMMIT;
      }
      this.#beforeCommit?.(n);
    });
  }

  /** Transactions committed through this handle (each group commit counts once). */
  get committedTransactions(): number {
    return this.#committed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Null while the file is sound; once SQLite reported it damaged, the error every call now gets. */
  get corruption(): StoreCorruptedError | null {
    return this.#corrupted === null ? null : this.#corruptedError("corruption");
  }

  #corruptedError(op: string): StoreCorruptedError {
    const c = this.#corrupted!;
    return new StoreCorruptedError(this.path, c.sqliteCode, c.during, op, c.cause);
  }

  /** Latches on the first damaged-file error; returns the typed error for `op`, or null if `error` is not one. */
  #latchCorruption(op: string, error: unknown): StoreCorruptedError | null {
    const code = corruptionCodeOf(error);
    if (code === null) return null;
    this.#corrupted ??= { sqliteCode: code, during: op, cause: error };
    return this.#corruptedError(op);
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────

  // Each write checks and serializes its arguments when it is called (a later mutation by the
  // caller cannot leak into a group flushed afterwards, and a malformed row is refused at once);
  // the SQL runs inside the transaction.

  persistInputState(sessionId: SessionId, row: StoredInputRow): void | Promise<void> {
    return this.#write("persistInputState", () => {
      const encoded = encodeRow(sessionId, row);
      return () => {
        this.#s.ensureSession.run(sessionId);
        this.#putRow(encoded);
      };
    }) as void | Promise<void>;
  }

  commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[]): BoundaryReceipt | Promise<BoundaryReceipt> {
    return this.#write("commitBoundary", () => {
      const encoded = rows.map((r) => encodeRow(sessionId, r));
      const ids = [...contributors];
      const idsJson = JSON.stringify(ids);
      return (): BoundaryReceipt => {
        this.#s.ensureSession.run(sessionId);
        // Minted inside the transaction, so two boundaries of one run cannot share a number (and
        // the primary key would refuse it if they did).
        const previous = this.#s.lastSequence.get(sessionId, runId)?.s ?? null;
        const receipt: BoundaryReceipt = { runId, sequence: previous === null ? 0 : previous + 1, contributors: ids, committedAt: Date.now() };
        this.#s.insertReceipt.run(sessionId, runId, receipt.sequence, idsJson, receipt.committedAt);
        for (const r of encoded) this.#putRow(r);
        return receipt;
      };
    }) as BoundaryReceipt | Promise<BoundaryReceipt>;
  }

  atomicLifecycleCommit(sessionId: SessionId, phase: PersistedPhase, rows: readonly StoredInputRow[]): void | Promise<void> {
    return this.#write("atomicLifecycleCommit", () => {
      if (!PERSISTED_PHASES.has(phase)) throw new TypeError(`unknown persisted phase ${JSON.stringify(phase)}`);
      const encoded = rows.map((r) => encodeRow(sessionId, r));
      return () => {
        this.#s.setPhase.run(sessionId, phase);
        for (const r of encoded) this.#putRow(r);
      };
    }) as void | Promise<void>;
  }

  persistBinding(sessionId: SessionId, binding: StoredBinding): void | Promise<void> {
    return this.#write("persistBinding", () => {
      const { runtimeId, fence, generation } = binding;
      return () => {
        this.#s.setBinding.run(sessionId, runtimeId, fence, generation);
      };
    }) as void | Promise<void>;
  }

  loadBinding(sessionId: SessionId): StoredBinding | null {
    return this.#read("loadBinding", () => {
      const r = this.#s.loadBinding.get(sessionId);
      if (r === undefined || (r.bound_runtime === null && r.highest_fence === null && r.generation === null)) return null;
      const d = new Decoding(this.path, "sessions", { session_id: sessionId });
      const runtime = r.bound_runtime;
      if (typeof runtime !== "string" || runtime === "") return d.fail("bound_runtime", `expected a runtime id, got ${JSON.stringify(runtime)}`);
      const int = (column: string, v: unknown): number => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : d.fail(column, `expected a non-negative integer, got ${JSON.stringify(v)}`));
      return { runtimeId: runtime, fence: int("highest_fence", r.highest_fence), generation: int("generation", r.generation) };
    });
  }

  persistOpsSnapshot(sessionId: SessionId, snapshot: JsonValue): void | Promise<void> {
    return this.#write("persistOpsSnapshot", () => {
      const json = JSON.stringify(snapshot) as string | undefined;
      if (json === undefined) throw new TypeError("the ops snapshot is not JSON");
      return () => {
        this.#s.ensureSession.run(sessionId);
        this.#s.upsertOps.run(sessionId, json);
      };
    }) as void | Promise<void>;
  }

  #putRow(r: EncodedRow): void {
    const { row_id } = this.#s.upsertInput.get(...r.state)!;
    this.#s.upsertPayload.run(row_id, r.inputJson, r.decisionJson);
  }

  /**
   * `prepare` checks and serializes the arguments now and returns the part that runs in the
   * transaction. Group commit: queued, settled after the shared COMMIT. Otherwise: committed at
   * once, the result returned or the error thrown.
   */
  #write(op: string, prepare: () => () => unknown): unknown {
    let run: () => unknown;
    try {
      if (this.#closed) throw new StoreClosedError(this.path, op);
      if (this.#corrupted !== null) throw this.#corruptedError(op);
      run = prepare();
    } catch (e) {
      const error = writeError(this.path, op, e);
      if (this.groupCommit) return Promise.reject(error);
      throw error;
    }
    if (!this.groupCommit) {
      let outcome: Outcome | undefined;
      this.#commit([{ op, run, resolve: (value) => (outcome = { ok: true, value }), reject: (error) => (outcome = { ok: false, error }) }]);
      if (outcome === undefined || !outcome.ok) throw outcome?.error;
      return outcome.value;
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, run, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // process.nextTick queued from promise code runs once the microtask queue is empty, so a
        // group holds every write the current burst of promise continuations asked for. Measured
        // against setImmediate (bench/durable.ts workload): the same number of transactions, and
        // no wait for the next macrotask.
        process.nextTick(this.#flush);
      }
    });
  }

  /** Commits every queued write (group commit). Also called by loads and close. */
  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const jobs = this.#queue;
    this.#queue = [];
    this.#commit(jobs);
  };

  /** One immediate transaction over `jobs`; settles each job after COMMIT (or the rollback). */
  #commit(jobs: readonly Job[]): void {
    if (this.#corrupted !== null) {
      // Queued before the latch closed: refused, the damaged file is not touched again.
      for (const job of jobs) job.reject(this.#corruptedError(job.op));
      return;
    }
    const outcomes: Outcome[] = [];
    const n = this.#committed + 1;
    try {
      this.#groupTx.immediate(jobs, outcomes, n);
    } catch (error) {
      if (error === NOTHING_TO_COMMIT) {
        for (let i = 0; i < jobs.length; i++) settle(jobs[i]!, outcomes[i]!, this.path);
        return;
      }
      const first = jobs[0]?.op ?? "commit";
      if (this.#latchCorruption(first, error) !== null) {
        for (const job of jobs) job.reject(this.#corruptedError(job.op));
        return;
      }
      for (const job of jobs) job.reject(writeError(this.path, job.op, error));
      return;
    }
    this.#committed = n;
    try {
      this.#onCommit?.(n);
    } finally {
      for (let i = 0; i < jobs.length; i++) settle(jobs[i]!, outcomes[i]!, this.path);
    }
  }

  // ── loads ───────────────────────────────────────────────────────────────────────────────────

  loadInputStates(sessionId: SessionId): readonly StoredInputRow[] {
    return this.#read("loadInputStates", () => this.#s.loadInputs.all(sessionId).map((r) => decodeInputRow(this.path, r)));
  }

  loadRuntimeState(sessionId: SessionId): PersistedPhase | null {
    return this.#read("loadRuntimeState", () => {
      const r = this.#s.loadPhase.get(sessionId);
      if (r === undefined || r.phase === null) return null;
      return decodeEnum(PERSISTED_PHASES, r.phase, new Decoding(this.path, "sessions", { session_id: sessionId }), "phase") as PersistedPhase;
    });
  }

  loadBoundaryReceipt(sessionId: SessionId, runId: RunId, sequence: number): BoundaryReceipt | null {
    return this.#read("loadBoundaryReceipt", () => {
      const r = this.#s.loadReceipt.get(sessionId, runId, sequence);
      return r === undefined ? null : decodeReceipt(this.path, r);
    });
  }

  loadBoundaryReceipts(sessionId: SessionId): readonly BoundaryReceipt[] {
    return this.#read("loadBoundaryReceipts", () => this.#s.loadReceipts.all(sessionId).map((r) => decodeReceipt(this.path, r)));
  }

  loadOpsSnapshot(sessionId: SessionId): JsonValue | null {
    return this.#read("loadOpsSnapshot", () => {
      const r = this.#s.loadOps.get(sessionId);
      if (r === undefined) return null;
      return decodeJson(new Decoding(this.path, "ops_snapshots", { session_id: sessionId }), "snapshot_json", r.snapshot_json);
    });
  }

  listSessions(): readonly SessionId[] {
    return this.#read("listSessions", () =>
      this.#s.listSessions.all().map((r) => {
        if (typeof r.session_id !== "string") throw new StoreCorruptRowError(this.path, "sessions", {}, "session_id", "not text");
        return r.session_id;
      }),
    );
  }

  /**
   * Loads see every write requested before them: pending group-commit writes are committed first
   * (they are durable then, so acknowledging them early is harmless).
   */
  #read<T>(op: string, fn: () => T): T {
    if (this.#closed) throw new StoreClosedError(this.path, op);
    if (this.#queue.length > 0) this.#flush();
    // A damaged file is not read either: what it returns cannot be trusted.
    if (this.#corrupted !== null) throw this.#corruptedError(op);
    try {
      return fn();
    } catch (e) {
      const corrupted = this.#latchCorruption(op, e);
      if (corrupted !== null) throw corrupted;
      if (e instanceof Database.SqliteError) throw new StoreReadFailedError(this.path, e.code, op, e);
      throw e;
    }
  }

  /** Commits pending writes, then closes the file. Later calls throw StoreClosedError; closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    if (this.#queue.length > 0) this.#flush();
    this.#closed = true;
    this.#db.close();
  }
}

/** SQLite's damaged-file code of `error`, or null. */
function corruptionCodeOf(error: unknown): string | null {
  return error instanceof Database.SqliteError && isCorruptionCode(error.code) ? error.code : null;
}

function settle(job: Job, outcome: Outcome, path: string): void {
  if (outcome.ok) job.resolve(outcome.value);
  else job.reject(writeError(path, job.op, outcome.error));
}

// ── opening ─────────────────────────────────────────────────────────────────────────────────────

/**
 * A read-only file or directory is refused before SQLite touches anything: SQLite would open the
 * file read-only without complaint (and the first write would fail), and WAL needs to create its
 * -wal and -shm files next to it. (Root passes these checks; the first write still maps
 * SQLITE_READONLY to StoreReadOnlyError.)
 */
function assertWritable(file: string): void {
  const dir = dirname(file);
  if (!existsSync(dir)) throw new StoreOpenFailedError(file, null, new Error(`directory ${dir} does not exist`));
  for (const target of existsSync(file) ? [dir, file] : [dir]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (e) {
      throw new StoreReadOnlyError(file, null, `opening the store (${target === file ? "the file" : "its directory"} is not writable)`, e);
    }
  }
}

/** What the read-only look at the file found: no store yet (null), or a store at `version`. */
interface Probe {
  readonly version: number | null;
}

/**
 * Looks at the file without changing it: the SQLite header, then (through a read-only connection)
 * the schema version. Refuses a foreign file or a newer schema before anything writes to it.
 */
function probeFile(file: string): Probe {
  if (!existsSync(file)) return { version: null };
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new StoreOpenFailedError(file, null, e);
  }
  if (size === 0) return { version: null }; // SQLite treats an empty file as an empty database
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new StoreOpenFailedError(file, null, e);
  }
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw new StoreNotADatabaseError(file, "no SQLite header");

  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    if (e instanceof Database.SqliteError) throw openError(file, e);
    throw new StoreOpenFailedError(file, null, e);
  }
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (tables.length === 0) return { version: null };
    if (!tables.includes("meta")) throw new StoreNotADatabaseError(file, "a SQLite database without the store's meta table");
    const version = readVersion(db, file);
    if (version > SQLITE_SCHEMA_VERSION) throw new StoreSchemaTooNewError(file, version, SQLITE_SCHEMA_VERSION);
    return { version };
  } catch (e) {
    if (e instanceof Database.SqliteError) {
      throw openError(file, e);
    }
    throw e;
  } finally {
    db.close();
  }
}

function readVersion(db: Db, file: string): number {
  const raw = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  const version = typeof raw === "string" && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(version)) throw new StoreNotADatabaseError(file, `meta.schema_version is ${JSON.stringify(raw ?? null)}, not a version number`);
  return version;
}

function configure(db: Db, file: string, options: SqliteStoreOptions): void {
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma("foreign_keys = ON");
    if (options.readonly === true) return;
    // WAL: readers do not block the writer; FULL: the WAL is synced at every COMMIT, so an
    // acknowledged write survives power loss, not only a process crash.
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new StoreOpenFailedError(file, null, new Error(`journal_mode is ${String(mode)}, WAL is required`));
    db.pragma("synchronous = FULL");
  } catch (e) {
    if (e instanceof Database.SqliteError) throw openError(file, e);
    throw e;
  }
}

/** Applies the missing migrations in one immediate transaction (re-checking the version inside it). */
function migrate(db: Db, file: string): void {
  try {
    db.transaction(() => {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").pluck().get() !== undefined;
      const current = hasMeta ? readVersion(db, file) : 0;
      // Another process may have upgraded the file since the probe.
      if (current > SQLITE_SCHEMA_VERSION) throw new StoreSchemaTooNewError(file, current, SQLITE_SCHEMA_VERSION);
      for (const m of MIGRATIONS) if (m.version > current) db.exec(m.sql);
      if (current < SQLITE_SCHEMA_VERSION) {
        db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(SQLITE_SCHEMA_VERSION));
      }
    }).immediate();
  } catch (e) {
    if (e instanceof Database.SqliteError) throw openError(file, e);
    throw e;
  }
}

function openError(file: string, e: InstanceType<typeof Database.SqliteError>): Error {
  if (e.code.startsWith("SQLITE_READONLY")) return new StoreReadOnlyError(file, e.code, "opening the store", e);
  if (e.code === "SQLITE_NOTADB" || e.code.startsWith("SQLITE_CORRUPT")) return new StoreNotADatabaseError(file, e.code, e);
  if (e.code.startsWith("SQLITE_FULL") || e.code.startsWith("SQLITE_IOERR")) return new StoreWriteFailedError(file, e.code, "opening the store", e);
  return new StoreOpenFailedError(file, e.code, e);
}

function writeError(file: string, op: string, e: unknown): unknown {
  if (e instanceof Database.SqliteError) {
    if (e.code.startsWith("SQLITE_READONLY")) return new StoreReadOnlyError(file, e.code, op, e);
    return new StoreWriteFailedError(file, e.code, op, e);
  }
  // Rows the store refuses to write (TypeError) become write failures too; anything else (a hook's
  // own error, a StoreError) is passed on as it is.
  if (e instanceof TypeError) return new StoreWriteFailedError(file, null, op, e);
  return e;
}

function prepareStatements(db: Db): Statements {
  return {
    ensureSession: db.prepare("INSERT INTO sessions (session_id) VALUES (?) ON CONFLICT (session_id) DO NOTHING"),
    setPhase: db.prepare("INSERT INTO sessions (session_id, phase) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET phase = excluded.phase"),
    // An upsert keeps the row's row_id, so loads list inputs in the order they were first written.
    upsertInput: db.prepare(`
      INSERT INTO input_states (session_id, input_id, phase, lane, attempts, last_run_id, terminal_json, idempotency_key, kind, durability, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (session_id, input_id) DO UPDATE SET
        phase = excluded.phase, lane = excluded.lane, attempts = excluded.attempts, last_run_id = excluded.last_run_id,
        terminal_json = excluded.terminal_json, idempotency_key = excluded.idempotency_key, kind = excluded.kind,
        durability = excluded.durability, updated_at = excluded.updated_at
      RETURNING row_id`),
    // The WHERE leaves an unchanged payload alone: no page is rewritten for it.
    upsertPayload: db.prepare(`
      INSERT INTO input_payloads (row_id, input_json, decision_json) VALUES (?, ?, ?)
      ON CONFLICT (row_id) DO UPDATE SET input_json = excluded.input_json, decision_json = excluded.decision_json
      WHERE input_json IS NOT excluded.input_json OR decision_json IS NOT excluded.decision_json`),
    lastSequence: db.prepare("SELECT MAX(sequence) AS s FROM boundary_receipts WHERE session_id = ? AND run_id = ?"),
    insertReceipt: db.prepare("INSERT INTO boundary_receipts (session_id, run_id, sequence, contributors_json, committed_at) VALUES (?, ?, ?, ?, ?)"),
    setBinding: db.prepare(
      "INSERT INTO sessions (session_id, bound_runtime, highest_fence, generation) VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET bound_runtime = excluded.bound_runtime, highest_fence = excluded.highest_fence, generation = excluded.generation",
    ),
    loadBinding: db.prepare("SELECT bound_runtime, highest_fence, generation FROM sessions WHERE session_id = ?"),
    upsertOps: db.prepare("INSERT INTO ops_snapshots (session_id, snapshot_json) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET snapshot_json = excluded.snapshot_json"),
    // LEFT JOIN: a state row without its payload is reported as corrupt, not silently skipped.
    loadInputs: db.prepare("SELECT s.*, p.input_json, p.decision_json FROM input_states s LEFT JOIN input_payloads p USING (row_id) WHERE s.session_id = ? ORDER BY s.row_id"),
    loadPhase: db.prepare("SELECT phase FROM sessions WHERE session_id = ?"),
    loadReceipt: db.prepare("SELECT * FROM boundary_receipts WHERE session_id = ? AND run_id = ? AND sequence = ?"),
    loadReceipts: db.prepare("SELECT * FROM boundary_receipts WHERE session_id = ? ORDER BY rowid"),
    loadOps: db.prepare("SELECT snapshot_json FROM ops_snapshots WHERE session_id = ?"),
    listSessions: db.prepare("SELECT session_id FROM sessions ORDER BY first_write"),
  };
}

// ── decoding ────────────────────────────────────────────────────────────────────────────────────
// Exported for the PostgreSQL store (runtime/postgres/), which stores the same rows and decodes them
// the same way; `path` is then the database's label.

// The valid values of every stored enumeration. `Record<T, true>` makes the compiler insist on
// every member of the generated type, so a new phase or reason cannot be forgotten here.
function members<T extends string>(all: Record<T, true>): ReadonlySet<string> {
  return new Set(Object.keys(all));
}
// Input phases and which are terminal come from the spec.
const INPUT_PHASES: ReadonlySet<string> = new Set<string>(SPEC_INPUT_PHASES);
const TERMINAL_PHASES: ReadonlySet<string> = TERMINAL_INPUT_PHASES;
const LANES = members<Lane>({ Queue: true, Steer: true });
const ABANDON_REASONS = members<AbandonReason>({ Retired: true, Reset: true, Stopped: true, Destroyed: true, Cancelled: true, MaxAttemptsExhausted: true });
export const PERSISTED_PHASES = members<PersistedPhase>({ Initializing: true, Idle: true, Retired: true, Stopped: true, Destroyed: true });
const DURABILITIES = members<Durability>({ Durable: true, Ephemeral: true, Derived: true });
const KINDS: ReadonlySet<string> = new Set<InputKind>(INPUT_KINDS);
const DECISION_ENUMS: Readonly<Record<string, ReadonlySet<string>>> = {
  applyMode: members<ApplyMode>({ StageRunStart: true, StageRunBoundary: true, InjectNow: true, Ignore: true }),
  wakeMode: members<WakeMode>({ WakeIfIdle: true, InterruptYielding: true, None: true }),
  queueMode: members<QueueMode>({ None: true, Fifo: true, Coalesce: true, Supersede: true, Priority: true }),
  consumePoint: members<ConsumePoint>({ OnAccept: true, OnApply: true, OnRunStart: true, OnRunComplete: true, ExplicitAck: true }),
  drainPolicy: members<DrainPolicy>({ QueueNextTurn: true, SteerBatch: true, Immediate: true, Ignore: true }),
  routingDisposition: members<RoutingDisposition>({ Queue: true, Steer: true, Immediate: true, Drop: true }),
  lane: LANES,
  admission: members<AdmissionClass>({ Passive: true, WakeIfIdle: true, InterruptYielding: true, Immediate: true }),
};
const DECISION_FLAGS = ["recordTranscript", "consumeOnAccept"] as const;

/** A row ready for the two upserts: the input_states parameters and the payload texts. */
interface EncodedRow {
  readonly state: unknown[];
  readonly inputJson: string;
  readonly decisionJson: string;
}

/** Refuses (TypeError) a row it could not decode again: it would be lost at the next load. */
function encodeRow(sessionId: SessionId, row: StoredInputRow): EncodedRow {
  const bad = checkRowForWrite(row);
  if (bad !== null) throw new TypeError(`input row ${JSON.stringify(row.inputId)} of session ${JSON.stringify(sessionId)}: ${bad}`);
  return {
    state: [
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
    ],
    inputJson: JSON.stringify(row.input),
    decisionJson: JSON.stringify(row.decision),
  };
}

/** The scalar columns of a row about to be written: null when they would decode again. */
export function checkRowForWrite(row: StoredInputRow): string | null {
  if (!INPUT_PHASES.has(row.phase)) return `unknown phase ${JSON.stringify(row.phase)}`;
  if (row.lane !== null && !LANES.has(row.lane)) return `unknown lane ${JSON.stringify(row.lane)}`;
  if (!Number.isSafeInteger(row.attempts) || row.attempts < 0) return `attempts ${String(row.attempts)} is not a count`;
  if (!KINDS.has(row.kind)) return `unknown kind ${JSON.stringify(row.kind)}`;
  if (!DURABILITIES.has(row.durability)) return `unknown durability ${JSON.stringify(row.durability)}`;
  if (!Number.isSafeInteger(row.updatedAt)) return `updatedAt ${String(row.updatedAt)} is not a millisecond timestamp`;
  return null;
}

/** A row of input_states joined with its input_payloads row (null payload columns: none). */
export interface InputRowRaw {
  readonly row_id: unknown;
  readonly session_id: unknown;
  readonly input_id: unknown;
  readonly phase: unknown;
  readonly lane: unknown;
  readonly attempts: unknown;
  readonly last_run_id: unknown;
  readonly terminal_json: unknown;
  readonly idempotency_key: unknown;
  readonly input_json: unknown;
  readonly decision_json: unknown;
  readonly kind: unknown;
  readonly durability: unknown;
  readonly updated_at: unknown;
}

export interface ReceiptRowRaw {
  readonly session_id: unknown;
  readonly run_id: unknown;
  readonly sequence: unknown;
  readonly contributors_json: unknown;
  readonly committed_at: unknown;
}

/** Where a decode failure is: the file, table and row key for StoreCorruptRowError. */
export class Decoding {
  constructor(
    readonly path: string,
    readonly table: string,
    readonly key: Readonly<Record<string, string | number>>,
  ) {}

  fail(column: string, detail: string): never {
    throw new StoreCorruptRowError(this.path, this.table, this.key, column, detail);
  }
}

export function decodeEnum(valid: ReadonlySet<string>, value: unknown, d: Decoding, column: string): string {
  if (typeof value !== "string" || !valid.has(value)) d.fail(column, `unknown value ${JSON.stringify(value)}`);
  return value;
}

function decodeText(value: unknown, d: Decoding, column: string): string {
  if (typeof value !== "string") d.fail(column, `expected text, found ${typeOf(value)}`);
  return value;
}

function decodeTextOrNull(value: unknown, d: Decoding, column: string): string | null {
  return value === null ? null : decodeText(value, d, column);
}

function decodeCount(value: unknown, d: Decoding, column: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) d.fail(column, `expected a non-negative integer, found ${JSON.stringify(value)}`);
  return value;
}

export function decodeJson(d: Decoding, column: string, value: unknown): JsonValue {
  const text = decodeText(value, d, column);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    return d.fail(column, `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function typeOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function decodeInputRow(path: string, r: InputRowRaw): StoredInputRow {
  const d: Decoding = new Decoding(path, "input_states", { session_id: String(r.session_id), input_id: String(r.input_id) });
  const inputId = decodeText(r.input_id, d, "input_id");
  const phase = decodeEnum(INPUT_PHASES, r.phase, d, "phase") as InputPhase;
  const lane = r.lane === null ? null : (decodeEnum(LANES, r.lane, d, "lane") as Lane);
  const attempts = decodeCount(r.attempts, d, "attempts");
  const lastRunId = decodeTextOrNull(r.last_run_id, d, "last_run_id");
  const terminal = r.terminal_json === null ? null : decodeTerminal(decodeJson(d, "terminal_json", r.terminal_json), d);
  if (TERMINAL_PHASES.has(phase) !== (terminal !== null)) d.fail("terminal_json", terminal === null ? `phase ${phase} is terminal but there is no outcome` : `phase ${phase} is not terminal but has an outcome`);
  if (terminal !== null && terminal.kind !== phase) d.fail("terminal_json", `outcome ${terminal.kind} does not match phase ${phase}`);
  const idempotencyKey = decodeTextOrNull(r.idempotency_key, d, "idempotency_key");
  const kind = decodeEnum(KINDS, r.kind, d, "kind") as InputKind;
  const durability = decodeEnum(DURABILITIES, r.durability, d, "durability") as Durability;
  // The payload columns live in input_payloads; a failure there names that table (same key).
  const p: Decoding = new Decoding(path, "input_payloads", d.key);
  if (r.input_json === null && r.decision_json === null) p.fail("row_id", "the input has no payload row");
  const input = decodeInput(decodeJson(p, "input_json", r.input_json), p, { inputId, kind, durability, idempotencyKey });
  const decision = decodeDecision(decodeJson(p, "decision_json", r.decision_json), p);
  const updatedAt = r.updated_at;
  if (typeof updatedAt !== "number" || !Number.isSafeInteger(updatedAt)) d.fail("updated_at", `expected a millisecond timestamp, found ${JSON.stringify(updatedAt)}`);
  return { inputId, kind, durability, phase, lane, attempts, lastRunId, terminal, idempotencyKey, input, decision, updatedAt };
}

function decodeTerminal(v: JsonValue, d: Decoding): InputTerminalOutcome {
  if (!isObject(v)) return d.fail("terminal_json", "not an object");
  switch (v.kind) {
    case "Consumed":
      if (v.runId !== null && typeof v.runId !== "string") d.fail("terminal_json", "Consumed.runId is neither text nor null");
      return { kind: "Consumed", runId: v.runId };
    case "Superseded":
      if (typeof v.by !== "string") d.fail("terminal_json", "Superseded.by is not text");
      return { kind: "Superseded", by: v.by };
    case "Coalesced":
      if (typeof v.into !== "string") d.fail("terminal_json", "Coalesced.into is not text");
      return { kind: "Coalesced", into: v.into };
    case "Abandoned":
      return { kind: "Abandoned", reason: decodeEnum(ABANDON_REASONS, v.reason, d, "terminal_json.reason") as AbandonReason };
    default:
      return d.fail("terminal_json", `unknown outcome kind ${JSON.stringify(v.kind ?? null)}`);
  }
}

/** The payload must be a valid input (the admission schema) and agree with the row's columns. */
function decodeInput(
  v: JsonValue,
  d: Decoding,
  row: { readonly inputId: string; readonly kind: InputKind; readonly durability: Durability; readonly idempotencyKey: string | null },
): Input {
  let input: Input;
  try {
    input = validateInput(String(d.key.session_id), v);
  } catch (e) {
    return d.fail("input_json", e instanceof Error ? e.message : String(e));
  }
  if (input.header.id !== row.inputId) d.fail("input_json", `header.id ${JSON.stringify(input.header.id)} differs from input_id`);
  if (input.kind !== row.kind) d.fail("input_json", `kind ${input.kind} differs from column kind ${row.kind}`);
  if (input.header.durability !== row.durability) d.fail("input_json", `durability ${input.header.durability} differs from column durability ${row.durability}`);
  if ((input.header.idempotencyKey ?? null) !== row.idempotencyKey) d.fail("input_json", "idempotencyKey differs from column idempotency_key");
  return input;
}

function decodeDecision(v: JsonValue, d: Decoding): PolicyDecision {
  if (!isObject(v)) return d.fail("decision_json", "not an object");
  for (const [field, valid] of Object.entries(DECISION_ENUMS)) decodeEnum(valid, v[field], d, `decision_json.${field}`);
  for (const field of DECISION_FLAGS) if (typeof v[field] !== "boolean") d.fail(`decision_json.${field}`, `expected a boolean, found ${JSON.stringify(v[field] ?? null)}`);
  // The generated decision carries more columns than the runtime reads; they are kept as stored.
  return v as unknown as PolicyDecision;
}

export function decodeReceipt(path: string, r: ReceiptRowRaw): BoundaryReceipt {
  const d: Decoding = new Decoding(path, "boundary_receipts", {
    session_id: String(r.session_id),
    run_id: String(r.run_id),
    sequence: typeof r.sequence === "number" ? r.sequence : String(r.sequence),
  });
  const runId = decodeText(r.run_id, d, "run_id");
  const sequence = decodeCount(r.sequence, d, "sequence");
  const contributors = decodeJson(d, "contributors_json", r.contributors_json);
  if (!Array.isArray(contributors) || !contributors.every((c) => typeof c === "string")) d.fail("contributors_json", "not an array of input ids");
  const committedAt = r.committed_at;
  if (typeof committedAt !== "number" || !Number.isSafeInteger(committedAt)) d.fail("committed_at", `expected a millisecond timestamp, found ${JSON.stringify(committedAt)}`);
  return { runId, sequence, contributors: contributors as readonly InputId[], committedAt };
}

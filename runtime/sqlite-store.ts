// The durable RuntimeStore: one SQLite file per realm (better-sqlite3, synchronous API). An
// acknowledged write has been committed with `synchronous = FULL` in WAL mode, so it survives a
// process or OS crash. Every write is one BEGIN IMMEDIATE transaction; with group commit (the
// default) the writes requested in one turn of the event loop share one transaction, each in its
// own SAVEPOINT, and every caller is answered only after the shared COMMIT returned.
//
// Loads decode every row and fail closed (StoreCorruptRowError) rather than hand the runtime a
// guess. Opening never damages a file: it is checked read-only first (SQLite header, schema
// version) before WAL is switched on or a migration runs. See runtime/README.md, "SQLite store".
// The schema and opening checks are in sqlite-schema.ts, the statements in sqlite-statements.ts,
// the row codec (shared with runtime/postgres) in row-codec.ts.

import { join, resolve } from "node:path";
import { mkdirSync } from "node:fs";
import Database from "better-sqlite3";
import type { InputId, JsonValue, RunId, SessionId } from "./input.js";
import { decodeEnum, decodeInputRow, decodeJson, decodeReceipt, Decoding, encodeRow, PERSISTED_PHASES, type EncodedRow } from "./row-codec.js";
import { assertWritable, configure, IN_MEMORY, migrate, openError, probeFile, SQLITE_SCHEMA_VERSION } from "./sqlite-schema.js";
import { prepareStatements, type Db, type Statements } from "./sqlite-statements.js";
import type { BoundaryReceipt, PersistedPhase, RuntimeStore, StoredBinding, StoredInputRow } from "./store.js";
import {
  isCorruptionCode,
  StoreClosedError,
  StoreCorruptedError,
  StoreCorruptRowError,
  StoreOpenFailedError,
  StoreReadFailedError,
  StoreReadOnlyError,
  StoreWriteFailedError,
} from "./store-errors.js";

export { SQLITE_SCHEMA_VERSION } from "./sqlite-schema.js";
export { checkRowForWrite, decodeEnum, decodeInputRow, decodeJson, decodeReceipt, Decoding, PERSISTED_PHASES } from "./row-codec.js";
export type { InputRowRaw, ReceiptRowRaw } from "./row-codec.js";

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
    // ":memory:" is SQLite's private in-memory database (as in better-sqlite3): nothing survives close.
    const memory = path === IN_MEMORY;
    const file = memory ? IN_MEMORY : resolve(path);
    if (options.readonly !== true && !memory) assertWritable(file);
    const found = memory ? { version: null } : probeFile(file);
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

  commitBoundary(sessionId: SessionId, runId: RunId, contributors: readonly InputId[], rows: readonly StoredInputRow[], phase?: PersistedPhase): BoundaryReceipt | Promise<BoundaryReceipt> {
    return this.#write("commitBoundary", () => {
      if (phase !== undefined && !PERSISTED_PHASES.has(phase)) throw new TypeError(`unknown persisted phase ${JSON.stringify(phase)}`);
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
        if (phase !== undefined) this.#s.setPhase.run(sessionId, phase);
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


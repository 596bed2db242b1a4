// The SQLite store's file: its schema and ordered migrations, and the checks made when it is opened
// (read-only probe of the header and schema version before WAL is switched on or a migration
// runs, so opening never damages a file).

import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Db } from "./sqlite-statements.js";
import {
  StoreNotADatabaseError,
  StoreOpenFailedError,
  StoreReadOnlyError,
  StoreSchemaTooNewError,
  StoreWriteFailedError,
} from "./store-errors.js";

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

export const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/**
 * A read-only file or directory is refused before SQLite touches anything: SQLite would open the
 * file read-only without complaint (and the first write would fail), and WAL needs to create its
 * -wal and -shm files next to it. (Root passes these checks; the first write still maps
 * SQLITE_READONLY to StoreReadOnlyError.)
 */
/** The path SQLite reads as a private in-memory database. */
export const IN_MEMORY = ":memory:";

export function assertWritable(file: string): void {
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
export function probeFile(file: string): Probe {
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

export function readVersion(db: Db, file: string): number {
  const raw = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
  const version = typeof raw === "string" && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(version)) throw new StoreNotADatabaseError(file, `meta.schema_version is ${JSON.stringify(raw ?? null)}, not a version number`);
  return version;
}

export function configure(db: Db, file: string, options: { readonly busyTimeoutMs?: number; readonly readonly?: boolean }): void {
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma("foreign_keys = ON");
    if (options.readonly === true) return;
    // An in-memory database has no file to sync: its journal stays in memory.
    if (file === IN_MEMORY) return;
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
export function migrate(db: Db, file: string): void {
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

export function openError(file: string, e: InstanceType<typeof Database.SqliteError>): Error {
  if (e.code.startsWith("SQLITE_READONLY")) return new StoreReadOnlyError(file, e.code, "opening the store", e);
  if (e.code === "SQLITE_NOTADB" || e.code.startsWith("SQLITE_CORRUPT")) return new StoreNotADatabaseError(file, e.code, e);
  if (e.code.startsWith("SQLITE_FULL") || e.code.startsWith("SQLITE_IOERR")) return new StoreWriteFailedError(file, e.code, "opening the store", e);
  return new StoreOpenFailedError(file, e.code, e);
}

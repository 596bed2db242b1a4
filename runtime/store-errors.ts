// Typed failures of the SQLite store (runtime/sqlite-store.ts). Every error has a stable `code` and
// the store file's `path`; callers branch on `code` or `instanceof`, never on the message. They are
// not RuntimeErrors: a store error belongs to a file, not to a session, and the runtime wraps any
// store failure of a transition in StoreFailedError (its `cause` is one of these).

export type StoreErrorCode =
  | "StoreSchemaTooNew"
  | "StoreNotADatabase"
  | "StoreOpenFailed"
  | "StoreCorruptRow"
  | "StoreReadOnly"
  | "StoreWriteFailed"
  | "StoreReadFailed"
  | "StoreClosed"
  | "StoreCorrupted";

export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
  readonly path: string;

  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.path = path;
  }
}

/** The file was written by a newer version of this code. Nothing was modified. */
export class StoreSchemaTooNewError extends StoreError {
  readonly code = "StoreSchemaTooNew" as const;
  constructor(
    path: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(`store ${path} has schema version ${foundVersion}, this code supports up to ${supportedVersion}; the file was not modified`, path);
  }
}

/** The file is not a SQLite database, or a SQLite database that is not a store. It was not modified. */
export class StoreNotADatabaseError extends StoreError {
  readonly code = "StoreNotADatabase" as const;
  constructor(
    path: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`${path} is not a store database (${reason}); the file was not modified`, path, { cause });
  }
}

/** The file could not be opened or created at all (missing or unwritable directory, permissions). */
export class StoreOpenFailedError extends StoreError {
  readonly code = "StoreOpenFailed" as const;
  constructor(
    path: string,
    readonly sqliteCode: string | null,
    cause: unknown,
  ) {
    super(`store ${path} could not be opened${sqliteCode === null ? "" : ` (${sqliteCode})`}: ${messageOf(cause)}`, path, { cause });
  }
}

/** A stored row does not decode: the load fails instead of handing the runtime a guess. */
export class StoreCorruptRowError extends StoreError {
  readonly code = "StoreCorruptRow" as const;
  constructor(
    path: string,
    readonly table: string,
    /** The row's primary key, column by column. */
    readonly rowKey: Readonly<Record<string, string | number>>,
    readonly column: string,
    readonly detail: string,
  ) {
    super(`corrupt row in ${path}, table ${table}, ${describeKey(rowKey)}: column ${column}: ${detail}`, path);
  }
}

/** The database (or its directory) is read-only: SQLITE_READONLY*, or the store was opened `readonly`. */
export class StoreReadOnlyError extends StoreError {
  readonly code = "StoreReadOnly" as const;
  constructor(
    path: string,
    readonly sqliteCode: string | null,
    readonly operation: string,
    cause?: unknown,
  ) {
    super(`store ${path} is read-only${sqliteCode === null ? "" : ` (${sqliteCode})`}: ${operation} refused`, path, { cause });
  }
}

/** A SQLite operation that failed, with SQLite's code where it gave one. */
abstract class StoreOperationError extends StoreError {
  constructor(
    path: string,
    readonly sqliteCode: string | null,
    readonly operation: string,
    cause: unknown,
  ) {
    super(`store ${path}: ${operation} failed${sqliteCode === null ? "" : ` (${sqliteCode})`}: ${messageOf(cause)}`, path, { cause });
  }
}

/** A write did not commit (SQLITE_FULL, SQLITE_IOERR*, SQLITE_BUSY, a constraint, …); nothing of it is stored. */
export class StoreWriteFailedError extends StoreOperationError {
  readonly code = "StoreWriteFailed" as const;
}

/** A read failed in SQLite itself (I/O error, corrupt page); a row that reads but does not decode is StoreCorruptRowError. */
export class StoreReadFailedError extends StoreOperationError {
  readonly code = "StoreReadFailed" as const;
}

export class StoreClosedError extends StoreError {
  readonly code = "StoreClosed" as const;
  constructor(
    path: string,
    readonly operation: string,
  ) {
    super(`store ${path} is closed: ${operation} refused`, path);
  }
}

/**
 * SQLite reported the file damaged (SQLITE_CORRUPT*, SQLITE_NOTADB) during `detectedDuring`. The
 * store latched: from then on it writes nothing more to the file, for any session, and refuses
 * every call with this error (`operation` is the call refused). Restore the file from a backup or
 * repair it offline; a new store must be opened on the repaired file.
 */
export class StoreCorruptedError extends StoreError {
  readonly code = "StoreCorrupted" as const;
  constructor(
    path: string,
    readonly sqliteCode: string,
    readonly detectedDuring: string,
    readonly operation: string,
    cause?: unknown,
  ) {
    super(`store ${path} is damaged (${sqliteCode}, found during ${detectedDuring}): ${operation} refused; nothing more is written to this file`, path, { cause });
  }
}

/** True for SQLite's codes of a damaged file. */
export function isCorruptionCode(sqliteCode: string): boolean {
  return sqliteCode === "SQLITE_NOTADB" || sqliteCode.startsWith("SQLITE_CORRUPT");
}

/** The StoreCorruptedError in `error`'s cause chain (the runtime wraps store failures), or null. */
export function findStoreCorruption(error: unknown): StoreCorruptedError | null {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof StoreCorruptedError) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return null;
}

function describeKey(key: Readonly<Record<string, string | number>>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

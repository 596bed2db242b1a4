// Typed failures of the PostgreSQL store. Every error has a stable `code` and the database's label
// (`database`: host, port, database and schema; never the password). Callers branch on `code` or
// `instanceof`. Inside the runtime they arrive as the `cause` of StoreFailedError.

export type PostgresStoreErrorCode =
  | "PgConfigInvalid"
  | "PgUnavailable"
  | "PgAuthFailed"
  | "PgDatabaseMissing"
  | "PgSchemaTooNew"
  | "PgForeignSchema"
  | "PgFencedOut"
  | "PgLeaseHeld"
  | "PgWriteFailed"
  | "PgReadFailed"
  | "PgCommitUnknown"
  | "PgAlreadyAdmitted"
  | "PgStoreClosed";

export abstract class PostgresStoreError extends Error {
  abstract readonly code: PostgresStoreErrorCode;
  constructor(
    message: string,
    readonly database: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The connection string or an option is malformed; nothing was contacted. */
export class PgConfigInvalidError extends PostgresStoreError {
  readonly code = "PgConfigInvalid" as const;
  constructor(
    database: string,
    readonly setting: string,
    readonly detail: string,
  ) {
    super(`PostgreSQL store configuration: ${setting}: ${detail}`, database);
  }
}

/** The server cannot be reached (refused, timed out, shutting down) after the retries. */
export class PgUnavailableError extends PostgresStoreError {
  readonly code = "PgUnavailable" as const;
  constructor(
    database: string,
    readonly operation: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`PostgreSQL at ${database} is unavailable: ${operation} failed after ${attempts} attempt(s): ${messageOf(cause)}`, database, { cause });
  }
}

export class PgAuthFailedError extends PostgresStoreError {
  readonly code = "PgAuthFailed" as const;
  constructor(database: string, cause: unknown) {
    super(`PostgreSQL at ${database} refused the credentials: ${messageOf(cause)}`, database, { cause });
  }
}

export class PgDatabaseMissingError extends PostgresStoreError {
  readonly code = "PgDatabaseMissing" as const;
  constructor(database: string, cause: unknown) {
    super(`PostgreSQL at ${database}: the database does not exist (create it first): ${messageOf(cause)}`, database, { cause });
  }
}

/** The schema was written by a newer version of this code. Nothing was modified. */
export class PgSchemaTooNewError extends PostgresStoreError {
  readonly code = "PgSchemaTooNew" as const;
  constructor(
    database: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(`store schema at ${database} has version ${foundVersion}, this code supports up to ${supportedVersion}; nothing was modified`, database);
  }
}

/** The schema holds another application's tables (or a meta table that is not ours). Nothing was modified. */
export class PgForeignSchemaError extends PostgresStoreError {
  readonly code = "PgForeignSchema" as const;
  constructor(
    database: string,
    readonly reason: string,
  ) {
    super(`${database} is not a meerkat store (${reason}); nothing was modified`, database);
  }
}

/**
 * A write (or a heartbeat) carried a fence the lease row no longer has: another node took the
 * session over, or this node handed it back. Nothing of the write is stored; the runtime stops
 * the session's loop and forgets it.
 */
export class FencedOutError extends PostgresStoreError {
  readonly code = "PgFencedOut" as const;
  constructor(
    database: string,
    readonly sessionId: string,
    readonly heldFence: number,
    readonly currentFence: number | null,
    readonly currentOwner: string | null,
    readonly operation: string,
  ) {
    super(
      `session ${JSON.stringify(sessionId)}: ${operation} refused, fence ${heldFence} is stale (the lease is at fence ${currentFence ?? "none"}, owner ${currentOwner ?? "none"})`,
      database,
    );
  }
}

/** The session's lease is held by another live node: this node may not touch it now. */
export class PgLeaseHeldError extends PostgresStoreError {
  readonly code = "PgLeaseHeld" as const;
  constructor(
    database: string,
    readonly sessionId: string,
    readonly owner: string | null,
  ) {
    super(`session ${JSON.stringify(sessionId)} is owned by ${owner ?? "another node"} whose lease has not expired`, database);
  }
}

/** A statement failed (constraint, malformed row, server error); the transaction was rolled back. */
export class PgWriteFailedError extends PostgresStoreError {
  readonly code = "PgWriteFailed" as const;
  constructor(
    database: string,
    readonly operation: string,
    readonly sqlState: string | null,
    cause: unknown,
  ) {
    super(`PostgreSQL store ${database}: ${operation} failed${sqlState === null ? "" : ` (SQLSTATE ${sqlState})`}: ${messageOf(cause)}`, database, { cause });
  }
}

export class PgReadFailedError extends PostgresStoreError {
  readonly code = "PgReadFailed" as const;
  constructor(
    database: string,
    readonly operation: string,
    readonly sqlState: string | null,
    cause: unknown,
  ) {
    super(`PostgreSQL store ${database}: ${operation} failed${sqlState === null ? "" : ` (SQLSTATE ${sqlState})`}: ${messageOf(cause)}`, database, { cause });
  }
}

/**
 * The connection broke while COMMIT was in flight: the write may or may not be stored. The store
 * gives the session up (a fresh fence and a recovery from the database settle it).
 */
export class PgCommitUnknownError extends PostgresStoreError {
  readonly code = "PgCommitUnknown" as const;
  constructor(
    database: string,
    readonly sessionId: string,
    readonly operation: string,
    cause: unknown,
  ) {
    super(`session ${JSON.stringify(sessionId)}: ${operation}: the connection broke during COMMIT; the session is given up and will be recovered: ${messageOf(cause)}`, database, { cause });
  }
}

/** An inbox submission was already moved into its session: admitting it again is refused. */
export class PgAlreadyAdmittedError extends PostgresStoreError {
  readonly code = "PgAlreadyAdmitted" as const;
  constructor(
    database: string,
    readonly sessionId: string,
    readonly inputId: string,
  ) {
    super(`session ${JSON.stringify(sessionId)}: submission ${JSON.stringify(inputId)} was already admitted`, database);
  }
}

export class PgStoreClosedError extends PostgresStoreError {
  readonly code = "PgStoreClosed" as const;
  constructor(
    database: string,
    readonly operation: string,
  ) {
    super(`PostgreSQL store ${database} is closed: ${operation} refused`, database);
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

// Connection settings, error classification and retry with backoff for the PostgreSQL store.

import pg from "pg";
import { PgAuthFailedError, PgConfigInvalidError, PgDatabaseMissingError, PgUnavailableError } from "./errors.js";

/** int8 (bigint) columns as numbers: fences, sequences and millisecond timestamps fit in 2^53. */
const INT8 = 20;
export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text"))) as pg.CustomTypesConfig["getTypeParser"],
};

/** The URL checked and a label for messages (no password). Throws PgConfigInvalidError. */
export function parseUrl(url: unknown): { readonly url: string; readonly label: string } {
  if (typeof url !== "string" || url.trim() === "") throw new PgConfigInvalidError("(none)", "url", `expected a postgres:// connection string, got ${JSON.stringify(url ?? null)}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PgConfigInvalidError("(unparsable)", "url", "not a URL (expected postgres://user@host:port/database)");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") throw new PgConfigInvalidError(`${u.protocol}//${u.host}`, "url", `protocol ${u.protocol} is not postgres: or postgresql:`);
  const db = decodeURIComponent(u.pathname.replace(/^\//, "")) || "(default database)";
  const host = u.host || u.searchParams.get("host") || "localhost";
  return { url, label: `${host}/${db}` };
}

/** Errors after which the same operation may succeed on a new connection (server restart, dropped link). */
export function isTransient(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === "string" ? err.code : "";
  if (["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"].includes(code)) return true;
  // 08: connection exception; 57P01 admin shutdown (pg_terminate_backend, fast shutdown); 57P02
  // crash shutdown; 57P03 starting up; 53300 too many connections; 40001/40P01 serialization, deadlock.
  if (/^08/.test(code) || ["57P01", "57P02", "57P03", "53300", "40001", "40P01"].includes(code)) return true;
  const message = typeof err?.message === "string" ? err.message : "";
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|the database system is (starting up|shutting down)/i.test(message);
}

export function sqlStateOf(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** Configuration errors the retries cannot fix, as typed errors; null for anything else. */
export function configErrorOf(label: string, e: unknown): Error | null {
  const state = sqlStateOf(e);
  if (state === "28P01" || state === "28000") return new PgAuthFailedError(label, e);
  if (state === "3D000") return new PgDatabaseMissingError(label, e);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ENOTFOUND") return new PgUnavailableError(label, "connect (host not found)", 1, e);
  return null;
}

export interface RetryPolicy {
  /** Attempts in all (default 12). */
  readonly attempts: number;
  /** First backoff (ms, default 25), doubled per attempt up to `maxDelayMs` (default 1000), with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseDelayMs: 25, maxDelayMs: 1000 };

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return d / 2 + Math.random() * (d / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` until it succeeds, retrying transient failures with backoff. A configuration error
 * (credentials, missing database) is thrown at once, typed; exhausted retries → PgUnavailableError.
 */
export async function withRetry<T>(label: string, operation: string, policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const config = configErrorOf(label, e);
      if (config !== null) throw config;
      if (!isTransient(e)) throw e;
      last = e;
      if (attempt + 1 < policy.attempts) await sleep(backoffMs(policy, attempt));
    }
  }
  throw new PgUnavailableError(label, operation, policy.attempts, last);
}

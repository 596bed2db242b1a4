// Which store `meerkat serve` runs over, chosen in one place: SQLite by default (a file path),
// PostgreSQL for a database URL, or memory (nothing survives). Recovery of stored sessions at start.

import type { ControlPlane, RuntimeStore, SessionId } from "../runtime/index.js";
import { defaultStorePath, SqliteStore } from "../runtime/index.js";

export type StoreChoice = { readonly kind: "sqlite"; readonly path?: string } | { readonly kind: "postgres"; readonly url: string } | { readonly kind: "memory" };

export interface OpenedStore {
  /** null for memory: an ephemeral runtime. */
  readonly store: RuntimeStore | null;
  /** For the startup line; never contains a password. */
  readonly description: string;
  close(): Promise<void>;
}

/** `--database-url` was given but this build has no PostgreSQL store wired in. */
export class StoreUnavailableError extends Error {
  readonly code = "StoreUnavailable" as const;
  constructor(readonly kind: string, detail: string) {
    super(`${kind} store unavailable: ${detail}`);
    this.name = "StoreUnavailableError";
  }
}

/** The PostgreSQL store behind `--database-url` (same RuntimeStore contract as SQLite). */
export async function connectPostgres(url: string): Promise<RuntimeStore> {
  const { PostgresStore, PostgresStoreError } = await import("../runtime/postgres/index.js");
  try {
    return await PostgresStore.connect(url);
  } catch (e) {
    if (e instanceof PostgresStoreError) throw new StoreUnavailableError("postgres", `${e.message} [${e.code}]`);
    throw e;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function openStore(choice: StoreChoice): Promise<OpenedStore> {
  switch (choice.kind) {
    case "memory":
      return { store: null, description: "memory (nothing survives a restart)", close: async () => undefined };
    case "sqlite": {
      const path = choice.path ?? defaultStorePath();
      const store = SqliteStore.open(path);
      return { store, description: `sqlite ${path}`, close: async () => store.close() };
    }
    case "postgres": {
      const store = await connectPostgres(choice.url);
      return { store, description: `postgres ${redact(choice.url)}`, close: async () => store.close?.() };
    }
  }
}

export interface ResumeReport {
  readonly recovered: number;
  readonly bound: number;
  readonly failed: ReadonlyArray<{ readonly sessionId: SessionId; readonly code: string }>;
}

/**
 * Meets every stored session at start so its acknowledged inputs run without waiting for a client:
 * store-backed recovery, then a local binding for sessions that were bound and are Idle again.
 */
export async function resumeSessions(runtime: ControlPlane, store: RuntimeStore | null): Promise<ResumeReport> {
  if (store === null) return { recovered: 0, bound: 0, failed: [] };
  let recovered = 0;
  let bound = 0;
  const failed: Array<{ sessionId: SessionId; code: string }> = [];
  for (const sessionId of await store.listSessions()) {
    try {
      await runtime.recover(sessionId);
      recovered += 1;
      const s = runtime.snapshot(sessionId);
      if (s.phase === "Idle" && s.binding.highestFence !== null) {
        await runtime.prepareLocalSessionBindings(sessionId);
        bound += 1;
      }
    } catch (e) {
      failed.push({ sessionId, code: typeof (e as { code?: unknown }).code === "string" ? ((e as { code: string }).code) : "Unknown" });
    }
  }
  return { recovered, bound, failed };
}

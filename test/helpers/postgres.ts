// PostgreSQL for the tests: the server's URL (set by test/helpers/postgres-global-setup.ts or the
// environment) and fresh schemas, one per store, dropped after the file.

import pg from "pg";
import { afterAll } from "vitest";
import { guardPool, PostgresStore, TYPES, type PostgresStoreOptions } from "../../runtime/postgres/index.js";

export function pgUrl(): string {
  const url = process.env.MEERKAT_TEST_PG_URL;
  if (url === undefined || url === "") throw new Error("MEERKAT_TEST_PG_URL is not set: run the postgres vitest project (its globalSetup starts a server) or export it");
  return url;
}

let pool: pg.Pool | null = null;
const schemas: string[] = [];
let count = 0;

/** One pool per test file, shared by every store the file creates. */
export function sharedPool(): pg.Pool {
  if (pool === null) {
    pool = new pg.Pool({ connectionString: pgUrl(), max: 8, types: TYPES });
    guardPool(pool);
    afterAll(async () => {
      const p = pool;
      pool = null;
      if (p === null) return;
      for (const s of schemas) await p.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
      await p.end().catch(() => undefined);
    });
  }
  return pool;
}

/** A schema name no other file or run uses; dropped after the file. */
export function freshSchema(prefix = "t"): string {
  count += 1;
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${count}`;
  schemas.push(name);
  sharedPool();
  return name;
}

/** A store over a fresh schema on the shared pool, usable at once (its schema is created on first use). */
export function freshStore(options: PostgresStoreOptions = {}): PostgresStore {
  return PostgresStore.open(pgUrl(), { pool: sharedPool(), schema: freshSchema(), ...options });
}

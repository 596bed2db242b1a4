// The store's tables, in one PostgreSQL schema (namespace), and their migrations. A migration is
// only appended, never edited. Opening checks the schema before anything writes to it: a foreign
// schema or a newer version is refused untouched; missing migrations run in one transaction under
// an advisory lock, so workers starting together migrate once.

import type { PoolClient } from "pg";
import { PgForeignSchemaError, PgSchemaTooNewError } from "./errors.js";

/** Written into meta.app: tells our schema from another application's. */
export const STORE_APP = "meerkat-runtime";

const MIGRATIONS: readonly { readonly version: number; readonly sql: (s: string) => string }[] = [
  {
    version: 1,
    sql: (s) => `
      CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
      CREATE SEQUENCE ${s}.first_write_seq;
      -- One row per session: its coarse phase and newest binding, and the lease (owner, fence,
      -- expiry on the database clock). The fence is incremented at every grant; every owner write
      -- locks this row and checks owner and fence in its own transaction.
      CREATE TABLE ${s}.sessions (
        session_id       text PRIMARY KEY,
        first_write      bigint,                 -- NULL until something is stored (listSessions order)
        phase            text,
        bound_runtime    text,
        highest_fence    bigint,
        generation       bigint,
        owner            text,
        fence            bigint NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        acquired_at      timestamptz
      );
      CREATE TABLE ${s}.input_states (
        session_id      text NOT NULL REFERENCES ${s}.sessions (session_id),
        input_id        text NOT NULL,
        row_id          bigserial,
        phase           text NOT NULL,
        lane            text,
        attempts        integer NOT NULL,
        last_run_id     text,
        terminal_json   text,
        idempotency_key text,
        kind            text NOT NULL,
        durability      text NOT NULL,
        updated_at      bigint NOT NULL,
        input_json      text NOT NULL,
        decision_json   text NOT NULL,
        written_fence   bigint NOT NULL,          -- the fence of the write that stored this version
        PRIMARY KEY (session_id, input_id)
      );
      -- Sessions with live inputs (claim scan).
      CREATE INDEX input_states_live ON ${s}.input_states (session_id)
        WHERE phase IN ('Queued', 'Staged', 'Applied', 'AppliedPendingConsumption');
      CREATE TABLE ${s}.boundary_receipts (
        session_id        text NOT NULL REFERENCES ${s}.sessions (session_id),
        run_id            text NOT NULL,
        sequence          integer NOT NULL,
        contributors_json text NOT NULL,
        committed_at      bigint NOT NULL,
        written_fence     bigint NOT NULL,
        seq               bigserial,
        PRIMARY KEY (session_id, run_id, sequence)  -- a duplicate receipt cannot exist
      );
      CREATE TABLE ${s}.ops_snapshots (
        session_id    text PRIMARY KEY REFERENCES ${s}.sessions (session_id),
        snapshot_json text NOT NULL
      );
      -- The inbox: inputs acknowledged by any node (or client) before the owner admits them. The
      -- row stays after admission (admitted = true), so an idempotency key is deduplicated forever.
      CREATE TABLE ${s}.submissions (
        session_id      text NOT NULL REFERENCES ${s}.sessions (session_id),
        input_id        text NOT NULL,
        idempotency_key text NOT NULL,
        input_json      text NOT NULL,
        submitted_at    timestamptz NOT NULL DEFAULT now(),
        admitted        boolean NOT NULL DEFAULT false,
        outcome         text,                      -- set when the owner settled it without admitting
        seq             bigserial,
        PRIMARY KEY (session_id, input_id),
        UNIQUE (session_id, idempotency_key)
      );
      CREATE INDEX submissions_pending ON ${s}.submissions (session_id, seq) WHERE NOT admitted;
    `,
  },
];

export const PG_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** A schema name used unquoted in SQL: lower-case letters, digits and underscores. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** What is in the schema now: nothing (null), or our store at `version`. Throws for anything else. */
export async function probeSchema(client: PoolClient, schema: string, database: string): Promise<number | null> {
  const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schema]);
  if (tables.rows.length === 0) return null;
  const names = tables.rows.map((r) => r.table_name);
  if (!names.includes("meta")) throw new PgForeignSchemaError(database, `schema ${schema} holds tables ${names.slice(0, 5).join(", ")} but no meta table`);
  const meta = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${schema}.meta WHERE key IN ('app', 'schema_version')`);
  const app = meta.rows.find((r) => r.key === "app")?.value ?? null;
  if (app !== STORE_APP) throw new PgForeignSchemaError(database, `meta.app is ${JSON.stringify(app)}, not ${JSON.stringify(STORE_APP)}`);
  const raw = meta.rows.find((r) => r.key === "schema_version")?.value ?? null;
  const version = raw !== null && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(version)) throw new PgForeignSchemaError(database, `meta.schema_version is ${JSON.stringify(raw)}, not a version number`);
  if (version > PG_SCHEMA_VERSION) throw new PgSchemaTooNewError(database, version, PG_SCHEMA_VERSION);
  return version;
}

/** Creates or upgrades the schema in one transaction, re-checking under a lock. */
export async function migrate(client: PoolClient, schema: string, database: string): Promise<void> {
  await client.query("BEGIN");
  try {
    // One migrator per schema at a time (the lock ends with the transaction).
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`meerkat-migrate:${schema}`]);
    const current = (await probeSchema(client, schema, database)) ?? 0;
    if (current < PG_SCHEMA_VERSION) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      for (const m of MIGRATIONS) if (m.version > current) await client.query(m.sql(schema));
      await client.query(`INSERT INTO ${schema}.meta (key, value) VALUES ('app', $1) ON CONFLICT (key) DO NOTHING`, [STORE_APP]);
      await client.query(`INSERT INTO ${schema}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(PG_SCHEMA_VERSION)]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

// The SQLite store's prepared statements, prepared once per open file (runtime/sqlite-store.ts).

import type Database from "better-sqlite3";
import type { InputRowRaw, ReceiptRowRaw } from "./row-codec.js";

export type Db = Database.Database;
export type Statement<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

export interface Statements {
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

export function prepareStatements(db: Db): Statements {
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

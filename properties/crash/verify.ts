// After a crashed child: restart from the same SQLite file in this process, recover every session,
// let the client retry what was never acknowledged (same idempotency keys), drain, and check the
// obligations. Each check counts what it found, so a run reports every problem, not the first.

import { sessionRuntimeKernel, TERMINAL_INPUT_PHASES } from "../../generated/session.machine.js";
import { createRuntime, SqliteStore, type BoundaryReceipt, type Executor, type StoredInputRow } from "../../runtime/index.js";
import { readLog, WitnessLog } from "./log.js";
import { scenarioInputs, type Scenario } from "./scenario.js";

export interface CrashRunResult {
  readonly crashAt: number;
  readonly mode: "before" | "after";
  /** Acknowledged durable inputs missing from the store, or never reaching a terminal outcome. */
  readonly lost: readonly string[];
  /** Inputs consumed by more than one run, or receipts minted twice. */
  readonly duplicated: readonly string[];
  /** Machine invariants broken after recovery, or a terminal outcome that contradicts the receipts. */
  readonly invariantViolations: readonly string[];
  /** Applications re-run after the crash because their run had not committed (at-least-once edge). */
  readonly reapplied: number;
  readonly acknowledged: number;
  readonly recovered: number;
}

const TERMINAL: ReadonlySet<string> = TERMINAL_INPUT_PHASES;

export async function verifyAfterCrash(plan: Scenario, dbFile: string, logFile: string, crashAt: number, mode: "before" | "after"): Promise<CrashRunResult> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const violations: string[] = [];
  const before = readLog(logFile);
  const acked = new Set(before.filter((l) => l.t === "ack" && l.durable).map((l) => (l.t === "ack" ? l.i : "")));

  const store = SqliteStore.open(dbFile);
  const log = new WitnessLog(logFile);
  const executor: Executor = {
    async apply(runId, primitive) {
      log.write({ t: "apply", s: primitive.sessionId, r: runId, i: primitive.contributors, after: "crash" });
      return {};
    },
  };
  const rt = createRuntime({ executor, store });
  let recovered = 0;
  try {
    for (const s of plan.sessions) {
      try {
        await rt.prepareLocalSessionBindings(s);
      } catch (e) {
        // Retired / stopped / destroyed sessions cannot bind; registering still recovers them.
        if (!rt.hasSession(s)) await rt.registerSession(s).catch((inner: unknown) => violations.push(`${s}: recovery failed: ${String(inner)} (${String(e)})`));
      }
      if (!rt.hasSession(s)) continue;
      recovered += rt.recoveryReport(s)?.inputsRecovered ?? 0;
      for (const inv of sessionRuntimeKernel.invariants) if (!inv.holds(rt.machineState(s))) violations.push(`${s}: invariant ${inv.name} broken after recovery`);
    }
    // The client retries every durable input it was never acknowledged for, with the same key.
    for (const [id, { session, input }] of scenarioInputs(plan)) {
      if (acked.has(id) || input.header.durability !== "Durable" || !rt.hasSession(session)) continue;
      await rt.acceptInput(session, input).catch(() => undefined);
    }
    await drain(rt, plan.sessions);
    for (const s of plan.sessions) {
      if (!rt.hasSession(s)) continue;
      for (const inv of sessionRuntimeKernel.invariants) if (!inv.holds(rt.machineState(s))) violations.push(`${s}: invariant ${inv.name} broken after drain`);
    }
    await rt.close();

    const rows = new Map<string, StoredInputRow>();
    const receipts: BoundaryReceipt[] = [];
    for (const s of plan.sessions) {
      for (const r of store.loadInputStates(s) as StoredInputRow[]) rows.set(r.inputId, r);
      receipts.push(...(store.loadBoundaryReceipts(s) as BoundaryReceipt[]));
    }
    for (const id of acked) {
      const row = rows.get(id);
      if (row === undefined) lost.push(`${id}: acknowledged but not in the store`);
      else if (!TERMINAL.has(row.phase)) lost.push(`${id}: still ${row.phase} after the drain`);
    }
    // Receipts: unique per (session, run, sequence); an input consumed by at most one run.
    const receiptKeys = new Set<string>();
    const consumedBy = new Map<string, Set<string>>();
    for (const r of receipts) {
      const key = `${r.runId}#${r.sequence}`;
      if (receiptKeys.has(key)) duplicated.push(`receipt ${key} minted twice`);
      receiptKeys.add(key);
      for (const c of r.contributors) {
        let runs = consumedBy.get(c);
        if (runs === undefined) consumedBy.set(c, (runs = new Set()));
        runs.add(r.runId);
      }
    }
    for (const [id, runs] of consumedBy) if (runs.size > 1) duplicated.push(`${id}: consumed by ${runs.size} runs (${[...runs].join(", ")})`);
    for (const [id, row] of rows) {
      const committed = consumedBy.has(id);
      if (row.phase === "Consumed" && !committed) violations.push(`${id}: Consumed without a boundary receipt`);
      if (committed && row.phase !== "Consumed") violations.push(`${id}: has a receipt but ended ${row.phase}`);
    }
  } finally {
    log.close();
    await store.close();
  }
  // Inputs handed to the executor before the crash and again after it: their first run had not
  // committed, so they ran again (the executor edge is at-least-once; receipts make consumption once).
  const beforeCrash = new Set<string>();
  const afterCrash = new Set<string>();
  for (const l of readLog(logFile)) if (l.t === "apply") for (const i of l.i) (l.after === "crash" ? afterCrash : beforeCrash).add(i);
  let reapplied = 0;
  for (const i of afterCrash) if (beforeCrash.has(i)) reapplied += 1;
  return { crashAt, mode, lost, duplicated, invariantViolations: violations, reapplied, acknowledged: acked.size, recovered };
}

async function drain(rt: ReturnType<typeof createRuntime>, sessions: readonly string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy = sessions.some((s) => {
      if (!rt.hasSession(s)) return false;
      const snap = rt.snapshot(s);
      return snap.inputs.some((i) => !TERMINAL.has(i.phase)) && (snap.phase === "Attached" || snap.phase === "Running");
    });
    if (!busy) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

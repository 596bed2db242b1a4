// The cluster fault campaign: three `meerkat worker` processes over one throwaway PostgreSQL
// cluster, a client submitting durable inputs with idempotency keys (some submitted twice), and
// injected faults: SIGKILL of a worker, SIGSTOP of an owner past its lease then SIGCONT, a dropped
// connection (pg_terminate_backend of a worker's backends) and a PostgreSQL restart. Then it checks
// what the database holds:
//
//   lost                 acknowledged inputs with no terminal stored outcome
//   duplicated           inputs consumed by more than one boundary receipt
//   staleWritesRefused   writes the store refused for a stale fence (logged by the workers)
//   staleWritesAccepted  rows written with a fence older than the lease row's (an audit trigger
//                        installed by this campaign checks every INSERT/UPDATE independently)
//   invariantViolations  machine invariant failures logged by the workers, plus stored rows that
//                        disagree (a consumed input in no receipt, a receipt naming an unconsumed input)
//   boundP50Ms/P99Ms     from the fault until an owner (the new one, or a later one should a fault hit
//                        it first) had rebuilt the session and could run it
//   takeoverP50Ms/P99Ms  from a SIGKILL / SIGSTOP until each session the victim owned with work is
//                        served again: a new grant (anyone's), or a paused owner's own renewal after
//                        SIGCONT when nobody took it over first; one still waiting after 30 s counts
//                        as 30 s (takeoversUnresolved)
//
//   npm run cluster-test -- [--json] [--inputs N] [--sessions N] [--faults N] [--lease-ms N]

import { LIVE_INPUT_PHASES, TERMINAL_INPUT_PHASES } from "../../generated/session.machine.js";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { guardPool, PostgresStore, TYPES } from "../../runtime/postgres/index.js";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");
const args = process.argv.slice(2);
const num = (name: string, d: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : d;
};
const json = args.includes("--json");
const INPUTS = num("--inputs", 5000);
const SESSIONS = num("--sessions", 200);
const FAULTS = num("--faults", 32);
const LEASE_MS = num("--lease-ms", 1000);
const WORKERS = 3;
const PG_DIR = process.env.MEERKAT_CLUSTER_PG_DIR ?? join(ROOT, ".tmp", "pg-cluster");
const pgScript = (cmd: string): string => execFileSync("bash", [join(ROOT, "scripts", "postgres.sh"), cmd], { encoding: "utf8", env: { ...process.env, MEERKAT_PG_DIR: PG_DIR } }).trim();
/** Every worker's JSON log lines, one file per worker incarnation (kept for inspection). */
const LOG_DIR = join(ROOT, ".tmp", "cluster-logs");
rmSync(LOG_DIR, { recursive: true, force: true });
mkdirSync(LOG_DIR, { recursive: true });
/** The campaign's own record: each fault (time, kind, victim) and each measured takeover. */
const CAMPAIGN_LOG = join(LOG_DIR, "campaign.jsonl");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string): void => {
  if (!json) process.stderr.write(`${s}\n`);
};

interface Slot {
  index: number;
  generation: number;
  owner: string;
  child: ChildProcess | null;
  stopped: boolean;
  /** The worker logged "started" (connected, schema checked, claiming). */
  started: boolean;
}

/** Per session, each grant's fence and when it was bound: its worker rebuilt the session from the database and could run it ("owns" in its log). */
const boundAt = new Map<string, { fence: number; at: number }[]>();
let staleWritesRefused = 0;
let invariantFailures = 0;

function spawnWorker(slot: Slot, url: string, schema: string): void {
  slot.generation += 1;
  slot.owner = `w${slot.index}-${slot.generation}`;
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "meerkat.mjs"), "worker", "--database-url", url, "--schema", schema, "--executor", join(ROOT, "properties", "cluster", "executor.ts"), "--owner", slot.owner, "--lease-ms", String(LEASE_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  slot.child = child;
  slot.stopped = false;
  slot.started = false;
  appendFileSync(CAMPAIGN_LOG, `${JSON.stringify({ at: Date.now(), event: "spawn", owner: slot.owner })}\n`);
  const logFile = join(LOG_DIR, `${slot.owner}.jsonl`);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    appendFileSync(logFile, `${line}\n`);
    let r: { event?: string; reason?: string; code?: string; message?: string; at?: number; session?: string; fence?: number };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      return;
    }
    if (r.event === "owns" && typeof r.at === "number" && typeof r.session === "string" && typeof r.fence === "number") {
      const list = boundAt.get(r.session) ?? [];
      list.push({ fence: r.fence, at: r.at });
      boundAt.set(r.session, list);
    }
    if (r.event === "started") {
      slot.started = true;
      appendFileSync(CAMPAIGN_LOG, `${JSON.stringify({ at: Date.now(), event: "started", owner: slot.owner })}\n`);
    }
    if (r.event === "lost" && r.reason === "PgFencedOut") staleWritesRefused += 1;
    if (r.event === "runtime.error" && /Invariant/i.test(`${r.code} ${r.message}`)) invariantFailures += 1;
  });
}

async function waitStarted(slot: Slot, db: pg.Pool): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [`meerkat ${slot.owner}`]).catch(() => ({ rowCount: 0 }));
    if ((r.rowCount ?? 0) > 0) return;
    await sleep(25);
  }
}

async function main(): Promise<void> {
  const url = pgScript("start");
  const schema = `cluster_${Date.now().toString(36)}`;
  const db = new pg.Pool({ connectionString: url, max: 4, types: TYPES });
  guardPool(db);
  const client = await PostgresStore.connect(url, { schema, autoAcquire: false, poolSize: 8 });
  // The independent audit: every stored row version must carry the lease row's current fence.
  await db.query(`
    CREATE TABLE ${schema}.audit_stale (tbl text, session_id text, written bigint, current bigint, at timestamptz DEFAULT now());
    CREATE FUNCTION ${schema}.audit_fence() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE cur bigint;
    BEGIN
      SELECT fence INTO cur FROM ${schema}.sessions WHERE session_id = NEW.session_id;
      IF NEW.written_fence < cur THEN INSERT INTO ${schema}.audit_stale (tbl, session_id, written, current) VALUES (TG_TABLE_NAME, NEW.session_id, NEW.written_fence, cur); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER audit_inputs BEFORE INSERT OR UPDATE ON ${schema}.input_states FOR EACH ROW EXECUTE FUNCTION ${schema}.audit_fence();
    CREATE TRIGGER audit_receipts BEFORE INSERT OR UPDATE ON ${schema}.boundary_receipts FOR EACH ROW EXECUTE FUNCTION ${schema}.audit_fence();
  `);
  const slots: Slot[] = Array.from({ length: WORKERS }, (_, index) => ({ index, generation: 0, owner: "", child: null, stopped: false, started: false }));
  for (const s of slots) spawnWorker(s, url, schema);
  for (const s of slots) await waitStarted(s, db);
  say(`${WORKERS} workers up; submitting ${INPUTS} inputs over ${SESSIONS} sessions`);

  const t0 = Date.now();
  const acked = new Set<string>();
  let duplicatesSubmitted = 0;
  let submitted = 0;
  const submitter = (async () => {
    const next = (): number => submitted++;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next(); i < INPUTS; i = next()) {
          const session = `s${i % SESSIONS}`;
          const key = `k${i}`;
          const input = { kind: "prompt", header: { id: `in-${i}`, durability: "Durable", source: { kind: "Operator" }, idempotencyKey: key }, text: `input ${i}` };
          for (;;) {
            try {
              await client.submit(session, input);
              acked.add(key);
              if (i % 10 === 0) {
                // A client retry with the same key: must be deduplicated.
                const again = await client.submit(session, input);
                if (again.outcome !== "Deduplicated") throw new Error(`retry of ${key} was ${again.outcome}`);
                duplicatesSubmitted += 1;
              }
              break;
            } catch (e) {
              if ((e as { code?: string }).code === "PgUnavailable") continue; // retried, same key
              throw e;
            }
          }
        }
      }),
    );
  })();

  // Faults, spread over the submission window and a little after.
  const takeovers: number[] = [];
  /** Each takeover with the time of its fault, and when the database was restarting (no one can claim then). */
  const samples: { at: number; ms: number }[] = [];
  const dbDown: { from: number; to: number }[] = [];
  const faults: Record<string, number> = { sigkill: 0, sigstop: 0, dropConnection: 0, pgRestart: 0 };
  /** Sessions still waiting when a measurement gave up: counted at the deadline, never dropped. */
  let unresolved = 0;
  /** Sessions whose last write, in flight at the fault, finished their work: nothing waited for a takeover. */
  let finishedBeforeTakeover = 0;
  /** Per grant: from the victim's lease expiry (as it stood at the fault) to the new grant, i.e. what the takeover took beyond the lease. */
  const afterExpiry: number[] = [];
  /** Each takeover grant measured, with its fault's time. */
  const grants: { session: string; fence: number; at: number }[] = [];
  const hasWork = (x: string): string =>
    `(EXISTS (SELECT 1 FROM ${schema}.input_states i WHERE i.session_id = ${x}.session_id AND i.phase = ANY($6)) OR EXISTS (SELECT 1 FROM ${schema}.submissions b WHERE b.session_id = ${x}.session_id AND NOT b.admitted))`;
  const TAKEOVER_DEADLINE_MS = 30_000;
  const record = (victim: string, by: string, session: string, at: number, ms: number, how: string, afterExpiryMs: number | null = null): void => {
    takeovers.push(Math.max(0, ms));
    samples.push({ at, ms: Math.max(0, ms) });
    appendFileSync(CAMPAIGN_LOG, `${JSON.stringify({ event: "takeover", how, victim, by, session, faultAt: at, ms: Math.round(ms), afterExpiryMs: afterExpiryMs === null ? null : Math.round(afterExpiryMs) })}\n`);
  };
  /**
   * From the fault until each session the victim owned with work is served again: by a new grant
   * (a higher fence, held by anyone, the victim included), or, for a paused owner that nobody took
   * over before it resumed, by its own renewal of the same lease after SIGCONT (the spec allows
   * renewing an expired lease no one took). Waiting for a higher fence in that case would time some
   * later, unrelated fault instead.
   */
  const measureTakeover = async (victim: string, at: number, resumedAt: () => number | null): Promise<void> => {
    // The victim's sessions with work: those must get a new grant (an idle one stays until it gets
    // work). A new grant is a higher fence held by anyone, the victim included: a paused owner that
    // resumes and re-claims its expired lease gets a new fence too, and its old writes are refused.
    const owned = await db.query<{ session_id: string; fence: number; expires: number | null }>(
        `SELECT x.session_id, x.fence, (extract(epoch from x.lease_expires_at) * 1000)::float8 AS expires FROM ${schema}.sessions x WHERE x.owner = $1 AND (EXISTS (SELECT 1 FROM ${schema}.input_states i WHERE i.session_id = x.session_id AND i.phase = ANY($2)) OR EXISTS (SELECT 1 FROM ${schema}.submissions b WHERE b.session_id = x.session_id AND NOT b.admitted))`,
        [victim, [...LIVE_INPUT_PHASES]],
      ).catch(() => ({ rows: [] as { session_id: string; fence: number; expires: number | null }[] }));
    if (owned.rows.length === 0) return;
    const expiresAt = new Map(owned.rows.map((r) => [r.session_id, r.expires]));
    const deadline = Date.now() + TAKEOVER_DEADLINE_MS;
    const pending = new Map(owned.rows.map((r) => [r.session_id, Number(r.fence)]));
    while (pending.size > 0 && Date.now() < deadline) {
      // Per pending session: taken (a new grant), resumed (the paused victim renewed the same
      // lease after SIGCONT), or idle (still the victim's, with no work left: its last write was
      // in flight at the fault and committed after it, so no takeover is needed).
      const r = await db
        .query<{ session_id: string; ms: number; owner: string | null; fence: number; how: "grant" | "resumed" | "idle" }>(
          `SELECT session_id, owner, fence, how, ms FROM (
             SELECT x.session_id, x.owner, x.fence,
                    CASE WHEN x.fence > p.fence AND x.owner IS NOT NULL THEN 'grant'
                         WHEN $3::float8 IS NOT NULL AND x.owner = $5 AND x.fence = p.fence AND extract(epoch from x.lease_expires_at) * 1000 - $4 >= $3::float8 THEN 'resumed'
                         WHEN x.fence = p.fence AND NOT ${hasWork("x")} THEN 'idle' END AS how,
                    (CASE WHEN x.fence > p.fence THEN extract(epoch from x.acquired_at) * 1000 ELSE extract(epoch from x.lease_expires_at) * 1000 - $4 END)::float8 AS ms
               FROM ${schema}.sessions x
               JOIN unnest($1::text[], $2::int8[]) AS p(session_id, fence) ON p.session_id = x.session_id) q
            WHERE how IS NOT NULL`,
          [[...pending.keys()], [...pending.values()], resumedAt(), LEASE_MS, victim, [...LIVE_INPUT_PHASES]],
        )
        .catch(() => ({ rows: [] as { session_id: string; ms: number; owner: string | null; fence: number; how: "grant" | "resumed" | "idle" }[] }));
      for (const row of r.rows) {
        pending.delete(row.session_id);
        if (row.how === "idle") finishedBeforeTakeover += 1;
        else {
          const expires = expiresAt.get(row.session_id);
          const late = row.how === "grant" && expires != null ? Math.max(0, row.ms - expires) : null;
          if (late !== null) afterExpiry.push(late);
          if (row.how === "grant") grants.push({ session: row.session_id, fence: Number(row.fence), at });
          record(victim, row.owner ?? "?", row.session_id, at, row.ms - at, row.how, late);
        }
      }
      await sleep(20);
    }
    for (const session of pending.keys()) {
      unresolved += 1;
      record(victim, "nobody", session, at, TAKEOVER_DEADLINE_MS, "unresolved");
    }
  };
  const measures: Promise<void>[] = [];
  const plan = ["sigkill", "sigstop", "dropConnection", "sigkill", "sigstop", "dropConnection", "pgRestart"];
  for (let f = 0; f < FAULTS; f++) {
    await sleep(150 + Math.random() * 250);
    const kind = f === Math.floor(FAULTS / 2) ? "pgRestart" : (plan[f % (plan.length - 1)] as string);
    // A fault lands on a running worker (one still starting owns nothing: killing it tests no
    // takeover), and a SIGKILL / SIGSTOP only while another worker runs to take over: with none,
    // a "takeover" would measure how long the supervisor's restart takes, not the protocol.
    const running = (): Slot[] => slots.filter((s) => s.child !== null && !s.stopped && s.started);
    const needed = kind === "sigkill" || kind === "sigstop" ? 2 : 1;
    for (let waited = 0; running().length < needed && waited < 15_000; waited += 25) await sleep(25);
    const live = running();
    const slot = live[Math.floor(Math.random() * live.length)];
    if (slot === undefined) continue;
    faults[kind] = (faults[kind] ?? 0) + 1;
    appendFileSync(CAMPAIGN_LOG, `${JSON.stringify({ at: Date.now(), event: "fault", kind, victim: slot.owner })}\n`);
    if (kind === "sigkill") {
      const at = Date.now();
      slot.child!.kill("SIGKILL");
      measures.push(measureTakeover(slot.owner, at, () => null));
      await new Promise((r) => slot.child!.once("exit", r));
      spawnWorker(slot, url, schema);
    } else if (kind === "sigstop") {
      const at = Date.now();
      slot.child!.kill("SIGSTOP");
      slot.stopped = true;
      let resumed: number | null = null;
      measures.push(measureTakeover(slot.owner, at, () => resumed));
      await sleep(Math.round(LEASE_MS * 1.5)); // past its lease
      resumed = Date.now();
      slot.child!.kill("SIGCONT");
      slot.stopped = false;
    } else if (kind === "dropConnection") {
      await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [`meerkat ${slot.owner}`]).catch(() => undefined);
    } else {
      const from = Date.now();
      pgScript("restart");
      dbDown.push({ from, to: Date.now() });
      appendFileSync(CAMPAIGN_LOG, `${JSON.stringify({ at: Date.now(), event: "pgRestarted", downMs: Date.now() - from })}\n`);
    }
  }
  await submitter;
  const submitMs = Date.now() - t0;
  say(`submitted ${acked.size} (+${duplicatesSubmitted} deduplicated retries) in ${submitMs} ms; faults ${JSON.stringify(faults)}; waiting for the drain`);

  // Wait until every acknowledged input is terminal.
  const terminalCount = async (): Promise<number> =>
    Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.input_states WHERE phase = ANY($1)`, [[...TERMINAL_INPUT_PHASES]])).rows[0]?.n ?? 0);
  const drainDeadline = Date.now() + 180_000;
  while (Date.now() < drainDeadline && (await terminalCount().catch(() => 0)) < acked.size) await sleep(200);
  await Promise.all(measures);
  const elapsedMs = Date.now() - t0;

  for (const s of slots) s.child?.kill("SIGTERM");
  await Promise.all(slots.map((s) => new Promise((r) => (s.child?.exitCode !== null ? r(null) : s.child.once("exit", r)))));

  // Checks over what the database holds.
  const rows = (await db.query<{ input_id: string; idempotency_key: string | null; phase: string }>(`SELECT input_id, idempotency_key, phase FROM ${schema}.input_states`)).rows;
  const byKey = new Map(rows.map((r) => [r.idempotency_key ?? r.input_id, r]));
  let lost = 0;
  let abandoned = 0;
  for (const key of acked) {
    const r = byKey.get(key);
    if (r === undefined || !(TERMINAL_INPUT_PHASES as ReadonlySet<string>).has(r.phase)) lost += 1;
    else if (r.phase === "Abandoned") abandoned += 1;
  }
  // Where the lost ones are stuck (phase, lease), so a failing campaign says what to look at.
  const lostKeys = [...acked].filter((key) => {
    const r = byKey.get(key);
    return r === undefined || !(TERMINAL_INPUT_PHASES as ReadonlySet<string>).has(r.phase);
  });
  const lostDetail = (
    await db.query<{ session_id: string; input_id: string; phase: string | null; owner: string | null; fence: number; session_phase: string | null; expired: boolean | null; admitted: boolean | null }>(
      `SELECT b.session_id, b.input_id, i.phase, x.owner, x.fence, x.phase AS session_phase, x.lease_expires_at < now() AS expired, b.admitted
         FROM ${schema}.submissions b JOIN ${schema}.sessions x ON x.session_id = b.session_id
         LEFT JOIN ${schema}.input_states i ON i.session_id = b.session_id AND i.input_id = b.input_id
        WHERE b.idempotency_key = ANY($1) ORDER BY b.session_id LIMIT 20`,
      [lostKeys],
    )
  ).rows;
  if (lostDetail.length > 0) process.stderr.write(`lost inputs (first 20):\n${lostDetail.map((r) => `  ${JSON.stringify(r)}`).join("\n")}\n`);
  const receipts = (await db.query<{ session_id: string; contributors_json: string }>(`SELECT session_id, contributors_json FROM ${schema}.boundary_receipts`)).rows;
  const consumedIn = new Map<string, number>();
  for (const r of receipts) for (const id of JSON.parse(r.contributors_json) as string[]) consumedIn.set(`${r.session_id}/${id}`, (consumedIn.get(`${r.session_id}/${id}`) ?? 0) + 1);
  const duplicated = [...consumedIn.values()].filter((n) => n > 1).length;
  const stateRows = (await db.query<{ session_id: string; input_id: string; phase: string }>(`SELECT session_id, input_id, phase FROM ${schema}.input_states`)).rows;
  let disagreements = 0;
  for (const r of stateRows) if (r.phase === "Consumed" && !consumedIn.has(`${r.session_id}/${r.input_id}`)) disagreements += 1;
  const phases = new Map(stateRows.map((r) => [`${r.session_id}/${r.input_id}`, r.phase]));
  for (const k of consumedIn.keys()) if (phases.get(k) !== "Consumed" && phases.get(k) !== "Abandoned") disagreements += 1;
  const staleWritesAccepted = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.audit_stale`)).rows[0]?.n ?? 0);
  // Submissions settled without admission for a final refusal (a stopped or destroyed session): the
  // client never stops a session here, so any is a failure too.
  const refused = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.submissions WHERE outcome LIKE 'Refused:%'`)).rows[0]?.n ?? 0);
  const unadmitted = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.submissions WHERE NOT admitted`)).rows[0]?.n ?? 0);

  takeovers.sort((a, b) => a - b);
  // From the fault until an owner had rebuilt the session and could run it: the first binding of
  // this grant or a later one (the new owner may itself be hit by a fault before binding it). One
  // never bound again before the end is counted apart (grantsNeverBound).
  const boundSamples = grants.flatMap((g) => {
    const after = (boundAt.get(g.session) ?? []).filter((b) => b.fence >= g.fence).map((b) => b.at);
    return after.length === 0 ? [] : [{ at: g.at, ms: Math.max(0, Math.min(...after) - g.at) }];
  });
  const bound = boundSamples.map((x) => x.ms).sort((a, b) => a - b);
  const pctOf = (xs: readonly number[], p: number): number => (xs.length === 0 ? 0 : Math.round(xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number));
  const pct = (p: number): number => pctOf(takeovers, p);
  // The same figures without the takeovers whose window overlaps the PostgreSQL restart: while the
  // server is down no worker can claim anything, so those measure the restart, not the protocol.
  const outsideRestart = (x: { at: number; ms: number }): boolean => !dbDown.some((d) => x.at <= d.to + LEASE_MS && x.at + x.ms >= d.from);
  const clear = samples.filter(outsideRestart).map((x) => x.ms).sort((a, b) => a - b);
  const boundClear = boundSamples.filter(outsideRestart).map((x) => x.ms).sort((a, b) => a - b);
  const totalFaults = Object.values(faults).reduce((a, b) => a + b, 0);
  const result = {
    workers: WORKERS,
    sessions: SESSIONS,
    inputs: acked.size,
    faults: totalFaults,
    lost,
    duplicated,
    staleWritesRefused,
    staleWritesAccepted,
    invariantViolations: invariantFailures + disagreements,
    takeoverP50Ms: pct(50),
    takeoverP99Ms: pct(99),
    takeoverP50MsOutsideDbRestart: pctOf(clear, 50),
    takeoverP99MsOutsideDbRestart: pctOf(clear, 99),
    takeoversOutsideDbRestart: clear.length,
    faultsByKind: faults,
    takeovers: takeovers.length,
    takeoversUnresolved: unresolved,
    boundP50Ms: pctOf(bound, 50),
    boundP99Ms: pctOf(bound, 99),
    boundP99MsOutsideDbRestart: pctOf(boundClear, 99),
    grantsNeverBound: grants.length - bound.length,
    claimAfterExpiryP50Ms: pctOf([...afterExpiry].sort((a, b) => a - b), 50),
    claimAfterExpiryP99Ms: pctOf([...afterExpiry].sort((a, b) => a - b), 99),
    finishedBeforeTakeover,
    abandoned,
    unadmitted,
    refused,
    deduplicatedRetries: duplicatesSubmitted,
    leaseMs: LEASE_MS,
    elapsedMs,
  };
  await client.close();
  await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
  await db.end();
  pgScript("stop");
  console.log(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  const ok = lost === 0 && duplicated === 0 && staleWritesAccepted === 0 && result.invariantViolations === 0 && unadmitted === 0 && refused === 0;
  process.exitCode = ok ? 0 : 1;
}

try {
  await main();
} catch (e) {
  try {
    pgScript("stop");
  } catch {
    // the cluster may not have started
  }
  throw e;
}

// The crash test's child process: runs a seeded scenario against a SQLite store and, when asked,
// kills itself with SIGKILL right before or right after its k-th store transaction commits.
//
//   node workload.mjs --db FILE --log FILE --seed N [--sessions N --inputs N] [--crash-at K --crash-mode before|after]

import { parseArgs } from "node:util";
import { createRuntime, SqliteStore, type ApplyContext, type Executor, type RunPrimitive, type RunId } from "../../runtime/index.js";
import { WitnessLog } from "./log.js";
import { prng, scenario, type Step } from "./scenario.js";

const { values } = parseArgs({
  options: {
    db: { type: "string" },
    log: { type: "string" },
    seed: { type: "string", default: "1" },
    sessions: { type: "string", default: "3" },
    inputs: { type: "string", default: "24" },
    "crash-at": { type: "string", default: "0" },
    "crash-mode": { type: "string", default: "after" },
  },
});
if (values.db === undefined || values.log === undefined) {
  process.stderr.write("workload: --db and --log are required\n");
  process.exit(2);
}

const crashAt = Number(values["crash-at"]);
const crashBefore = values["crash-mode"] === "before";
const kill = (): never => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
};
let commits = 0;
const store = SqliteStore.open(values.db, {
  beforeCommit: (n) => {
    if (crashBefore && n === crashAt) kill();
  },
  onCommit: (n) => {
    commits = n;
    if (!crashBefore && n === crashAt) kill();
  },
});
const log = new WitnessLog(values.log);
const plan = scenario(Number(values.seed), { sessions: Number(values.sessions), inputs: Number(values.inputs) });
const rand = prng(plan.seed ^ 0x5eed);

/** Logs each application, then completes or fails it on the next turn (seeded). */
const executor: Executor = {
  async apply(runId: RunId, primitive: RunPrimitive, ctx: ApplyContext) {
    log.write({ t: "apply", s: primitive.sessionId, r: runId, i: primitive.contributors, after: "none" });
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ctx.signal.aborted) throw new Error("interrupted");
    if (rand() < plan.failureRate) throw new Error("scripted model failure");
    return { result: { ok: true } };
  },
};

// A short backoff keeps crash runs quick; the retry path is the same.
const rt = createRuntime({ executor, store, limits: { retryBackoffMs: 2 } });

async function step(s: Step): Promise<void> {
  try {
    switch (s.kind) {
      case "accept": {
        const r = await rt.acceptInput(s.session, s.input);
        if (r.outcome !== "Rejected") log.write({ t: "ack", s: s.session, i: s.input.header.id, durable: s.input.header.durability === "Durable" });
        return;
      }
      case "cancelAfterBoundary":
        await rt.cancelAfterBoundary(s.session);
        return;
      case "reset":
        await rt.reset(s.session);
        return;
      case "retire":
        await rt.retire(s.session);
        return;
      case "op": {
        const ops = rt.ops(s.session);
        ops.register({ id: s.opId, kind: "BackgroundToolOp" });
        ops.start(s.opId);
        ops.complete(s.opId, { done: true });
        return;
      }
    }
  } catch (e) {
    if (process.env["CRASH_DEBUG"] !== undefined) process.stderr.write(`${s.kind}: ${String(e)}\n`);
    // Refusals (a session not ready, a run not in flight) are typed and expected in a random workload.
  }
}

async function main(): Promise<void> {
  for (const s of plan.sessions) await rt.prepareLocalSessionBindings(s);
  // Steps go out three at a time, so admissions of different sessions share group commits.
  for (let i = 0; i < plan.steps.length; i += 3) await Promise.all(plan.steps.slice(i, i + 3).map(step));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy = plan.sessions.some((s) => rt.snapshot(s).inputs.length > 0 && ["Attached", "Running"].includes(rt.snapshot(s).phase));
    if (!busy) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await rt.close();
  log.write({ t: "done", commits });
  log.close();
  await store.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`workload failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

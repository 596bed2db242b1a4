// Durable sessions across a crash (no network):
//   npx tsx examples/restart.ts
//
// A worker process queues four prompts for "erin" in a SQLite store and is killed with SIGKILL in
// the middle of its second run. This process then opens the same file, recovers erin (the run that
// committed stays consumed, the one cut short runs again, the queued ones were never lost) and
// continues until everything is done.

import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRuntime, defaultStorePath, SqliteStore, type Executor, type Input, type RuntimeEvent } from "../runtime/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const file = defaultStorePath("example-restart");
const role = process.argv[2] ?? "main";

const prompt = (n: number): Input => ({ kind: "prompt", header: { id: `erin-${n}`, durability: "Durable", source: { kind: "Operator" } }, text: `question ${n}` });

function printer(who: string): (e: RuntimeEvent) => void {
  return (e) => {
    const { seq: _seq, at: _at, sessionId, type, ...rest } = e;
    const detail = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" && v.includes("/run-") ? `run-${v.split("/run-")[1]}` : JSON.stringify(v)}`)
      .join(" ");
    console.log(`  [${who}] ${sessionId} ${type.padEnd(26)} ${detail}`);
  };
}

async function worker(): Promise<void> {
  const store = SqliteStore.open(file);
  let runs = 0;
  const agent: Executor = {
    async apply(_runId, primitive) {
      runs += 1;
      console.log(`  [worker] agent working on ${primitive.contributors.join(", ")}`);
      await sleep(30);
      // The second run never finishes: the process dies mid-run, as in a crash or an OOM kill.
      if (runs === 2) process.kill(process.pid, "SIGKILL");
      return { result: `answer to ${primitive.contributors.join(", ")}` };
    },
  };
  const rt = createRuntime({ executor: agent, store });
  rt.on(printer("worker"));
  await rt.prepareLocalSessionBindings("erin");
  for (let n = 1; n <= 4; n++) await rt.acceptInput("erin", prompt(n));
  await sleep(10_000); // killed long before this
}

async function main(): Promise<void> {
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  console.log(`Store: ${file}\n\n1. A worker process accepts four durable prompts and is killed mid-run:`);
  const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "worker"], { stdio: "inherit" });
  console.log(`  worker ended by ${child.signal ?? `exit ${child.status}`}\n\n2. A new process opens the same file and recovers:`);

  const store = SqliteStore.open(file);
  const agent: Executor = {
    async apply(_runId, primitive) {
      await sleep(10);
      return { result: `answer to ${primitive.contributors.join(", ")}` };
    },
  };
  const rt = createRuntime({ executor: agent, store });
  rt.on(printer("restarted"));
  await rt.prepareLocalSessionBindings("erin");
  const report = rt.recoveryReport("erin");
  console.log("\n  recovery report:");
  for (const d of report?.details ?? []) console.log(`    ${d.inputId}: stored ${d.stored} -> ${d.recoveredAs}`);
  console.log("");
  while (rt.snapshot("erin").inputs.length > 0) await sleep(5);
  await rt.close();
  console.log("\n3. Every prompt reached exactly one outcome:");
  for (const row of await store.loadInputStates("erin")) console.log(`    ${row.inputId}: ${row.phase} (attempts ${row.attempts}, last run ${row.lastRunId ?? "-"})`);
  await store.close();
}

await (role === "worker" ? worker() : main());

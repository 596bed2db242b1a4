// A tour of the runtime control plane with a simulated agent (no network):
//   npx tsx examples/basic.ts
//
// Four sessions: alice runs a prompt; bob's steer message overtakes his queued prompt; carol's long
// run is cancelled after its next boundary; dave is stopped with work still queued. Every event is
// printed as it happens. MEERKAT_EVENT_LOG=<file.jsonl> also writes them, with every machine
// transition, as JSON lines for `meerkat report --events`.

import { openEventLog } from "../runtime/event-log.js";
import { createRuntime, type ApplyContext, type Executor, type Input, type RunOutput, type RunPrimitive, type RuntimeEvent } from "../runtime/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A pretend agent: each run takes a few "turn steps", each ending at a durable boundary. */
const agent: Executor = {
  async apply(runId: string, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput> {
    const steps = primitive.inputs.some((i) => i.kind === "prompt" && i.text.includes("long")) ? 6 : 2;
    for (let step = 1; step <= steps; step++) {
      await sleep(15);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const verdict = await ctx.reportBoundary();
      if (verdict.cancelRequested) return { result: `stopped after boundary ${step} of ${steps}` };
    }
    return { result: `answered ${primitive.contributors.join(" + ")}` };
  },
};

const eventLog = process.env["MEERKAT_EVENT_LOG"] ? openEventLog(process.env["MEERKAT_EVENT_LOG"]) : null;
const rt = createRuntime({ executor: agent, ...(eventLog ? { observer: eventLog.observer } : {}) });
if (eventLog) rt.on(eventLog.listener);

const t0 = Date.now();
const short = (id: string) => (id.includes("/run-") ? `run-${id.split("/run-")[1]}` : id);
rt.on((e: RuntimeEvent) => {
  const at = String(Date.now() - t0).padStart(4);
  const { seq: _seq, at: _at, sessionId, type, ...rest } = e;
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? short(v) : JSON.stringify(v)}`)
    .join(" ");
  console.log(`${at}ms  ${sessionId.padEnd(6)} ${type.padEnd(28)} ${detail}`);
});

let n = 0;
const prompt = (text: string): Input => ({ kind: "prompt", header: { id: `in-${++n}`, durability: "Durable", source: { kind: "Operator" } }, text });
const steer = (body: string): Input => ({
  kind: "peer_message",
  header: { id: `in-${++n}`, durability: "Durable", source: { kind: "Peer", peerId: "reviewer" }, handlingMode: "Steer" },
  body,
});

async function main(): Promise<void> {
  for (const s of ["alice", "bob", "carol", "dave"]) await rt.prepareLocalSessionBindings(s);

  // alice: one prompt, awaited to completion.
  const alice = await rt.acceptInputWithCompletion("alice", prompt("hello"));

  // bob: a prompt runs, a second one queues, then a steer message overtakes it.
  const bob1 = await rt.acceptInputWithCompletion("bob", prompt("first question"));
  const bob2 = await rt.acceptInputWithCompletion("bob", prompt("second question"));
  const bobSteer = await rt.acceptInputWithCompletion("bob", steer("actually, consider this first"));

  // carol: a long run, cancelled after its next boundary (cooperative: the work so far commits).
  const carol = await rt.acceptInputWithCompletion("carol", prompt("a long essay"));
  await sleep(20);
  const cancelledRun = await rt.cancelAfterBoundary("carol");
  console.log(`        carol  cancel-after-boundary requested for ${short(cancelledRun)}`);

  // dave: one run in flight, one queued; the stop lets the run finish and never runs the queued one.
  const dave1 = await rt.acceptInputWithCompletion("dave", prompt("quick one"));
  const dave2 = await rt.acceptInputWithCompletion("dave", prompt("never runs"));
  await rt.stopRuntimeExecutor("dave");

  const outcomes = await Promise.all(
    [
      ["alice", alice],
      ["bob #1", bob1],
      ["bob #2", bob2],
      ["bob steer", bobSteer],
      ["carol", carol],
      ["dave #1", dave1],
      ["dave #2", dave2],
    ].map(async ([label, r]) => {
      const accepted = r as Awaited<ReturnType<typeof rt.acceptInputWithCompletion>>;
      return `${String(label).padEnd(10)} ${JSON.stringify(await accepted.completion)}`;
    }),
  );
  console.log("\nOutcomes:");
  for (const line of outcomes) console.log(`  ${line}`);
  console.log("\nFinal phases:");
  for (const s of rt.sessionIds()) console.log(`  ${s.padEnd(6)} ${rt.snapshot(s).phase}`);
  await rt.close();
  eventLog?.close();
}

await main();

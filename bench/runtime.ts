// Runtime benchmark: end-to-end inputs/s through the control plane with a no-op executor, for 1,
// 100 and 10,000 sessions; acceptInput latency; memory per idle session; and the same workload on
// an XState v5 actor per session (queue, one run at a time, cancel, stop).
//
//   npx tsx bench/runtime.ts            human-readable table
//   npx tsx bench/runtime.ts --json     one JSON line per session count
//   options: --inputs N (default 200000), --window W (inputs in flight per session, default 4),
//            --concurrency C (inputs in flight overall, default 1024), --workload prompt|peer
//            (default prompt: one prompt per run), --unchecked (skip the per-transition invariant
//            evaluation), --sessions 1,100,10000
//
// Load model: min(sessions x W, C) clients; client k submits inputs to the sessions round robin and
// awaits each input's completion, so a session never has more than W inputs in flight and the
// whole runtime at most C (a server's bounded request concurrency).

import vm from "node:vm";
import v8 from "node:v8";
import { assign, createActor, fromPromise, setup } from "xstate";
import { createRuntime, type Input } from "../runtime/index.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes("--json");
const unchecked = args.includes("--unchecked");
const totalInputs = Number(flag("--inputs") ?? 200_000);
const window = Number(flag("--window") ?? 4);
const concurrency = Number(flag("--concurrency") ?? 1024);
const workload = (flag("--workload") ?? "prompt") as "prompt" | "peer";
const sessionCounts = (flag("--sessions") ?? "1,100,10000").split(",").map(Number);

function makeInput(session: number, i: number): Input {
  const id = `s${session}-i${i}`;
  return workload === "prompt"
    ? { kind: "prompt", header: { id, durability: "Ephemeral", source: { kind: "Operator" } }, text: "x" }
    : { kind: "peer_message", header: { id, durability: "Ephemeral", source: { kind: "Peer", peerId: "p" } }, body: "x" };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** min(sessions x window, concurrency) clients; input k goes to session k mod sessions. */
async function drive(sessions: number, perSession: number, submit: (s: number, i: number) => Promise<void>): Promise<number> {
  const total = sessions * perSession;
  const clients = Math.min(sessions * window, concurrency, total);
  let next = 0;
  const t0 = performance.now();
  const client = async () => {
    while (next < total) {
      const k = next++;
      await submit(k % sessions, Math.floor(k / sessions));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return performance.now() - t0;
}

interface Measured {
  readonly inputsPerSec: number;
  readonly p50us: number;
  readonly p99us: number;
}

async function benchRuntime(sessions: number): Promise<Measured> {
  const rt = createRuntime({ executor: { apply: async () => ({}) }, limits: { checkInvariants: !unchecked } });
  for (let s = 0; s < sessions; s++) await rt.prepareLocalSessionBindings(`s${s}`);
  const perSession = Math.max(1, Math.floor(totalInputs / sessions));
  const latencies = new Float64Array(sessions * perSession);
  let n = 0;
  const ms = await drive(sessions, perSession, async (s, i) => {
    const t = performance.now();
    const r = await rt.acceptInputWithCompletion(`s${s}`, makeInput(s, i));
    latencies[n++] = performance.now() - t;
    if (r.completion === undefined) throw new Error(`input not accepted: ${r.outcome}`);
    const outcome = await r.completion;
    if (outcome.kind !== "CompletedWithoutResult") throw new Error(`unexpected outcome ${outcome.kind}`);
  });
  const sorted = latencies.subarray(0, n).sort();
  await rt.close();
  return { inputsPerSec: (sessions * perSession) / (ms / 1000), p50us: percentile(sorted, 50) * 1000, p99us: percentile(sorted, 99) * 1000 };
}

// ── XState v5: the same session behaviour (queue, one run at a time, cancel, stop) ────────────

interface Item {
  readonly id: string;
  readonly done: (outcome: string) => void;
}
interface Ctx {
  readonly queue: readonly Item[];
  readonly current: Item | null;
}
type Ev = { readonly type: "ACCEPT"; readonly item: Item } | { readonly type: "CANCEL" } | { readonly type: "STOP" };

const sessionMachine = setup({
  types: { context: {} as Ctx, events: {} as Ev },
  actors: { apply: fromPromise<void, Item | null>(async () => undefined) },
  guards: { hasWork: ({ context }) => context.queue.length > 0 },
}).createMachine({
  id: "session",
  context: { queue: [], current: null },
  initial: "idle",
  states: {
    idle: {
      always: { guard: "hasWork", target: "running" },
      on: {
        ACCEPT: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.item] }) },
        STOP: { target: "stopped" },
      },
    },
    running: {
      entry: assign({ current: ({ context }) => context.queue[0] ?? null, queue: ({ context }) => context.queue.slice(1) }),
      invoke: {
        src: "apply",
        input: ({ context }) => context.current,
        onDone: {
          target: "idle",
          actions: [({ context }) => context.current?.done("CompletedWithoutResult"), assign({ current: null })],
        },
        onError: {
          target: "idle",
          actions: [({ context }) => context.current?.done("Failed"), assign({ current: null })],
        },
      },
      on: {
        ACCEPT: { actions: assign({ queue: ({ context, event }) => [...context.queue, event.item] }) },
        CANCEL: { target: "idle", actions: [({ context }) => context.current?.done("Cancelled"), assign({ current: null })] },
        STOP: { target: "stopped" },
      },
    },
    stopped: {
      type: "final",
      entry: ({ context }) => {
        context.current?.done("RuntimeTerminated");
        for (const item of context.queue) item.done("RuntimeTerminated");
      },
    },
  },
});

async function benchXState(sessions: number): Promise<number> {
  const actors = Array.from({ length: sessions }, () => createActor(sessionMachine).start());
  const perSession = Math.max(1, Math.floor(totalInputs / sessions));
  const ms = await drive(sessions, perSession, async (s, i) => {
    const outcome = await new Promise<string>((done) => actors[s]!.send({ type: "ACCEPT", item: { id: `s${s}-i${i}`, done } }));
    if (outcome !== "CompletedWithoutResult") throw new Error(`unexpected outcome ${outcome}`);
  });
  for (const a of actors) a.send({ type: "STOP" });
  return (sessions * perSession) / (ms / 1000);
}

async function bytesPerIdleSession(count: number): Promise<number> {
  const rt = createRuntime({ executor: { apply: async () => ({}) } });
  await rt.prepareLocalSessionBindings("warm-up");
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let s = 0; s < count; s++) await rt.prepareLocalSessionBindings(`idle-${s}`);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (rt.sessionIds().length !== count + 1) throw new Error("sessions missing");
  return Math.round((after - before) / count);
}

async function bytesPerIdleActor(count: number): Promise<number> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const actors = Array.from({ length: count }, () => createActor(sessionMachine).start());
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (actors.length !== count) throw new Error("actors missing");
  return Math.round((after - before) / count);
}

async function main(): Promise<void> {
  const bytes = await bytesPerIdleSession(10_000);
  const xstateBytes = await bytesPerIdleActor(10_000);
  if (!json) {
    console.log(`runtime bench: ${totalInputs} inputs, workload ${workload}, at most ${window} in flight per session and ${concurrency} overall, invariants ${unchecked ? "off" : "on"}`);
    console.log(`memory per idle session: ${bytes} B (XState actor: ${xstateBytes} B)`);
    console.log("sessions  inputs/s   xstate/s   ratio   accept p50   accept p99");
  }
  for (const sessions of sessionCounts) {
    gc();
    const ours = await benchRuntime(sessions);
    gc();
    const xstate = await benchXState(sessions);
    const row = {
      sessions,
      inputsPerSec: Math.round(ours.inputsPerSec),
      xstateInputsPerSec: Math.round(xstate),
      ratio: Math.round((ours.inputsPerSec / xstate) * 100) / 100,
      p50us: Math.round(ours.p50us * 10) / 10,
      p99us: Math.round(ours.p99us * 10) / 10,
      bytesPerIdleSession: bytes,
      workload,
      window,
      concurrency,
      invariants: !unchecked,
    };
    if (json) console.log(JSON.stringify(row));
    else
      console.log(
        `${String(sessions).padStart(8)}  ${String(row.inputsPerSec).padStart(8)}  ${String(row.xstateInputsPerSec).padStart(9)}  ${row.ratio.toFixed(2).padStart(6)}  ${row.p50us.toFixed(1).padStart(9)}us  ${row.p99us.toFixed(1).padStart(9)}us`,
      );
  }
}

await main();

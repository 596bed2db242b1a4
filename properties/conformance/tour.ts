// A fixed tour of short step sequences that drive the spec transitions random runs reach only
// rarely (supersession, coalescing, acceptInputAndRun's runs from Idle, retires during a run, an
// input exhausted across a restart, the rarer ops transitions, a boundary refused after a destroy).
// Each tour runs through the same driver as the properties: every step compared with the model,
// then drained and checked. The coverage test counts tours and random runs together, so a re-tuned
// arbitrary cannot silently drop a transition; the long campaign reports what random runs alone
// reached.

import type { Coverage } from "./coverage.js";
import { runSteps } from "./property.js";
import type { InputSpec, Step } from "./steps.js";
import { memoryStore } from "./stores.js";

const flow = (id: string): InputSpec => ({ kind: "flow_step", id, durability: "Durable", source: "natural", supersessionKey: "x" });
const progress = (id: string): InputSpec => ({ kind: "peer_response_progress", id, durability: "Durable", source: "natural", supersessionKey: "x" });
const prompt = (id: string): InputSpec => ({ kind: "prompt", id, durability: "Durable", source: "natural" });

export interface Tour {
  readonly name: string;
  readonly store: boolean;
  readonly steps: readonly Step[];
}

export const TOURS: readonly Tour[] = [
  {
    name: "supersede and coalesce queued inputs",
    store: false,
    steps: [
      { op: "register", s: 0 },
      { op: "accept", s: 0, mode: "completion", input: flow("i1") },
      { op: "accept", s: 0, mode: "completion", input: flow("i2") },
      { op: "accept", s: 0, mode: "completion", input: progress("i3") },
      { op: "accept", s: 0, mode: "completion", input: progress("i4") },
    ],
  },
  {
    name: "acceptInputAndRun from Idle: commit, fail, fail after the boundary",
    store: false,
    steps: [
      { op: "register", s: 0 },
      { op: "acceptAndRun", s: 0, input: prompt("i1") },
      { op: "complete", call: 0, output: "result" },
      { op: "acceptAndRun", s: 0, input: prompt("i2") },
      { op: "fail", call: 0, cause: "error" },
      { op: "acceptAndRun", s: 0, input: prompt("i3") },
      { op: "boundary", call: 0 },
      { op: "fail", call: 0, cause: "value" },
    ],
  },
  {
    name: "retire during a run, twice; the drain fails before and after its boundary",
    store: false,
    steps: [
      { op: "bindLocal", s: 0 },
      { op: "accept", s: 0, mode: "completion", input: prompt("i1") },
      { op: "accept", s: 0, mode: "completion", input: prompt("i2") },
      { op: "retire", s: 0, fence: "none" },
      { op: "retire", s: 0, fence: "current" },
      { op: "fail", call: 0, cause: "error" },
      { op: "boundary", call: 0 },
      { op: "fail", call: 0, cause: "error" },
      { op: "retire", s: 0, fence: "none" },
      { op: "stop", s: 1 },
      { op: "bindLocal", s: 1 },
      { op: "stop", s: 1 },
      { op: "retire", s: 1, fence: "none" },
    ],
  },
  {
    name: "an executor that ignores interrupts reports a boundary after its session was destroyed (refused: RunCancelled)",
    store: false,
    steps: [
      { op: "bindLocal", s: 0 },
      { op: "abortMode", mode: "ignore" },
      { op: "accept", s: 0, mode: "completion", input: prompt("i1") },
      { op: "destroy", s: 0, fence: "none" },
      { op: "boundary", call: 0 },
    ],
  },
  {
    name: "an input that crashed on its third attempt is abandoned by recovery",
    store: true,
    steps: [
      { op: "bindLocal", s: 0 },
      { op: "accept", s: 0, mode: "completion", input: prompt("i1") },
      { op: "fail", call: 0, cause: "error" },
      { op: "wake", s: 0 },
      { op: "fail", call: 0, cause: "error" },
      { op: "wake", s: 0 },
      { op: "restart" },
      { op: "register", s: 0 },
    ],
  },
  {
    name: "ops: progress, peer, retire, wait-all satisfied by the owner's termination",
    store: false,
    steps: [
      { op: "bindLocal", s: 0 },
      { op: "ops", s: 0, call: { fn: "register", id: "o1", kind: "MobMemberChild" } },
      { op: "ops", s: 0, call: { fn: "start", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "progress", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "peerReady", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "requestRetire", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "markRetired", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "register", id: "o2", kind: "BackgroundToolOp" } },
      { op: "ops", s: 0, call: { fn: "waitAll", ids: ["o2"] } },
      { op: "ops", s: 0, call: { fn: "terminateOwner" } },
      { op: "ops", s: 0, call: { fn: "register", id: "o3", kind: "BackgroundToolOp" } },
      { op: "ops", s: 0, call: { fn: "start", id: "o3" } },
      { op: "ops", s: 0, call: { fn: "complete", id: "o3", result: { files: 1 } } },
    ],
  },
  {
    name: "ops survive a restart as their completion feed; live ops are lost (Terminated)",
    store: true,
    steps: [
      { op: "bindLocal", s: 0 },
      { op: "ops", s: 0, call: { fn: "register", id: "o1", kind: "BackgroundToolOp" } },
      { op: "ops", s: 0, call: { fn: "start", id: "o1" } },
      { op: "ops", s: 0, call: { fn: "complete", id: "o1" } },
      { op: "complete", call: 0, output: "none" },
      { op: "ops", s: 0, call: { fn: "register", id: "o2", kind: "MobMemberChild" } },
      { op: "ops", s: 0, call: { fn: "start", id: "o2" } },
      { op: "restart" },
      { op: "register", s: 0 },
      { op: "ops", s: 0, call: { fn: "watch", id: "o2" } },
    ],
  },
];

/** Runs every tour (each checked step by step against the model); throws on the first difference. */
export async function runTours(coverage?: Coverage): Promise<void> {
  for (const t of TOURS) {
    try {
      await runSteps(["s1", "s2"], t.steps, { coverage, store: t.store ? memoryStore : undefined });
    } catch (e) {
      throw new Error(`tour "${t.name}" failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

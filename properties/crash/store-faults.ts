// The store-fault injection property (issue #19): across the conformance command sequences, fail
// each store write in turn and check that every multi-step unwind ends in a terminal, consistent
// state, or halts the session with every waiter settled, and that nothing acknowledged is lost.
//
// One sequence runs once without faults (counting its store writes, W), then W more times, the k-th
// run failing write k (testing/index.ts FaultyStore over a MemoryStore): the crash-point campaign's
// method (campaign.ts: count W commits, then kill at each), with a failed write instead of a kill,
// so it lives beside it. The sequences and the driver are the conformance properties' (steps,
// World); their reference model only supplies the steps' concrete arguments (fences, run ids): once
// a write fails, the runtime is meant to diverge from the fault-free model, so the checks below are
// the fault contract, not a diff.

import fc from "fast-check";
import { MemoryStore, type ControlPlane, type RuntimeEvent } from "../../runtime/index.js";
import { FaultyStore } from "../../testing/index.js";
import { SESSION_POOLS, stepArbitrary } from "../conformance/arbitraries.js";
import { HangError, withDeadline } from "../conformance/deadline.js";
import { sessionProblems } from "../conformance/domains.js";
import { ReferenceModel } from "../conformance/model.js";
import { conformancePolicy } from "../conformance/policy.js";
import { showStep, type Step } from "../conformance/steps.js";
import { World, type StoreFactory } from "../conformance/world.js";

const STEP_DEADLINE_MS = 5_000;
const DRAIN_ROUNDS = 50;

export interface FaultRun {
  /** Store writes the run asked for (the failed one included). */
  readonly writes: number;
  /** The write that was failed (1-based), or null for the fault-free run. */
  readonly failedWrite: number | null;
  /** Broken parts of the fault contract; empty when the run is fine. */
  readonly problems: readonly string[];
  /** Steps whose call was still pending at the end. */
  readonly pending: ReadonlySet<number>;
}

/**
 * Runs `steps` over a fresh runtime whose store fails write `failAt` (null: none), then checks the
 * contract. A call may legitimately stay pending (a retire of a session no loop drains, an ops
 * watch of an op that never ends), so a pending call is a problem only where the fault-free run,
 * `baseline`, settled it: the fault made it hang.
 */
export async function runWithStoreFault(names: readonly string[], steps: readonly Step[], failAt: number | null, baseline: FaultRun | null = null, patch?: (rt: ControlPlane) => void): Promise<FaultRun> {
  const store = new FaultyStore(new MemoryStore());
  if (failAt !== null) store.failWhen = (w) => w.n === failAt;
  const factory: StoreFactory = { name: "faulty-memory", open: () => store, reopen: (previous) => previous };
  const world = new World({ sessions: names, store: factory, ...(patch !== undefined ? { patch } : {}) });
  await world.start();
  const model = new ReferenceModel(names, conformancePolicy, new Map());
  const problems: string[] = [];
  const pending = new Set<number>();
  const accepted: { handle: number; session: string; inputId: string }[] = [];
  // acceptInputAndRun waits for its own callback; a restart drops the callbacks in flight (as a
  // process exit would), so those calls are left pending by the harness, not by the runtime.
  const andRuns: number[] = [];
  const droppedByRestart = new Set<number>();
  let handle = 0;
  try {
    for (const step of steps) {
      if (!model.applicable(step)) continue;
      handle += 1;
      const c = model.concrete(step);
      if (step.op === "restart") model.restart(handle);
      else model.apply(step, handle, c);
      try {
        await withDeadline(world.apply(step, c, handle, names), STEP_DEADLINE_MS, `step ${handle} (${showStep(step)})`);
      } catch (e) {
        if (e instanceof HangError) {
          problems.push(e.message);
          return { writes: store.writes, failedWrite: failAt, problems, pending: new Set() };
        }
        throw e;
      }
      if (step.op === "acceptAndRun") andRuns.push(handle);
      if (step.op === "restart") for (const h of andRuns.splice(0)) droppedByRestart.add(h);
      if (step.op === "accept" && step.input.durability === "Durable") accepted.push({ handle, session: names[step.s % names.length]!, inputId: step.input.id });
    }
    await drain(world);
    problems.push(...contractProblems(world, store, accepted));
    for (const [h, st] of world.handles) {
      if (st.state !== "pending" || droppedByRestart.has(h)) continue;
      pending.add(h);
      if (baseline !== null && !baseline.pending.has(h)) problems.push(`call of step ${h} never settled (it did without the fault)`);
    }
  } finally {
    await world.dispose();
  }
  return { writes: store.writes, failedWrite: failAt, problems, pending };
}

/** Completes every executor call in flight until none is left (each completion may start the next run). */
async function drain(world: World): Promise<void> {
  for (let round = 0; round < DRAIN_ROUNDS && world.calls.length > 0; round++) {
    const call = world.calls.shift()!;
    call.complete({});
    await world.settle();
  }
}

function contractProblems(world: World, store: FaultyStore, accepted: readonly { handle: number; session: string; inputId: string }[]): string[] {
  const problems: string[] = [];
  const rt = world.rt;
  const halted = new Set(world.events.filter((e: RuntimeEvent) => e.type === "runtime.error" && e.code === "SessionHalted").map((e) => e.sessionId));
  // Consistent: the machine's invariants (and domains) hold on the state every unwind left behind.
  problems.push(...sessionProblems(rt));
  for (const name of rt.sessionIds()) {
    const s = rt.machineState(name);
    // Terminal: with no executor call left, no session may still be Running.
    if (s.phase === "Running" && !world.calls.some((c) => c.session === name)) problems.push(`session ${JSON.stringify(name)} is stuck Running with no executor call in flight`);
  }
  for (const [w, slot] of world.waiters) {
    if (slot.resolutions > 1) problems.push(`waiter ${w} (input ${JSON.stringify(slot.inputId)}) resolved ${slot.resolutions} times`);
    if (slot.outcome !== null) continue;
    // An unsettled waiter is fine only while its input is still live (it can still end).
    const live = rt.sessionIds().includes(slot.session) && rt.machineState(slot.session).inputs.has(slot.inputId);
    if (!live) problems.push(`waiter ${w} of input ${JSON.stringify(slot.inputId)} (session ${JSON.stringify(slot.session)}) never settled and its input is not live`);
  }
  // Nothing acknowledged is lost: an accepted durable input is in the store, or its session halted
  // (and said so); a refused admission was never acknowledged.
  for (const a of accepted) {
    const st = world.handles.get(a.handle);
    if (st?.state !== "ok" || (st.value as { outcome?: string } | undefined)?.outcome !== "Accepted") continue;
    const stored = store.inner.loadInputStates(a.session) as readonly { inputId: string }[];
    if (!stored.some((r) => r.inputId === a.inputId) && !halted.has(a.session)) problems.push(`durable input ${JSON.stringify(a.inputId)} of session ${JSON.stringify(a.session)} was acknowledged (step ${a.handle}) but is neither stored nor reported halted`);
  }
  return problems;
}

export interface FaultCampaignOptions {
  readonly seed: number;
  readonly numRuns: number;
  readonly maxSteps?: number;
  /** Sequences are cut short once this much time (ms) was spent, so CI keeps its budget. */
  readonly budgetMs?: number;
  /** Called once per executed run (fault-free and faulted). */
  readonly onRun?: (run: FaultRun) => void;
}

/** fast-check property: for each generated sequence, the fault-free run and one run per failed write keep the contract. */
export function storeFaultProperty(o: FaultCampaignOptions) {
  const started = Date.now();
  const steps = fc.array(stepArbitrary({ restart: true }), { minLength: 4, maxLength: o.maxSteps ?? 20 });
  return fc.asyncProperty(fc.constantFrom(...SESSION_POOLS), steps, async (names, seq) => {
    if (o.budgetMs !== undefined && Date.now() - started > o.budgetMs) return;
    const clean = await runWithStoreFault(names, seq, null);
    o.onRun?.(clean);
    if (clean.problems.length > 0) throw new Error(`without faults: ${clean.problems.join("; ")}`);
    for (let k = 1; k <= clean.writes; k++) {
      const faulted = await runWithStoreFault(names, seq, k, clean);
      o.onRun?.(faulted);
      if (faulted.problems.length > 0) throw new Error(`with store write ${k} of ${clean.writes} failed: ${faulted.problems.join("; ")}`);
    }
  });
}

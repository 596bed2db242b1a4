// Races: fast-check's scheduler decides the order in which API calls start, executor runs reach
// their boundaries and settle, and cancels, interrupts, stops, retires, destroys, resets and
// wakes land. No exact model here (the interleaving is the point); instead, in every order
// fast-check finds:
//   * a cancel is never lost: once cancelAfterBoundary(R) resolved, R's context says so, the
//     executor hook was called for R, and every later boundary of R reports cancelRequested;
//     once interrupt(R) resolved, R's signal is aborted;
//   * every error is typed, no promise rejects unhandled, the loop never fails internally;
//   * the machine invariants and spec domains hold on every session;
//   * after draining, every waiter was resolved exactly once, every accepted input has exactly
//     one terminal outcome and none was applied twice, every call (a stop too) settled.

import fc from "fast-check";
import {
  createRuntime,
  RunCancelledError,
  type ApplyContext,
  type CompletionOutcome,
  type ControlPlane,
  type Executor,
  type RunOutput,
  type RunPrimitive,
  type RuntimeEvent,
} from "../../runtime/index.js";
import { inputSpec } from "./arbitraries.js";
import { flush, withDeadline } from "./deadline.js";
import { sessionProblems } from "./domains.js";
import { ExecutorFailure } from "./executor.js";
import { drainMove, eventObligations } from "./obligations.js";
import { conformanceLimits } from "./limits.js";
import { conformancePolicy } from "./policy.js";
import { buildInput, type InputSpec } from "./steps.js";
import { classify } from "./world.js";

/** What the executor does with one run, decided up front per run (cyclically). */
export type RunBehaviour = "complete" | "result" | "fail" | "failCancelled" | "boundaryThenComplete" | "boundaryThenFail" | "twoBoundaries" | "hang";

export type Actor =
  | { readonly kind: "accept"; readonly s: number; readonly input: InputSpec; readonly completion: boolean }
  | { readonly kind: "cancel" | "interrupt" | "stop" | "retire" | "reset" | "destroy" | "wake" | "recycle" | "bind" | "unregister"; readonly s: number };

export interface RaceCase {
  readonly sessions: readonly string[];
  readonly behaviours: readonly RunBehaviour[];
  readonly actors: readonly Actor[];
  /** Bind the sessions before the actors start (otherwise the actors must bind). */
  readonly bound: boolean;
}

export const raceCase: fc.Arbitrary<RaceCase> = fc.record({
  sessions: fc.constantFrom(["s1"], ["s1", "__proto__"]),
  behaviours: fc.array(fc.constantFrom<RunBehaviour>("complete", "result", "fail", "failCancelled", "boundaryThenComplete", "boundaryThenFail", "twoBoundaries", "hang"), { minLength: 1, maxLength: 6 }),
  actors: fc.array(
    fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant("accept" as const), s: fc.nat({ max: 1 }), input: inputSpec, completion: fc.boolean() }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constantFrom("cancel" as const, "interrupt" as const), s: fc.nat({ max: 1 }) }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constantFrom("stop" as const, "retire" as const, "reset" as const, "destroy" as const, "recycle" as const, "unregister" as const), s: fc.nat({ max: 1 }) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constantFrom("wake" as const, "bind" as const), s: fc.nat({ max: 1 }) }), weight: 2 },
    ),
    { minLength: 1, maxLength: 14 },
  ),
  bound: fc.boolean(),
});

interface RunRecord {
  readonly runId: string;
  readonly sessionId: string;
  readonly contributors: readonly string[];
  readonly ctx: ApplyContext;
  /** Resolved cancels of this run (checked against later boundaries). */
  cancelConfirmed: boolean;
  settled: boolean;
  abort: (() => void) | null;
}

/** An executor whose every step waits for the scheduler. */
class ScheduledExecutor implements Executor {
  readonly runs: RunRecord[] = [];
  readonly cancelHooks: string[] = [];
  readonly problems: string[] = [];
  #next = 0;

  constructor(
    readonly s: fc.Scheduler,
    readonly behaviours: readonly RunBehaviour[],
  ) {}

  apply(runId: string, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput | void> {
    const behaviour = this.behaviours[this.#next++ % this.behaviours.length]!;
    const rec: RunRecord = { runId, sessionId: primitive.sessionId, contributors: primitive.contributors, ctx, cancelConfirmed: false, settled: false, abort: null };
    this.runs.push(rec);
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(ctx.signal.reason);
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
    const label = `${runId.replace(/^epoch:[^/]*\//, "")} ${behaviour}`;
    const work = async (): Promise<RunOutput | void> => {
      if (behaviour === "hang") return step(new Promise<never>(() => undefined));
      await step(this.s.schedule(Promise.resolve(), `${label}: work`));
      const boundary = async (): Promise<boolean> => {
        const confirmedBefore = rec.cancelConfirmed;
        const v = await step(ctx.reportBoundary());
        if (confirmedBefore && !v.cancelRequested) this.problems.push(`cancel lost: run ${runId} was cancelled, yet its boundary reported cancelRequested=false`);
        return v.cancelRequested;
      };
      switch (behaviour) {
        case "complete":
          return {};
        case "result":
          return { result: { ok: true } };
        case "fail":
          throw new ExecutorFailure("executor failed");
        case "failCancelled":
          throw new RunCancelledError("executor gave up");
        case "boundaryThenComplete":
          if (await boundary()) return {};
          await step(this.s.schedule(Promise.resolve(), `${label}: finish`));
          return { result: "done" };
        case "boundaryThenFail":
          await boundary();
          await step(this.s.schedule(Promise.resolve(), `${label}: finish`));
          throw new ExecutorFailure("failed after the boundary");
        case "twoBoundaries":
          if (await boundary()) return {};
          await step(this.s.schedule(Promise.resolve(), `${label}: second boundary`));
          if (await boundary()) return {};
          return {};
      }
    };
    return work().finally(() => {
      rec.settled = true;
    });
  }

  cancelAfterBoundary(sessionId: string, runId: string): void {
    this.cancelHooks.push(`${sessionId}/${runId}`);
  }
}

/** Runs one race case under the scheduler, drains, and returns every broken promise of the contract. */
export async function runRace(s: fc.Scheduler, c: RaceCase, patch?: (rt: ControlPlane) => void): Promise<string[]> {
  const exec = new ScheduledExecutor(s, c.behaviours);
  const rt = createRuntime({ executor: exec, policy: conformancePolicy, limits: conformanceLimits });
  patch?.(rt);
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  const problems: string[] = [];
  const waiters: { inputId: string; resolutions: number; outcome: CompletionOutcome | null }[] = [];
  /** The actors whose call has not settled (by label). */
  const unsettled = new Set<string>();
  const typed = (what: string) => (e: unknown) => {
    const code = classify(e);
    if (code.startsWith("untyped:")) problems.push(`${what} failed with an untyped error: ${code}`);
  };
  const name = (i: number): string => c.sessions[i % c.sessions.length]!;
  for (const sid of c.sessions) {
    if (c.bound) await rt.prepareLocalSessionBindings(sid);
    else await rt.registerSession(sid);
  }
  const act = async (a: Actor): Promise<void> => {
    const sid = name(a.s);
    switch (a.kind) {
      case "accept": {
        const input = buildInput(a.input);
        const r = await (a.completion ? rt.acceptInputWithCompletion(sid, input) : rt.acceptInput(sid, input));
        if (r.completion !== undefined) {
          const slot = { inputId: r.outcome === "Deduplicated" ? r.existingId : r.inputId, resolutions: 0, outcome: null as CompletionOutcome | null };
          waiters.push(slot);
          void r.completion.then((o) => {
            slot.resolutions += 1;
            slot.outcome = o;
          });
        }
        return;
      }
      case "cancel": {
        const run = await rt.cancelAfterBoundary(sid);
        const rec = exec.runs.find((r) => r.runId === run);
        if (rec === undefined) problems.push(`cancelAfterBoundary resolved for run ${run}, which the executor never saw`);
        else {
          rec.cancelConfirmed = true;
          if (!rec.ctx.cancelAfterBoundaryRequested) problems.push(`cancel lost: cancelAfterBoundary(${run}) resolved but the run's context does not say so`);
          if (!exec.cancelHooks.includes(`${sid}/${run}`)) problems.push(`cancel lost: the executor's cancelAfterBoundary hook was not called for ${run}`);
        }
        return;
      }
      case "interrupt": {
        const run = await rt.interrupt(sid);
        const rec = exec.runs.find((r) => r.runId === run);
        if (rec !== undefined && !rec.ctx.signal.aborted) problems.push(`interrupt lost: interrupt(${run}) resolved but the run's signal is not aborted`);
        return;
      }
      case "stop":
        return rt.stopRuntimeExecutor(sid);
      case "retire":
        return rt.retire(sid);
      case "reset":
        return rt.reset(sid);
      case "destroy":
        return rt.destroy(sid);
      case "recycle":
        return void (await rt.recycle(sid));
      case "unregister":
        return rt.unregisterSession(sid);
      case "bind":
        return void (await rt.prepareLocalSessionBindings(sid));
      case "wake":
        return rt.wake(sid);
    }
  };
  for (const [i, a] of c.actors.entries()) {
    const label = `${i}:${a.kind}${"input" in a ? ` ${a.input.kind} ${a.input.id}` : ""} ${name(a.s)}`;
    unsettled.add(label);
    void s
      .schedule(Promise.resolve(), label)
      .then(() => act(a))
      .catch(typed(label))
      .finally(() => unsettled.delete(label));
  }
  // The runtime's own promise chains are not scheduler tasks: let them run, then release what they
  // scheduled, until nothing is left.
  for (let i = 0; i < 1000; i++) {
    await s.waitIdle();
    await flush();
    if (s.count() === 0) break;
  }
  // Actors may still wait (a stop resolves only once its run ended): drain first, then every
  // actor must have settled.
  await drain(rt, exec, s);
  await flush();
  for (const label of unsettled) problems.push(`call ${label} never settled after draining`);
  problems.push(...sessionProblems(rt));
  for (const sid of rt.sessionIds()) {
    const st = rt.machineState(sid);
    if (st.inputs.size > 0) problems.push(`${sid}: live inputs left after draining: ${JSON.stringify([...st.inputs])} in ${st.phase}`);
  }
  for (const [i, w] of waiters.entries()) if (w.resolutions !== 1) problems.push(`waiter ${i} (input ${JSON.stringify(w.inputId)}) resolved ${w.resolutions} times`);
  for (const e of events) if (e.type === "runtime.error") problems.push(`runtime.error ${e.code}: ${e.message}`);
  problems.push(...eventObligations(events, []), ...exec.problems);
  await rt.close();
  return problems;
}

/**
 * Settles everything left: scheduled executor steps are released, runs that still hang are
 * interrupted; idle sessions bind, attached ones retire (so even inputs that never drive run).
 */
async function drain(rt: ControlPlane, exec: ScheduledExecutor, s: fc.Scheduler): Promise<void> {
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 100 && (i === 0 || s.count() > 0); i++) {
      await s.waitIdle();
      await flush();
    }
    let moved = false;
    for (const sid of rt.sessionIds()) {
      const st = rt.machineState(sid);
      if (st.phase === "Running") {
        // The scheduler is idle, so this run hangs: interrupt it.
        await rt.interrupt(sid).catch(() => undefined);
        moved = true;
        continue;
      }
      const move = drainMove(st);
      if (move === null) continue;
      moved = true;
      if (move === "register") await rt.registerSession(sid);
      else if (move === "bind") await rt.prepareBindings(sid, { runtimeId: st.boundRuntime ?? `rt:session:${sid}`, fence: (st.highestFence ?? 0) + 1, generation: st.boundGeneration });
      else if (move === "retire") await rt.retire(sid);
      else rt.wake(sid);
    }
    if (!moved && exec.runs.every((r) => r.settled)) return;
  }
}

export function raceProperty(patch?: (rt: ControlPlane) => void): fc.IAsyncPropertyWithHooks<[fc.Scheduler, RaceCase]> {
  return fc.asyncProperty(fc.scheduler(), raceCase, async (s, c) => {
    const problems = await withDeadline(runRace(s, c, patch), 30_000, "the race run");
    if (problems.length > 0) throw new Error(`race contract broken:\n  ${problems.join("\n  ")}\n  schedule:\n${s.report().map((t) => `    ${t.status} ${t.label}`).join("\n")}`);
  });
}

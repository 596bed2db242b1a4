// Completion waiters (reference §5.8; §13 items 34–41) and the exactly-once property under random
// operation sequences.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRuntime, RuntimeError, type CompletionOutcome, type RuntimeEvent } from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor, type ScriptedRun } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

function setup() {
  const exec = new ScriptedExecutor();
  const rt = createRuntime({ executor: exec, store: testStore() });
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  return { exec, rt, events };
}

describe("completion waiters", { timeout: 10_000 }, () => {
  it("runtime_ingress_control_red_ok_accepts_prompt_and_resolves_completion_handle", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    expect(r.outcome).toBe("Accepted");
    (await exec.next()).complete({ result: "hi" });
    expect(await r.completion).toEqual({ kind: "Completed", result: "hi" });
    expect(rt.snapshot("s").waiters).toBe(0);
  });

  it("completion_handle_resolves_without_result / callback pending", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const a = await rt.acceptInputWithCompletion("s", inputs.prompt("p1"));
    (await exec.next()).complete();
    expect(await a.completion).toEqual({ kind: "CompletedWithoutResult" });
    const b = await rt.acceptInputWithCompletion("s", inputs.prompt("p2"));
    (await exec.next()).complete({ callbackPending: { toolName: "search", args: { q: "x" } } });
    expect(await b.completion).toEqual({ kind: "CallbackPending", toolName: "search", args: { q: "x" } });
  });

  it("dedup_inflight_input_returns_handle_that_resolves; every joined waiter gets the same outcome", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const a = await rt.acceptInputWithCompletion("s", inputs.prompt("p1", "x", { idempotencyKey: "k" }));
    const run = await exec.next();
    const b = await rt.acceptInputWithCompletion("s", inputs.prompt("p2", "x", { idempotencyKey: "k" }));
    expect(b).toMatchObject({ outcome: "Deduplicated", inputId: "p2", existingId: "p1" });
    expect(rt.snapshot("s").waiters).toBe(2);
    run.complete({ result: 1 });
    expect(await a.completion).toEqual({ kind: "Completed", result: 1 });
    expect(await b.completion).toEqual({ kind: "Completed", result: 1 });
  });

  it("dedup_terminal_input_returns_none_handle", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const a = await rt.acceptInputWithCompletion("s", inputs.prompt("p1", "x", { idempotencyKey: "k" }));
    (await exec.next()).complete();
    await a.completion;
    const b = await rt.acceptInputWithCompletion("s", inputs.prompt("p2", "x", { idempotencyKey: "k" }));
    expect(b).toEqual({ outcome: "Deduplicated", inputId: "p2", existingId: "p1" });
  });

  it("deduplicated_accept_with_completion_emits_no_new_signal", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithCompletion("s", inputs.peerMessage("m1", "x", { idempotencyKey: "k" }));
    const run = await exec.next();
    await rt.acceptInputWithCompletion("s", inputs.peerMessage("m2", "x", { idempotencyKey: "k" }));
    // A new peer message would ask the run to yield; a duplicate does not.
    expect(run.ctx.cancelAfterBoundaryRequested).toBe(false);
    run.complete();
    await flush();
    expect(exec.calls).toHaveLength(1);
  });

  it("dedup keys are pruned beyond the retention limit (oldest terminal first), live keys never", async () => {
    const exec = new ScriptedExecutor(() => ({}));
    const rt = createRuntime({ executor: exec, limits: { dedup: { maxTerminalKeys: 2 } }, store: testStore() });
    await rt.prepareLocalSessionBindings("s");
    for (const k of ["k1", "k2", "k3"]) {
      const r = await rt.acceptInputWithCompletion("s", inputs.prompt(`p-${k}`, "x", { idempotencyKey: k }));
      await r.completion;
    }
    // Pruning happens lazily on the next keyed accept: k1 is forgotten, k3 is still known.
    await rt.acceptInput("s", inputs.prompt("probe", "x", { idempotencyKey: "k4" }));
    expect(await rt.acceptInput("s", inputs.prompt("again1", "x", { idempotencyKey: "k1" }))).toMatchObject({ outcome: "Accepted" });
    expect(await rt.acceptInput("s", inputs.prompt("again3", "x", { idempotencyKey: "k3" }))).toMatchObject({ outcome: "Deduplicated", existingId: "p-k3" });
  });
});

// Random operation sequences: every waiter settles exactly once, with an outcome consistent with the
// input's single terminal event, and the session ends with no waiter left.
type Op =
  | { readonly op: "accept"; readonly kind: "prompt" | "peer" | "progress" | "steer" }
  | { readonly op: "complete" }
  | { readonly op: "fail" }
  | { readonly op: "boundaryThenFail" }
  | { readonly op: "cancel" }
  | { readonly op: "interrupt" }
  | { readonly op: "wake" }
  | { readonly op: "retire" }
  | { readonly op: "reset" }
  | { readonly op: "stop" }
  | { readonly op: "recycle" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("accept" as const), kind: fc.constantFrom("prompt" as const, "peer" as const, "progress" as const, "steer" as const) }) },
  { weight: 4, arbitrary: fc.constant({ op: "complete" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "fail" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "boundaryThenFail" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "cancel" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "interrupt" as const }) },
  { weight: 2, arbitrary: fc.constant({ op: "wake" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "retire" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "reset" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "stop" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "recycle" as const }) },
);

describe("exactly-once waiters (property)", () => {
  it("every waiter settles exactly once, consistently with the event stream", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const { rt, exec, events } = setup();
        await rt.prepareLocalSessionBindings("s");
        const settled = new Map<string, CompletionOutcome[]>();
        const waits: Promise<void>[] = [];
        let n = 0;
        const live: ScriptedRun[] = [];
        const take = () => {
          while (exec.pending > 0) void exec.next().then((r) => live.push(r));
        };
        const ignoreTyped = (e: unknown) => {
          if (!(e instanceof RuntimeError)) throw e;
        };
        for (const o of ops) {
          take();
          await flush(1);
          const run = live.find((r) => rt.snapshot("s").currentRun === r.runId);
          switch (o.op) {
            case "accept": {
              n += 1;
              const id = `i${n}`;
              const input =
                o.kind === "prompt" ? inputs.prompt(id) : o.kind === "peer" ? inputs.peerMessage(id) : o.kind === "progress" ? inputs.progress(id, "req") : inputs.peerMessage(id, "s", { handlingMode: "Steer" });
              const r = await rt.acceptInputWithCompletion("s", input).catch((e: unknown) => (ignoreTyped(e), null));
              if (r !== null && r.completion !== undefined) {
                const list: CompletionOutcome[] = [];
                settled.set(id, list);
                waits.push(r.completion.then((c) => void list.push(c)));
              }
              break;
            }
            case "complete":
              run?.complete({ result: "ok" });
              break;
            case "fail":
              run?.fail(new Error("boom"));
              break;
            case "boundaryThenFail":
              if (run !== undefined) await run.ctx.reportBoundary().then(() => run.fail(new Error("late")), () => undefined);
              break;
            case "cancel":
              await rt.cancelAfterBoundary("s").catch(ignoreTyped);
              break;
            case "interrupt":
              await rt.interrupt("s").then(() => run?.fail(run.ctx.signal.reason), ignoreTyped);
              break;
            case "wake":
              rt.wake("s");
              break;
            case "retire":
              await rt.retire("s").catch(ignoreTyped);
              break;
            case "reset":
              await rt.reset("s").catch(ignoreTyped);
              break;
            case "stop": {
              const stopping = rt.stopRuntimeExecutor("s").catch(ignoreTyped);
              await flush(2);
              take();
              await flush(1);
              for (const r of live) r.complete();
              await stopping;
              break;
            }
            case "recycle":
              await rt.recycle("s").catch(ignoreTyped);
              break;
          }
          await flush(2);
        }
        // Finish: settle whatever runs, then destroy the session; nothing may be left waiting.
        take();
        await flush(2);
        for (const r of live) r.complete();
        await flush(2);
        await rt.destroy("s").catch(ignoreTyped);
        take();
        await flush(2);
        for (const r of live) r.complete();
        await Promise.all(waits);
        expect(rt.snapshot("s").waiters).toBe(0);
        for (const [id, outcomes] of settled) {
          expect(outcomes).toHaveLength(1);
          const terminal = events.filter((e) => "inputId" in e && e.inputId === id && (e.type === "input.consumed" || e.type === "input.abandoned" || e.type === "input.superseded" || e.type === "input.coalesced"));
          expect(terminal.length).toBeLessThanOrEqual(1);
          const outcome = outcomes[0]!;
          const t = terminal[0];
          if (t?.type === "input.consumed") expect(["Completed", "CompletedWithoutResult"]).toContain(outcome.kind);
          if (t?.type === "input.abandoned") expect(["Cancelled", "Abandoned", "RuntimeTerminated"]).toContain(outcome.kind);
          if (t?.type === "input.coalesced") expect(outcome.kind).toBe("Coalesced");
        }
      }),
      { numRuns: 100 },
    );
  });
});

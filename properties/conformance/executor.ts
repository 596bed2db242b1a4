// The conformance executor: testing/index.ts's ScriptedExecutor (the test settles every run by
// hand), plus the reaction to a hard interrupt that a real executor has: with abortMode "reject" a
// run rejects with the abort reason as soon as its signal fires ("hang until cancelled"); with
// "ignore" it keeps going until the test settles it. `detached` models a crash: nothing reacts.

import type { ApplyContext, RunOutput, RunPrimitive } from "../../runtime/index.js";
import type { RunId } from "../../runtime/input.js";
import { ScriptedExecutor, type ScriptedRun } from "../../testing/index.js";

/** An error the executor throws on purpose (so the property can tell it from a runtime error). */
export class ExecutorFailure extends Error {
  override readonly name = "ExecutorFailure";
}

export class ConformanceExecutor extends ScriptedExecutor {
  abortMode: "reject" | "ignore" = "reject";
  detached = false;
  /** Sees every apply call, before the runtime awaits it. */
  onCall: ((run: ScriptedRun) => void) | null = null;
  /** Sees a run rejected by its abort signal. */
  onAbortReject: ((run: ScriptedRun) => void) | null = null;

  override apply(runId: RunId, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput | void> {
    const promise = super.apply(runId, primitive, ctx);
    const run = this.calls[this.calls.length - 1]!;
    this.watchAbort(ctx, () => {
      this.onAbortReject?.(run);
      run.fail(ctx.signal.reason);
    });
    this.onCall?.(run);
    return promise;
  }

  /** Installs the interrupt reaction on a run's context (also used for acceptInputAndRun's op). */
  watchAbort(ctx: ApplyContext, reject: () => void): void {
    ctx.signal.addEventListener(
      "abort",
      () => {
        if (!this.detached && this.abortMode === "reject") reject();
      },
      { once: true },
    );
  }
}

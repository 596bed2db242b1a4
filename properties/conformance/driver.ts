// Drives the reference model and the real runtime with the same steps and compares them after each
// one: the projection (snapshots, ops registries, executor calls in flight, every call's outcome so
// far, every completion), and the machine invariants and
// domains on the runtime's own state.

import { createHash } from "node:crypto";
import { HangError, withDeadline } from "./deadline.js";
import { sessionProblems } from "./domains.js";
import { ModelError, ReferenceModel } from "./model.js";
import { conformancePolicy } from "./policy.js";
import { diff, projectModel, type Projection } from "./projection.js";
import { showStep, type Step } from "./steps.js";
import type { World } from "./world.js";

/** The runtime disagrees with the model (or broke an invariant, or an obligation). */
export class ConformanceError extends Error {
  override readonly name = "ConformanceError";
  constructor(
    readonly reason: string,
    readonly trace: readonly string[],
    readonly details: readonly string[],
  ) {
    super(`${reason}\n  after: ${trace.length === 0 ? "(no step)" : trace.map((t, i) => `\n    ${i + 1}. ${t}`).join("")}\n  differences:\n${details.map((d) => `    ${d}`).join("\n")}`);
  }
}

const STEP_DEADLINE_MS = 10_000;

export interface DriverOptions {
  /** Called with a digest of every runtime state reached (distinct-state counting). */
  readonly onState?: (digest: string) => void;
}

export class Driver {
  readonly model: ReferenceModel;
  readonly trace: string[] = [];
  /** Per restart: how many events came before it, and the inputs live then (JSON [session, input]). */
  readonly restartLive: { seq: number; live: Set<string> }[] = [];
  steps = 0;

  constructor(
    readonly names: readonly string[],
    readonly world: World,
    readonly options: DriverOptions = {},
  ) {
    this.model = new ReferenceModel(names, conformancePolicy, world.store !== null ? new Map() : null);
  }

  fail(reason: string, details: readonly string[]): never {
    throw new ConformanceError(reason, this.trace, details);
  }

  /** One step on both sides, then the comparison. */
  async run(step: Step): Promise<void> {
    const handle = ++this.steps;
    this.trace.push(showStep(step));
    const c = this.model.concrete(step);
    try {
      if (step.op === "restart") {
        const live = new Set<string>();
        for (const sm of this.model.sessions.values()) for (const id of sm.state.inputs.keys()) live.add(JSON.stringify([sm.id, id]));
        this.restartLive.push({ seq: this.world.events.length, live });
        this.model.restart(handle);
      }
      else this.model.apply(step, handle, c);
    } catch (e) {
      if (e instanceof ModelError) this.fail("the reference model failed (a bug in the model)", [e.message]);
      throw e;
    }
    try {
      await withDeadline(this.world.apply(step, c, handle, this.names), STEP_DEADLINE_MS, `the runtime, on step ${showStep(step)},`);
    } catch (e) {
      if (e instanceof HangError) this.fail(e.message, []);
      throw e;
    }
    await this.compare();
  }

  async compare(): Promise<void> {
    const expected = projectModel(this.model);
    const actual = this.world.project();
    const d = diff(expected, actual);
    if (d.length > 0) this.fail("the runtime's observable state differs from the model's", d);
    this.#invariants(actual);
    this.options.onState?.(digest(actual));
  }

  #invariants(p: Projection): void {
    const broken = sessionProblems(this.world.rt);
    for (const [w, slot] of this.world.waiters) if (slot.resolutions > 1) broken.push(`waiter ${w} resolved ${slot.resolutions} times`);
    for (const [h, st] of p.handles) if (st.state === "error" && st.code.startsWith("untyped:")) broken.push(`step ${h} failed with an untyped error: ${st.code}`);
    if (broken.length > 0) this.fail("an invariant does not hold", broken);
  }
}

/** A digest of the runtime-visible lifecycle state (snapshots and ops registries), for distinct-state counts. */
export function digest(p: Projection): string {
  const text = JSON.stringify([p.sessions.map((s) => [s.name, s.snapshot, s.ops]), p.calls.length]);
  return createHash("sha1").update(text).digest("base64");
}

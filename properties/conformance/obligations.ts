// End-of-run obligations. After a command sequence the driver drains every session through the
// public API (complete every executor call, register and bind idle sessions, retire attached ones so
// that even inputs that never drive the loop run, wake retired ones), each drain step compared with
// the model like any other. Then: no input is left live, every accepted input has exactly one
// terminal outcome, no input was applied twice, every completion waiter was resolved exactly once.

import type { SessionRuntimeState } from "../../generated/session.machine.js";
import type { RuntimeEvent } from "../../runtime/index.js";
import type { Driver } from "./driver.js";
import type { ReferenceModel } from "./model.js";
import type { Step } from "./steps.js";

const MAX_DRAIN_STEPS = 400;

/** The next step that makes progress towards no live input, or null when there is none left. */
export function nextDrainStep(m: ReferenceModel): Step | null {
  if (m.calls.length > 0) return { op: "complete", call: 0, output: "none" };
  const names = m.sessionNames;
  for (let s = 0; s < names.length; s++) {
    const sm = m.sessions.get(names[s]!);
    if (sm === undefined) {
      // A session the current runtime has not met yet, with live rows stored: registering it recovers them.
      const stored = m.store?.get(names[s]!);
      if (stored !== undefined && [...stored.rows.values()].some((r) => r.live)) return { op: "register", s };
      continue;
    }
    const st = sm.state;
    switch (drainMove(st)) {
      case "register":
        return { op: "register", s };
      case "bind": {
        const runtime = st.boundRuntime === "rt-a" || st.boundRuntime === "rt-b" ? st.boundRuntime : "local";
        return { op: "bind", s, bind: { runtime, fenceDelta: 1, generationDelta: 0 } };
      }
      case "retire":
        return { op: "retire", s, fence: "none" };
      case "wake":
        return sm.pumping ? null : { op: "wake", s };
    }
  }
  return null;
}

/**
 * The public call that moves a session with live work towards none (null: nothing to do, or it
 * must wait): register, bind an idle session under a fresh fence, retire an attached one (so even
 * inputs that never drive the loop run), wake a retired one. The races drain uses it too.
 */
export function drainMove(st: SessionRuntimeState): "register" | "bind" | "retire" | "wake" | null {
  if (st.inputs.size === 0 && !st.stopRequested) return null;
  if (st.phase === "Destroyed" || st.phase === "Stopped" || st.phase === "Running") return null;
  if (!st.registered) return "register";
  if (st.phase === "Idle" || st.phase === "Initializing") return "bind";
  return st.phase === "Attached" ? "retire" : st.phase === "Retired" ? "wake" : null;
}

/** Drains (each step checked against the model), then checks the end-of-run obligations. */
export async function drainAndCheck(driver: Driver): Promise<void> {
  let previous = "";
  for (let i = 0; i < MAX_DRAIN_STEPS; i++) {
    const step = nextDrainStep(driver.model);
    if (step === null) break;
    const key = JSON.stringify(step) + JSON.stringify([...driver.model.sessions.values()].map((s) => [s.state.phase, s.state.inputs.size]));
    if (key === previous && step.op !== "complete") break;
    previous = key;
    await driver.run(step);
  }
  const problems: string[] = [];
  for (const sm of driver.model.sessions.values()) {
    if (sm.state.inputs.size > 0) problems.push(`session ${JSON.stringify(sm.id)} still holds live inputs after draining: ${JSON.stringify([...sm.state.inputs])} (phase ${sm.state.phase})`);
  }
  for (const [w, slot] of driver.world.waiters) {
    if (slot.resolutions !== 1) problems.push(`waiter ${w} (input ${JSON.stringify(slot.inputId)}) was resolved ${slot.resolutions} times`);
  }
  problems.push(...eventObligations(driver.world.events, driver.restartLive, driver.world.normInput));
  if (problems.length > 0) driver.fail("an end-of-run obligation does not hold", problems);
}

/**
 * Per admission (session, input id; a new admission once the previous one of the id is terminal):
 * exactly one terminal event, at most one `input.applied`. `restartLive` lists, per restart, the
 * number of events before it and the inputs live at that moment: their admission continues in the next incarnation (recovery admits
 * them again) or ends there (ephemeral inputs are dropped; stored terminal rows are not re-emitted).
 */
export function eventObligations(
  events: readonly RuntimeEvent[],
  restartLive: readonly { readonly seq: number; readonly live: ReadonlySet<string> }[],
  normInput: (id: string) => string = (id) => id,
): string[] {
  const problems: string[] = [];
  const state = new Map<string, { live: boolean; applied: number; carried: boolean; recovered?: boolean }>();
  let r = 0;
  const restartsBefore = (i: number): void => {
    while (r < restartLive.length && restartLive[r]!.seq <= i) {
      for (const k of restartLive[r]!.live) {
        const a = state.get(k);
        if (a !== undefined && a.live) {
          a.carried = true;
          a.recovered = false;
        }
      }
      r += 1;
    }
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    restartsBefore(i);
    if (!("inputId" in e)) continue;
    const k = JSON.stringify([e.sessionId, normInput(e.inputId)]);
    const a = state.get(k);
    switch (e.type) {
      case "input.accepted":
        if (a !== undefined && a.live && !a.carried) problems.push(`${k} accepted again while live (event #${i})`);
        state.set(k, { live: true, applied: 0, carried: false, recovered: false });
        break;
      case "input.recovered":
        // Recovery re-admits an input that was live at a restart: its admission continues.
        // A recovery whose call was then refused is dropped whole (the session is forgotten) and runs
        // again at the next call, so an input may be recovered twice after one restart.
        if (a !== undefined && a.live && (a.carried || a.recovered === true)) {
          a.carried = false;
          a.recovered = true;
        } else problems.push(`${k} recovered, but it was not live at a restart (event #${i})`);
        break;
      case "input.applied":
        if (a === undefined || !a.live) problems.push(`${k} applied while not live (event #${i})`);
        else if (++a.applied > 1) problems.push(`${k} applied twice (event #${i})`);
        break;
      case "input.consumed":
      case "input.superseded":
      case "input.coalesced":
      case "input.abandoned":
        if (a === undefined || !a.live) problems.push(`${k} got a second terminal outcome ${e.type} (event #${i})`);
        else a.live = false;
        break;
      default:
        break;
    }
  }
  restartsBefore(Number.POSITIVE_INFINITY);
  for (const [k, a] of state) if (a.live && !a.carried) problems.push(`${k} never reached a terminal outcome`);
  return problems;
}

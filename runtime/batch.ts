// Batch selection (upstream §5.2), a pure function of the machine state and the ledger. The machine
// stages only from the head of the drain source (the steer lane when it has work, else the queue
// lane), so a batch is always a prefix of that lane.

import type { SessionRuntimeState } from "../generated/session.machine.js";
import type { ExecutionKind, InputId } from "./input.js";
import type { InputLedger, InputRecord } from "./ledger.js";
import type { Boundary } from "./policy.js";

export interface Batch {
  readonly ids: readonly InputId[];
  readonly boundary: Boundary;
  readonly executionKind: ExecutionKind;
}

export const MAX_BATCH = 256;

/**
 * The next batch, or null when nothing may run: no input drives the loop, or the head of the drain
 * source failed during this loop pass (`blocked`: it waits for the next wake instead of spinning).
 * A retired session drains everything it holds: no new input could ever drive it.
 */
export function selectBatch(s: SessionRuntimeState, ledger: InputLedger, blocked: { has(id: InputId): boolean }): Batch | null {
  const draining = s.phase === "Retired";
  const steering = s.steer.length > 0;
  const lane = steering ? s.steer : s.queue;
  const head = lane[0];
  if (head === undefined || blocked.has(head)) return null;
  const first = ledger.get(head);
  if (first === undefined) return null;
  if (!draining && !anyDriver(s.steer, ledger) && !anyDriver(s.queue, ledger)) return null;
  const ids: InputId[] = [head];
  if (first.kind !== "prompt") {
    if (steering) takeSteerPrefix(lane, ledger, first, blocked, ids);
    else takeQueuePrefix(lane, ledger, first, blocked, ids);
  }
  return { ids, boundary: first.boundary, executionKind: first.executionKind };
}

function anyDriver(lane: readonly InputId[], ledger: InputLedger): boolean {
  for (const id of lane) if (ledger.get(id)?.drives === true) return true;
  return false;
}

function compatible(a: InputRecord, b: InputRecord): boolean {
  return a.executionKind === b.executionKind && a.applyIntent === b.applyIntent;
}

/** Steer: the maximal prefix sharing boundary, execution kind and apply intent; a prompt ends it. */
function takeSteerPrefix(lane: readonly InputId[], ledger: InputLedger, first: InputRecord, blocked: { has(id: InputId): boolean }, ids: InputId[]): void {
  for (let i = 1; i < lane.length && ids.length < MAX_BATCH; i++) {
    const id = lane[i]!;
    const r = ledger.get(id);
    if (r === undefined || blocked.has(id) || r.kind === "prompt" || r.boundary !== first.boundary || !compatible(r, first)) return;
    ids.push(id);
  }
}

/**
 * Queue: from the head while execution kind and apply intent match. A non-prompt driver never
 * absorbs a prompt; a prompt driver ends the batch once it is included; at most one prompt.
 */
function takeQueuePrefix(lane: readonly InputId[], ledger: InputLedger, first: InputRecord, blocked: { has(id: InputId): boolean }, ids: InputId[]): void {
  let driverAt = -1;
  for (let i = 0; i < lane.length; i++) {
    if (ledger.get(lane[i]!)?.drives === true) {
      driverAt = i;
      break;
    }
  }
  const driverIsPrompt = driverAt >= 0 && ledger.get(lane[driverAt]!)?.kind === "prompt";
  for (let i = 1; i < lane.length && ids.length < MAX_BATCH; i++) {
    const id = lane[i]!;
    const r = ledger.get(id);
    if (r === undefined || blocked.has(id) || !compatible(r, first)) return;
    if (r.kind === "prompt") {
      if (driverIsPrompt && i === driverAt) ids.push(id);
      return;
    }
    ids.push(id);
  }
}

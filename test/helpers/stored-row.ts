// A stored input row for store tests that write rows directly (no runtime in between).

import { inputs } from "../../testing/index.js";
import type { StoredInputRow } from "../../runtime/store.js";

export const storedRow = (id: string, phase: StoredInputRow["phase"] = "Queued"): StoredInputRow => ({
  inputId: id,
  kind: "prompt",
  durability: "Durable",
  phase,
  lane: "Queue",
  attempts: 0,
  lastRunId: null,
  terminal: null,
  idempotencyKey: null,
  input: inputs.prompt(id),
  decision: { applyMode: "StageRunStart", wakeMode: "WakeIfIdle", queueMode: "Fifo", consumePoint: "OnRunComplete", drainPolicy: "QueueNextTurn", routingDisposition: "Queue", recordTranscript: true, emitOperatorContent: true, policyVersion: 1, lane: "Queue", admission: "WakeIfIdle", enqueueFront: false, consumeOnAccept: false } as unknown as StoredInputRow["decision"],
  updatedAt: Date.now(),
});

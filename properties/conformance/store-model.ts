// What a store-backed runtime must have written, per the store contract (runtime/README.md "Store"
// and runtime/store.ts): the row of a newly admitted input before the ack, the contributors' rows
// and a receipt at each boundary, the changed rows and the coarse phase at every other persisted
// transition. Ephemeral inputs are never written; a run in flight is stored as its return phase.

import { TERMINAL_INPUT_PHASES, TRIGGER_PERSISTENCE } from "../../generated/session.machine.js";
import type { InputPhase, Lane, Phase, SessionRuntimeState, SessionRuntimeTrigger } from "../../generated/session.machine.js";
import type { Input, PolicyDecision } from "../../runtime/index.js";
import type { OpsSnapshotModel } from "./model-ops.js";

export type PersistedPhase = "Initializing" | "Idle" | "Retired" | "Stopped" | "Destroyed";

export function persistedPhaseOf(phase: Phase, runFrom: Phase | null): PersistedPhase {
  if (phase === "Attached") return "Idle";
  if (phase === "Running") return runFrom === "Retired" ? "Retired" : "Idle";
  return phase;
}

export interface ModelRow {
  readonly phase: InputPhase;
  readonly lane: Lane | null;
  readonly attempts: number;
  readonly lastRunId: string | null;
  readonly terminal: string | null;
  readonly idempotencyKey: string | null;
  readonly input: Input;
  readonly decision: PolicyDecision;
}

/** The admission facts the store needs of a live input. */
export type Payloads = ReadonlyMap<string, { readonly input: Input; readonly decision: PolicyDecision }>;

export interface SessionRows {
  phase: PersistedPhase | null;
  readonly rows: Map<string, ModelRow>;
  /** Run id → contributors of its receipts. */
  readonly receipts: Map<string, Set<string>>;
  /** The newest binding granted (runtime, fence, generation), written before a binding is acknowledged. */
  binding: { readonly runtime: string; readonly fence: number; readonly generation: number } | null;
}

/** Triggers the runtime does not persist (stage and apply are rebuilt by recovery): the spec's transient triggers. */
const NOT_PERSISTED: ReadonlySet<string> = new Set<string>(Object.entries(TRIGGER_PERSISTENCE).filter(([, c]) => c === "transient").map(([k]) => k));

const TERMINAL: ReadonlySet<InputPhase> = TERMINAL_INPUT_PHASES;

export class StoreModel {
  readonly sessions = new Map<string, SessionRows>();
  /** The ops registry snapshots (replaced whole on every write). */
  readonly opsSnapshots = new Map<string, OpsSnapshotModel>();

  #rows(sid: string): SessionRows {
    let s = this.sessions.get(sid);
    if (s === undefined) this.sessions.set(sid, (s = { phase: null, rows: new Map(), receipts: new Map(), binding: null }));
    return s;
  }

  /** Called by the model for every committed transition, with the live inputs' payloads. */
  persist(sid: string, trigger: SessionRuntimeTrigger, base: SessionRuntimeState, next: SessionRuntimeState, payloads: Payloads): void {
    if (NOT_PERSISTED.has(trigger.kind)) return;
    const row = (id: string, runId: string | null): ModelRow | null => rowOf(next, id, runId, payloads);
    const write = (id: string, runId: string | null): void => {
      const r = row(id, runId);
      if (r !== null) this.#rows(sid).rows.set(id, r);
    };
    switch (trigger.kind) {
      case "AcceptInput":
      case "AcceptConsumed":
        write(trigger.input, null);
        return;
      case "PrepareBindings":
        if (next.highestFence === base.highestFence && next.boundGeneration === base.boundGeneration && next.boundRuntime === base.boundRuntime) return;
        if (next.highestFence !== null && next.boundRuntime !== null) this.#rows(sid).binding = { runtime: next.boundRuntime, fence: next.highestFence, generation: next.boundGeneration };
        return;
      case "BoundaryCommitted": {
        const s = this.#rows(sid);
        let set = s.receipts.get(trigger.run);
        if (set === undefined) s.receipts.set(trigger.run, (set = new Set()));
        for (const id of next.staged) {
          set.add(id);
          write(id, trigger.run);
        }
        return;
      }
      default: {
        const changed: string[] = [];
        for (const [id, phase] of next.inputs) if (base.inputs.get(id) !== phase) changed.push(id);
        const phase = persistedPhaseOf(next.phase, next.runFrom);
        if (changed.length === 0 && phase === persistedPhaseOf(base.phase, base.runFrom)) return;
        this.#rows(sid).phase = phase;
        for (const id of changed) write(id, base.currentRun);
      }
    }
  }

  /** The staged rows, written before the executor runs (their attempts included); nothing if all are ephemeral. */
  persistStaging(sid: string, s: SessionRuntimeState, runId: string, payloads: Payloads): void {
    const rows = s.staged.map((id) => [id, rowOf(s, id, runId, payloads)] as const).filter((r): r is readonly [string, ModelRow] => r[1] !== null);
    if (rows.length === 0) return;
    this.commitRows(sid, persistedPhaseOf(s.phase, s.runFrom), rows);
  }

  /** atomicLifecycleCommit: the coarse phase and the given rows. */
  commitRows(sid: string, phase: PersistedPhase, rows: readonly (readonly [string, ModelRow])[]): void {
    const s = this.#rows(sid);
    s.phase = phase;
    for (const [id, r] of rows) s.rows.set(id, r);
  }

  /** Whether any run of the session holds a receipt naming the input. */
  committed(sid: string, runId: string | null, id: string): boolean {
    if (runId === null) return false;
    return this.sessions.get(sid)?.receipts.get(runId)?.has(id) === true;
  }
}

/** The row of one input in state `s` (null: ephemeral or unknown). */
export function rowOf(s: SessionRuntimeState, id: string, runId: string | null, payloads: Payloads): ModelRow | null {
  const p = payloads.get(id);
  const phase = s.inputs.get(id);
  if (p === undefined || phase === undefined || p.input.header.durability === "Ephemeral") return null;
  return {
    phase,
    lane: s.laneOf.get(id) ?? null,
    attempts: s.attempts.get(id) ?? 0,
    lastRunId: runId ?? s.currentRun,
    terminal: TERMINAL.has(phase) ? terminalOf(s, id) : null,
    idempotencyKey: p.input.header.idempotencyKey ?? null,
    input: p.input,
    decision: p.decision,
  };
}

/** The stored terminal outcome: the phase, with the reason of an abandon. */
function terminalOf(s: SessionRuntimeState, id: string): string {
  const phase = s.inputs.get(id);
  return phase === "Abandoned" ? `Abandoned(${s.abandoned.get(id) ?? "Cancelled"})` : phase === "Superseded" || phase === "Coalesced" ? phase : "Consumed";
}

// The input ledger (upstream `input_ledger.rs`): payloads, policy snapshots and idempotency keys of
// the inputs a session tracks, plus the terminal outcomes of keyed inputs for dedup. It holds no
// lifecycle truth: phases, lanes and attempts are read from the machine.

import type { ApplyIntent, ExecutionKind, Input, InputId, InputKind, RunId } from "./input.js";
import type { Boundary, PolicyDecision } from "./policy.js";
import type { AbandonReason } from "../generated/session.machine.js";

export interface InputRecord {
  readonly input: Input;
  readonly kind: InputKind;
  readonly decision: PolicyDecision;
  /** May start a run by itself (upstream §4.5, resolved as if the runtime were idle; see README). */
  readonly drives: boolean;
  readonly boundary: Boundary;
  readonly executionKind: ExecutionKind;
  readonly applyIntent: ApplyIntent;
  readonly acceptedAt: number;
}

export type InputTerminalOutcome =
  | { readonly kind: "Consumed"; readonly runId: RunId | null }
  | { readonly kind: "Superseded"; readonly by: InputId }
  | { readonly kind: "Coalesced"; readonly into: InputId }
  | { readonly kind: "Abandoned"; readonly reason: AbandonReason };

interface TerminalKey {
  readonly inputId: InputId;
  readonly outcome: InputTerminalOutcome;
  readonly at: number;
}

export type KeyLookup =
  | { readonly found: false }
  | { readonly found: true; readonly inputId: InputId; readonly live: true }
  | { readonly found: true; readonly inputId: InputId; readonly live: false; readonly outcome: InputTerminalOutcome };

export interface DedupRetention {
  /** Terminal keys kept at most (oldest pruned first). */
  readonly maxTerminalKeys: number;
  /** Terminal keys older than this are pruned (ms). */
  readonly terminalKeyTtlMs: number;
}

const NO_RECORDS: ReadonlyMap<InputId, InputRecord> = new Map();
const NO_KEYS: ReadonlyMap<string, InputId> = new Map();
const NO_TERMINAL_KEYS: ReadonlyMap<string, TerminalKey> = new Map();

/**
 * Its maps are allocated on first use, so an idle session costs almost nothing. Keys are looked up
 * by key, never through an input id: once an input is terminal its id may be reused by an unrelated
 * input, and a duplicate of the old key must still see the old, terminal owner.
 */
export class InputLedger {
  #recordMap: Map<InputId, InputRecord> | null = null;
  /** Idempotency key → the live input that owns it. */
  #keyMap: Map<string, InputId> | null = null;
  /** Idempotency key → its terminal owner; insertion order is terminal order, so the oldest come first. */
  #terminalMap: Map<string, TerminalKey> | null = null;

  get #records(): Map<InputId, InputRecord> {
    return (this.#recordMap ??= new Map());
  }
  get #keys(): Map<string, InputId> {
    return (this.#keyMap ??= new Map());
  }
  get #terminalKeyed(): Map<string, TerminalKey> {
    return (this.#terminalMap ??= new Map());
  }

  get(id: InputId): InputRecord | undefined {
    return (this.#recordMap ?? NO_RECORDS).get(id);
  }

  get liveCount(): number {
    return this.#recordMap?.size ?? 0;
  }

  lookupKey(key: string): KeyLookup {
    const liveId = (this.#keyMap ?? NO_KEYS).get(key);
    if (liveId !== undefined) return { found: true, inputId: liveId, live: true };
    const t = (this.#terminalMap ?? NO_TERMINAL_KEYS).get(key);
    if (t === undefined) return { found: false };
    return { found: true, inputId: t.inputId, live: false, outcome: t.outcome };
  }

  admit(id: InputId, record: InputRecord): void {
    this.#records.set(id, record);
    const key = record.input.header.idempotencyKey;
    if (key !== undefined) {
      // A new owner of a pruned-or-terminal key replaces the terminal entry.
      this.#terminalMap?.delete(key);
      this.#keys.set(key, id);
    }
  }

  /** Forgets an input that was never admitted by the machine (its admission was restored). */
  unadmit(id: InputId): void {
    const record = this.#recordMap?.get(id);
    if (record === undefined) return;
    this.#records.delete(id);
    const key = record.input.header.idempotencyKey;
    if (key !== undefined && this.#keyMap?.get(key) === id) this.#keyMap.delete(key);
    this.#compact();
  }

  /** The input reached its terminal outcome: drop its payload, keep its key for dedup. */
  terminate(id: InputId, outcome: InputTerminalOutcome, now: number): void {
    const record = this.#recordMap?.get(id);
    if (record === undefined) return;
    this.#records.delete(id);
    const key = record.input.header.idempotencyKey;
    if (key !== undefined && this.#keyMap?.get(key) === id) {
      this.#keyMap.delete(key);
      this.#terminalKeyed.set(key, { inputId: id, outcome, at: now });
    }
    this.#compact();
  }

  /** Recovery: a stored terminal input's idempotency key, so a retried submission is deduplicated. */
  restoreTerminal(id: InputId, key: string, outcome: InputTerminalOutcome, at: number): void {
    if (this.#keyMap?.has(key) === true) return;
    const old = this.#terminalMap?.get(key);
    // The newer terminal wins, as on the live path where a new admission takes the key over.
    if (old !== undefined && old.at > at) return;
    this.#terminalKeyed.delete(key);
    this.#terminalKeyed.set(key, { inputId: id, outcome, at });
  }

  /** An idle session gives its empty maps back. */
  #compact(): void {
    if (this.#recordMap !== null && this.#recordMap.size === 0) this.#recordMap = null;
    if (this.#keyMap !== null && this.#keyMap.size === 0) this.#keyMap = null;
    if (this.#terminalMap !== null && this.#terminalMap.size === 0) this.#terminalMap = null;
  }

  /** Lazily prunes terminal keys (upstream: on the next keyed accept). Live keys are never pruned. */
  prune(now: number, retention: DedupRetention): void {
    if (this.#terminalMap === null || this.#terminalMap.size === 0) return;
    let excess = this.#terminalMap.size - retention.maxTerminalKeys;
    for (const [key, t] of this.#terminalMap) {
      if (excess <= 0 && now - t.at <= retention.terminalKeyTtlMs) break;
      this.#terminalMap.delete(key);
      excess -= 1;
    }
    this.#compact();
  }

  get terminalKeyCount(): number {
    return this.#terminalMap?.size ?? 0;
  }
}

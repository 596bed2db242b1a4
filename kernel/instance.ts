// One machine state, owned. Every change is stage → (caller performs its side effect) → commit,
// or restore when the side effect failed, so a half-applied transition can never be observed.

import { fromJson, show, toJson, type DecodeProblem, type JsonValue } from "./codec.js";
import type { FieldDesc, MachineKernel, PhaseOf } from "./descriptor.js";
import { invariantChecker, type InvariantChecker } from "./invariants.js";
import type { Fired, Refusal } from "./result.js";
import { stateLayout } from "./state-layout.js";
import type { Value } from "./types.js";

export interface Staged<S, TName extends string, E> {
  readonly ok: true;
  readonly base: S;
  readonly fired: Fired<S, TName, E>;
}

export interface InvariantBroken {
  readonly ok: false;
  readonly code: "InvariantViolated";
  readonly transition: string;
  readonly invariants: readonly string[];
}

/** `G`, `P`: the machine's guard and phase names, so a refusal is typed as exactly as the kernel's. */
export type StageOutcome<S, TName extends string, E, G extends string = string, P extends string = string> =
  | Staged<S, TName, E>
  | Refusal<TName, G, P>
  | InvariantBroken;

export interface Snapshot {
  readonly machine: string;
  readonly version: number;
  readonly state: { readonly [key: string]: JsonValue };
}

/** Thrown only for programming errors in the caller (committing a stale or foreign stage). */
export class StageMisuseError extends Error {
  readonly code = "StageMisuse";
}

export class SnapshotRejectedError extends Error {
  readonly code = "SnapshotRejected";
  constructor(
    readonly machine: string,
    readonly problems: readonly DecodeProblem[],
  ) {
    super(`snapshot of ${machine} rejected:\n${problems.map((p) => `  ${p.pointer || "/"}: ${p.message}`).join("\n")}`);
  }
}

export interface InstanceOptions {
  /**
   * Check every invariant on each staged state (default true). Incremental and exact: after the
   * first check, only the invariants reading a field the transition changed are evaluated (see
   * kernel/invariants.ts).
   */
  readonly checkInvariants?: boolean;
}

export class MachineInstance<S extends { readonly phase: string }, T, E, TName extends string, G extends string = string> {
  #state: S;
  #pending: Staged<S, TName, E> | null = null;
  /** Null when invariant checks are off. */
  readonly #invariants: InvariantChecker<S> | null;
  /**
   * The current state is known to satisfy every invariant (it passed the check when it was
   * staged), so the next check evaluates only the invariants whose fields the transition changed.
   * A state handed to the constructor is not assumed to: the first check evaluates them all.
   */
  #verified = false;
  /**
   * Re-lays out each new state as a literal of its fields, so the next transition copies it fast
   * (kernel/state-layout.ts); null when the kernel's transitions already build states that way.
   */
  readonly #layout: ((s: S) => S) | null;

  constructor(
    readonly kernel: MachineKernel<S, T, E, TName, G>,
    state: S = kernel.initialState(),
    options: InstanceOptions = {},
  ) {
    // The given state is kept as is (an idle instance shares its initial state); states it moves to are re-laid out.
    this.#layout = kernel.laidOutStates === true ? null : stateLayout<S>(kernel.fields);
    this.#state = state;
    this.#invariants = (options.checkInvariants ?? true) ? invariantChecker(kernel) : null;
  }

  get state(): S {
    return this.#state;
  }

  get phase(): string {
    return this.#state.phase;
  }

  /** Computes the next state without adopting it. At most one stage may be pending. */
  stage(trigger: T): StageOutcome<S, TName, E, G, PhaseOf<S>> {
    const result = this.#next(trigger);
    if (!result.ok) return result;
    const staged: Staged<S, TName, E> = { ok: true, base: this.#state, fired: result };
    this.#pending = staged;
    return staged;
  }

  /** The checked, re-laid-out transition from the current state (nothing adopted). */
  #next(trigger: T): Fired<S, TName, E> | Refusal<TName, G, PhaseOf<S>> | InvariantBroken {
    if (this.#pending !== null) {
      throw new StageMisuseError(`${this.kernel.machine}: a staged transition is still pending; commit or restore it first`);
    }
    const computed = this.kernel.transition(this.#state, trigger);
    if (!computed.ok) return computed;
    // An unchanged state stays the very same object (callers compare states by identity).
    const layout = this.#layout;
    const result: Fired<S, TName, E> =
      layout === null || computed.state === this.#state
        ? computed
        : { ok: true, transition: computed.transition, state: layout(computed.state), effects: computed.effects };
    if (this.#invariants !== null) {
      const broken = this.#invariants.broken(this.#verified ? this.#state : null, result.state);
      if (broken !== null) return { ok: false, code: "InvariantViolated", transition: result.transition, invariants: broken };
    }
    return result;
  }

  commit(staged: Staged<S, TName, E>): Fired<S, TName, E> {
    this.#expectPending(staged);
    this.#state = staged.fired.state;
    this.#verified = this.#invariants !== null;
    this.#pending = null;
    return staged.fired;
  }

  restore(staged: Staged<S, TName, E>): void {
    this.#expectPending(staged);
    this.#pending = null;
  }

  /** Stage and commit in one step, for transitions with no side effect to perform in between. */
  apply(trigger: T): Fired<S, TName, E> | Refusal<TName, G, PhaseOf<S>> | InvariantBroken {
    const result = this.#next(trigger);
    if (!result.ok) return result;
    this.#state = result.state;
    this.#verified = this.#invariants !== null;
    return result;
  }

  snapshot(): Snapshot {
    return { machine: this.kernel.machine, version: this.kernel.version, state: encodeState(this.kernel.fields, this.#state) };
  }

  /** Rebuilds an instance from a snapshot, refusing any snapshot that is malformed or breaks an invariant. */
  static recover<S extends { readonly phase: string }, T, E, TName extends string, G extends string = string>(
    kernel: MachineKernel<S, T, E, TName, G>,
    snapshot: unknown,
    options: InstanceOptions = {},
  ): MachineInstance<S, T, E, TName, G> {
    const state = decodeState(kernel, snapshot);
    return new MachineInstance(kernel, state, options);
  }

  #expectPending(staged: Staged<S, TName, E>): void {
    if (this.#pending !== staged) {
      throw new StageMisuseError(`${this.kernel.machine}: this staged transition is not the pending one`);
    }
  }
}

export function encodeState(fields: readonly FieldDesc[], state: { readonly phase: string }): { [key: string]: JsonValue } {
  const record = state as unknown as Readonly<Record<string, Value>>;
  const out: { [key: string]: JsonValue } = { phase: state.phase };
  for (const f of fields) out[f.name] = toJson(f.type, record[f.name] as Value);
  return out;
}

export function decodeState<S extends { readonly phase: string }>(kernel: MachineKernel<S, unknown, unknown, string>, snapshot: unknown): S {
  const problems: DecodeProblem[] = [];
  if (typeof snapshot !== "object" || snapshot === null) throw new SnapshotRejectedError(kernel.machine, [{ pointer: "", message: `expected an object, got ${show(snapshot)}` }]);
  const snap = snapshot as Record<string, unknown>;
  if (snap["machine"] !== kernel.machine) problems.push({ pointer: "/machine", message: `expected "${kernel.machine}", got ${show(snap["machine"])}` });
  if (snap["version"] !== kernel.version) problems.push({ pointer: "/version", message: `expected version ${kernel.version}, got ${show(snap["version"])}` });
  const raw = snap["state"];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    problems.push({ pointer: "/state", message: `expected an object, got ${show(raw)}` });
    throw new SnapshotRejectedError(kernel.machine, problems);
  }
  const json = raw as Record<string, unknown>;
  if (typeof json["phase"] !== "string" || !(kernel.phases as readonly string[]).includes(json["phase"])) {
    problems.push({ pointer: "/state/phase", message: `expected one of ${kernel.phases.join(", ")}, got ${show(json["phase"])}` });
  }
  const state: Record<string, Value> = { phase: json["phase"] as string };
  for (const f of kernel.fields) {
    if (!Object.prototype.hasOwnProperty.call(json, f.name)) {
      problems.push({ pointer: `/state/${f.name}`, message: "missing field" });
      continue;
    }
    state[f.name] = fromJson(f.type, json[f.name], `/state/${f.name}`, problems);
  }
  const known = new Set(["phase", ...kernel.fields.map((f) => f.name)]);
  for (const key of Object.keys(json)) if (!known.has(key)) problems.push({ pointer: `/state/${key}`, message: "unknown field" });
  if (problems.length > 0) throw new SnapshotRejectedError(kernel.machine, problems);
  const typed = state as unknown as S;
  const broken = kernel.invariants.filter((inv) => !inv.holds(typed));
  if (broken.length > 0) {
    throw new SnapshotRejectedError(
      kernel.machine,
      broken.map((inv) => ({ pointer: "/state", message: `invariant ${inv.name} is false (${inv.source})` })),
    );
  }
  return typed;
}

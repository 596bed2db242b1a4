// The seeded workload both sides of the crash test agree on: which sessions exist, which inputs the
// client submits (and retries after a restart), and which control calls it makes. Pure data from a
// seed, so the verifier knows everything the crashed child meant to do.

import type { Input } from "../../runtime/index.js";

export type Step =
  | { readonly kind: "accept"; readonly session: string; readonly input: Input }
  | { readonly kind: "cancelAfterBoundary"; readonly session: string }
  | { readonly kind: "reset"; readonly session: string }
  | { readonly kind: "retire"; readonly session: string }
  | { readonly kind: "op"; readonly session: string; readonly opId: string };

export interface Scenario {
  readonly seed: number;
  readonly sessions: readonly string[];
  readonly steps: readonly Step[];
  /** Chance that one executor application fails (the input goes back to its lane, up to 3 attempts). */
  readonly failureRate: number;
}

/** mulberry32: small, fast and good enough to make workloads reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioOptions {
  readonly sessions?: number;
  readonly inputs?: number;
}

export function scenario(seed: number, options: ScenarioOptions = {}): Scenario {
  const rand = prng(seed);
  const sessions = Array.from({ length: options.sessions ?? 3 }, (_, i) => `s${i}`);
  const steps: Step[] = [];
  const total = options.inputs ?? 24;
  const pick = (): string => sessions[Math.floor(rand() * sessions.length)]!;
  let opCount = 0;
  for (let i = 0; i < total; i++) {
    const session = pick();
    const r = rand();
    const id = `${session}-in${i}`;
    // Every durable input carries an idempotency key, as a retrying client would send.
    const header = { id, durability: "Durable" as const, source: { kind: "Operator" as const }, idempotencyKey: `key-${id}` };
    if (r < 0.6) steps.push({ kind: "accept", session, input: { kind: "prompt", header, text: `prompt ${i}` } });
    else if (r < 0.7) steps.push({ kind: "accept", session, input: { kind: "prompt", header: { id, durability: "Ephemeral", source: { kind: "Operator" } }, text: `ephemeral ${i}` } });
    else if (r < 0.8)
      steps.push({ kind: "accept", session, input: { kind: "peer_message", header: { ...header, source: { kind: "Peer", peerId: "peer" }, handlingMode: "Steer" }, body: `steer ${i}` } });
    else if (r < 0.86) steps.push({ kind: "cancelAfterBoundary", session });
    else if (r < 0.9) steps.push({ kind: "op", session, opId: `op-${opCount++}` });
    else if (r < 0.93) steps.push({ kind: "reset", session });
    else if (r < 0.95) steps.push({ kind: "retire", session });
    else steps.push({ kind: "accept", session, input: { kind: "prompt", header, text: `prompt ${i}` } });
  }
  return { seed, sessions, steps, failureRate: 0.15 };
}

/** Every input the scenario submits, by id. */
export function scenarioInputs(s: Scenario): Map<string, { readonly session: string; readonly input: Input }> {
  const out = new Map<string, { session: string; input: Input }>();
  for (const step of s.steps) if (step.kind === "accept") out.set(step.input.header.id, { session: step.session, input: step.input });
  return out;
}

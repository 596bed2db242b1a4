// Arbitraries for steps. Ids come from small pools (so duplicates, dedup, id reuse after a terminal
// outcome and supersession actually happen) that include `__proto__`, `constructor` and unicode;
// payloads are occasionally huge or exotic. Weights favour admission and executor behaviour, which
// drive the runs; control operations that end a session are rarer so sequences keep going.

import fc from "fast-check";
import type { InputKind, JsonValue } from "../../runtime/index.js";
import { MAX_BATCH } from "../../runtime/batch.js";
import type { BindChoice, InputSpec, OpsCall, Step } from "./steps.js";

export const SESSION_POOLS: readonly (readonly string[])[] = [
  ["s1", "s2"],
  ["__proto__", "s"],
  ["constructor", "séance-🦀"],
];

const INPUT_IDS = ["i1", "i2", "i3", "i4", "__proto__", "constructor", "ü-🦀"] as const;
const KEYS = ["k1", "k2", "__proto__"] as const;
const OP_IDS = ["o1", "__proto__"] as const;

/** How often each input kind is generated (a Record over the generated InputKind, so a new kind needs a weight to compile). */
const KIND_WEIGHTS: Readonly<Record<InputKind, number>> = {
  prompt: 5, peer_message: 3, peer_request: 2, peer_response_progress: 3, peer_response_terminal: 1, flow_step: 3, external_event: 1, continuation: 2, operation: 1,
};
const KINDS = Object.entries(KIND_WEIGHTS).map(([kind, weight]) => ({ arbitrary: fc.constant(kind as InputKind), weight }));

/** Large or exotic payload text (rare). */
const text: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 20 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.constant("🦀".repeat(50_000)), weight: 1 },
  { arbitrary: fc.constant("\u0000\u202e\ud83d\ude00 __proto__"), weight: 1 },
);

/** `arb` with probability `percent`/100, else undefined. */
function optional<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary: arb, weight: percent });
}

export const inputSpec: fc.Arbitrary<InputSpec> = fc
  .record({
    kind: fc.oneof(...KINDS),
    id: fc.constantFrom(...INPUT_IDS),
    durability: fc.oneof(
      { arbitrary: fc.constant("Durable" as const), weight: 6 },
      { arbitrary: fc.constant("Ephemeral" as const), weight: 2 },
      { arbitrary: fc.constant("Derived" as const), weight: 2 },
    ),
    source: fc.oneof(
      { arbitrary: fc.constant("natural" as const), weight: 8 },
      { arbitrary: fc.constant("System" as const), weight: 1 },
      { arbitrary: fc.constant("Operator" as const), weight: 1 },
    ),
    idempotencyKey: optional(fc.constantFrom(...KEYS), 15),
    supersessionKey: optional(fc.constant("x"), 40),
    handlingMode: optional(fc.constantFrom("Queue" as const, "Steer" as const), 25),
    intent: fc.constantFrom("review", "chat"),
    requestId: fc.oneof({ arbitrary: fc.constant("req-1"), weight: 9 }, { arbitrary: fc.constant(" "), weight: 1 }),
    text,
  })
  .map((r) => {
    const spec: { -readonly [K in keyof InputSpec]: InputSpec[K] } = { kind: r.kind, id: r.id, durability: r.durability, source: r.source };
    if (r.idempotencyKey !== undefined) spec.idempotencyKey = r.idempotencyKey;
    if (r.supersessionKey !== undefined) spec.supersessionKey = r.supersessionKey;
    if (r.handlingMode !== undefined) spec.handlingMode = r.handlingMode;
    if (r.kind === "peer_request") spec.intent = r.intent;
    if (r.kind === "peer_response_terminal") spec.requestId = r.requestId;
    if (r.text !== undefined && (r.kind === "prompt" || r.kind === "peer_message" || r.kind === "peer_request")) spec.text = r.text;
    return spec;
  });

const bindChoice: fc.Arbitrary<BindChoice> = fc.record({
  runtime: fc.constantFrom("rt-a" as const, "rt-b" as const, "local" as const),
  fenceDelta: fc.oneof({ arbitrary: fc.constant(0 as const), weight: 3 }, { arbitrary: fc.constant(1 as const), weight: 3 }, { arbitrary: fc.constant(-1 as const), weight: 1 }),
  generationDelta: fc.oneof({ arbitrary: fc.constant(0 as const), weight: 6 }, { arbitrary: fc.constant(1 as const), weight: 1 }, { arbitrary: fc.constant(-1 as const), weight: 1 }),
});

const opId = fc.constantFrom(...OP_IDS);
const opResult: fc.Arbitrary<JsonValue | undefined> = fc.oneof(fc.constant(undefined), fc.constant({ files: 3 }), fc.constant("done ✓"));

const opFn = <F extends "start" | "progress" | "peerReady" | "abort" | "cancel" | "requestRetire" | "markRetired" | "fail" | "watch">(fn: F, weight: number) => ({
  arbitrary: fc.record({ fn: fc.constant(fn), id: opId }),
  weight,
});

export const opsCall: fc.Arbitrary<OpsCall> = fc.oneof(
  { arbitrary: fc.record({ fn: fc.constant("register" as const), id: opId, kind: fc.constantFrom("BackgroundToolOp" as const, "MobMemberChild" as const) }), weight: 6 },
  opFn("start", 5),
  opFn("progress", 1),
  opFn("peerReady", 4),
  opFn("abort", 1),
  opFn("cancel", 1),
  opFn("requestRetire", 2),
  opFn("markRetired", 2),
  opFn("fail", 1),
  opFn("watch", 3),
  { arbitrary: opResult.chain((result) => fc.record({ fn: fc.constant("complete" as const), id: opId }).map((r) => (result === undefined ? r : { ...r, result }))), weight: 4 },
  { arbitrary: fc.constant({ fn: "terminateOwner" as const }), weight: 1 },
  { arbitrary: fc.uniqueArray(opId, { minLength: 1, maxLength: 2 }).chain((ids) => fc.constantFrom(ids, [...ids, ids[0]!])).map((ids) => ({ fn: "waitAll" as const, ids })), weight: 2 },
);

export interface StepWeights {
  /** Include restart steps (needs a store). */
  readonly restart?: boolean;
  /** Many more ops registry calls (covers the ops machine and detached wakes). */
  readonly opsHeavy?: boolean;
  /** More executor failures and restarts (covers recovery of exhausted inputs). */
  readonly crashHeavy?: boolean;
  /** Include flood steps (enough inputs at once to fill a batch past its cap). */
  readonly flood?: boolean;
}

/** Every kind of step, weighted. */
export function stepArbitrary(w: StepWeights = {}): fc.Arbitrary<Step> {
  const s = fc.nat({ max: 1 });
  const call = fc.nat({ max: 3 });
  const fence = fc.constantFrom("none" as const, "current" as const, "stale" as const, "newer" as const);
  const run = fc.oneof({ arbitrary: fc.constant("default" as const), weight: 6 }, { arbitrary: fc.constant("previous" as const), weight: 2 }, { arbitrary: fc.constant("bogus" as const), weight: 1 });
  const all: { arbitrary: fc.Arbitrary<Step>; weight: number }[] = [
    { arbitrary: fc.record({ op: fc.constant("register" as const), s }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("bind" as const), s, bind: bindChoice }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant("bindLocal" as const), s }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant("unregister" as const), s }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("accept" as const), s, mode: fc.constantFrom("plain" as const, "completion" as const, "completion" as const, "withoutWake" as const), input: inputSpec }), weight: 14 },
    { arbitrary: fc.record({ op: fc.constant("acceptAndRun" as const), s, input: inputSpec }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("cancel" as const), s, run }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("interrupt" as const), s, run }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("stop" as const), s }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("retire" as const), s, fence }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("reset" as const), s }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("recycle" as const), s }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("recover" as const), s }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("destroy" as const), s, fence }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("silent" as const), s, intents: fc.constantFrom([], ["review"], ["chat", "review"]) }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("ingest" as const), s, runtime: fc.constantFrom("bound" as const, "other" as const), work: fc.constantFrom("w1", "__proto__") }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("wake" as const), s }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("complete" as const), call, output: fc.constantFrom("none" as const, "result" as const, "callback" as const) }), weight: 8 },
    { arbitrary: fc.record({ op: fc.constant("fail" as const), call, cause: fc.constantFrom("error" as const, "cancelled" as const, "value" as const) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant("boundary" as const), call }), weight: 5 },
    { arbitrary: fc.record({ op: fc.constant("abortMode" as const), mode: fc.constantFrom("reject" as const, "ignore" as const) }), weight: 1 },
  ];
  all.push({ arbitrary: fc.record({ op: fc.constant("ops" as const), s, call: opsCall }), weight: w.opsHeavy === true ? 40 : 8 });
  if (w.flood === true) all.push({ arbitrary: fc.record({ op: fc.constant("flood" as const), s, n: fc.oneof({ arbitrary: fc.constant(3), weight: 6 }, { arbitrary: fc.constant(MAX_BATCH + 1), weight: 1 }) }), weight: 1 });
  if (w.restart === true) all.push({ arbitrary: fc.constant({ op: "restart" as const }), weight: w.crashHeavy === true ? 4 : 1 });
  if (w.crashHeavy === true) all.push({ arbitrary: fc.record({ op: fc.constant("fail" as const), call, cause: fc.constant("error" as const) }), weight: 8 });
  return fc.oneof(...all);
}

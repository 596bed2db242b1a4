// Fuzzing every public entry point: arbitrary and malformed inputs (wrong shapes, huge and unicode
// payloads, ids such as `__proto__`), hostile strings wherever a string goes, in random call
// orders mixed with valid traffic and executor behaviour. After every call:
//   * it either succeeded or threw a typed RuntimeError (a known code); nothing else;
//   * a refused call changed nothing (sessions, machine states, waiters, ops registries);
//   * the machine invariants hold;
// and over the whole run no promise rejected unhandled.

import fc from "fast-check";
import { opsLifecycleKernel } from "../../generated/ops.machine.js";
import { createRuntime, MemoryStore, RuntimeError, type ControlPlane, type JsonValue } from "../../runtime/index.js";
import { inputSpec } from "./arbitraries.js";
import { flush, withDeadline } from "./deadline.js";
import { domainProblems, sessionProblems } from "./domains.js";
import { ConformanceExecutor } from "./executor.js";
import { conformanceLimits } from "./limits.js";
import { conformancePolicy } from "./policy.js";
import { show } from "./projection.js";
import { buildInput } from "./steps.js";

/** One call on the public API; `args` are passed as they are (the fuzzer does not respect the types). */
export interface FuzzCall {
  readonly fn: string;
  readonly args: readonly unknown[];
}

/** Which families of hostile values to generate. */
export interface FuzzFamilies {
  /** Fence and generation numbers outside the spec's domain (negative, fractional, NaN, huge). */
  readonly outOfDomainNumbers?: boolean;
  /** Values that violate the TypeScript signature (null bindings, non-array intents, …). */
  readonly illTyped?: boolean;
}

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom("s1", "s2", "__proto__", "constructor", "toString", "hasOwnProperty", "", " ", "\u0000", "‮rtl", "🦀".repeat(3), "a/b", "epoch:x/run-1"), weight: 6 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }), weight: 3 },
  { arbitrary: fc.constant("x".repeat(200_000)), weight: 1 },
);
const sessionId = fc.oneof({ arbitrary: fc.constantFrom("s1", "s2", "__proto__"), weight: 8 }, { arbitrary: hostileString, weight: 2 });

/** A JSON value with an own `__proto__` key now and then (as JSON.parse builds it). */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"kind":"prompt"}') as unknown),
  fc.anything({ maxDepth: 2, withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
);

/** Ways to break a valid input in one place (each edits the JSON copy, or returns a replacement). */
const BREAKS: Readonly<Record<string, (input: Record<string, unknown>, header: Record<string, unknown>) => unknown>> = {
  "drop-kind": (i) => delete i["kind"],
  "bad-kind": (i) => (i["kind"] = "__proto__"),
  "drop-header": (i) => delete i["header"],
  "header-null": (i) => (i["header"] = null),
  "empty-id": (_, h) => (h["id"] = ""),
  "id-number": (_, h) => (h["id"] = 7),
  "huge-id": (_, h) => (h["id"] = "i".repeat(100_000)),
  "bad-durability": (_, h) => (h["durability"] = "Forever"),
  "extra-field": (i) => (i["extra"] = true),
  "source-wrong": (_, h) => (h["source"] = { kind: "Peer" }),
  "text-number": (i) => (i["text"] = i["body"] = 1),
  "timestamp-negative": (_, h) => (h["timestamp"] = -1),
  "huge-text": (i) => (i["text"] = "🦀".repeat(300_000)),
};

/** Valid inputs broken in one place (or with an own `__proto__` key before the header). */
const brokenInput: fc.Arbitrary<unknown> = fc.tuple(inputSpec, fc.constantFrom(...Object.keys(BREAKS), "proto-key")).map(([spec, how]) => {
  const text = JSON.stringify(buildInput(spec));
  if (how === "proto-key") return JSON.parse(text.replace('"header":', '"__proto__":{"x":1},"header":')) as unknown;
  const input = JSON.parse(text) as Record<string, unknown>;
  BREAKS[how]!(input, input["header"] as Record<string, unknown>);
  return input;
});

const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: inputSpec.map(buildInput), weight: 6 },
  { arbitrary: brokenInput, weight: 4 },
  { arbitrary: jsonish, weight: 2 },
);

const fenceIn = fc.integer({ min: 0, max: 2_147_483_647 });
const fenceOut = fc.constantFrom(-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, -0);

function calls(f: FuzzFamilies): fc.Arbitrary<FuzzCall> {
  const fence = f.outOfDomainNumbers === true ? fc.oneof({ arbitrary: fenceIn, weight: 3 }, { arbitrary: fenceOut, weight: 1 }) : fc.oneof(fc.integer({ min: 0, max: 3 }), fenceIn);
  const generation = f.outOfDomainNumbers === true ? fc.oneof(fc.integer({ min: 0, max: 65_535 }), fenceOut) : fc.integer({ min: 0, max: 65_535 });
  const binding = fc.record({ runtimeId: hostileString, fence, generation });
  const ill = f.illTyped === true;
  const maybeIll = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => (ill ? fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: jsonish, weight: 1 }) : arb);
  const call = (fn: string, ...args: fc.Arbitrary<unknown>[]): fc.Arbitrary<FuzzCall> => fc.tuple(...args).map((a) => ({ fn, args: a }));
  const opKind = ill ? fc.oneof(fc.constantFrom("BackgroundToolOp", "MobMemberChild"), hostileString) : fc.constantFrom("BackgroundToolOp", "MobMemberChild");
  const opId = fc.oneof(fc.constantFrom("o1", "__proto__"), hostileString);
  return fc.oneof(
    { arbitrary: call("registerSession", sessionId), weight: 3 },
    { arbitrary: call("prepareBindings", sessionId, maybeIll(binding)), weight: 3 },
    { arbitrary: call("prepareLocalSessionBindings", sessionId), weight: 3 },
    { arbitrary: call("unregisterSession", sessionId), weight: 1 },
    { arbitrary: call("acceptInput", sessionId, anyInput), weight: 5 },
    { arbitrary: call("acceptInputWithCompletion", sessionId, anyInput), weight: 5 },
    { arbitrary: call("acceptInputWithoutWake", sessionId, anyInput), weight: 2 },
    { arbitrary: call("acceptInputAndRun", sessionId, anyInput), weight: 2 },
    { arbitrary: call("cancelAfterBoundary", sessionId, fc.option(hostileString, { nil: undefined })), weight: 2 },
    { arbitrary: call("interrupt", sessionId, fc.option(hostileString, { nil: undefined })), weight: 2 },
    { arbitrary: call("stopRuntimeExecutor", sessionId), weight: 1 },
    { arbitrary: call("retire", sessionId, maybeIll(fc.option(fc.record({ fence }), { nil: undefined }))), weight: 1 },
    { arbitrary: call("reset", sessionId), weight: 1 },
    { arbitrary: call("recycle", sessionId), weight: 1 },
    { arbitrary: call("recover", sessionId), weight: 1 },
    { arbitrary: call("destroy", sessionId, maybeIll(fc.option(fc.record({ fence }), { nil: undefined }))), weight: 1 },
    { arbitrary: call("setSilentIntents", sessionId, maybeIll(fc.array(hostileString, { maxLength: 3 }))), weight: 1 },
    { arbitrary: call("ingest", sessionId, hostileString, hostileString), weight: 1 },
    { arbitrary: call("wake", sessionId), weight: 1 },
    { arbitrary: call("snapshot", sessionId), weight: 1 },
    { arbitrary: call("ops.register", sessionId, maybeIll(fc.record({ id: opId, kind: opKind }))), weight: 2 },
    { arbitrary: call("ops.op", sessionId, fc.constantFrom("start", "progress", "peerReady", "complete", "fail", "abort", "cancel", "requestRetire", "markRetired", "watch"), opId), weight: 3 },
    { arbitrary: call("ops.waitAll", sessionId, maybeIll(fc.array(opId, { maxLength: 3 }))), weight: 1 },
    { arbitrary: call("exec.complete", fc.nat({ max: 3 })), weight: 4 },
    { arbitrary: call("exec.fail", fc.nat({ max: 3 })), weight: 2 },
    { arbitrary: call("exec.boundary", fc.nat({ max: 3 })), weight: 2 },
  );
}

export function fuzzCalls(f: FuzzFamilies = {}): fc.Arbitrary<FuzzCall[]> {
  return fc.array(calls(f), { minLength: 1, maxLength: 40, size: "max" });
}

/** The observable lifecycle state of every session (what a refused call must leave alone), maps and sets as entries. */
function stateOf(rt: ControlPlane): string {
  const state = [...rt.sessionIds()].map((sid) => [sid, rt.machineState(sid), rt.snapshot(sid).waiters, rt.ops(sid).state]);
  return JSON.stringify(state, (_k, x: unknown) => (x instanceof Map || x instanceof Set ? [...x] : x));
}

function describeValue(v: unknown): string {
  try {
    return show(v);
  } catch {
    try {
      return String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
}

export interface FuzzOptions {
  readonly store?: boolean;
  readonly patch?: (rt: ControlPlane) => void;
}

/** Runs one fuzz sequence; returns every broken rule (empty: all held). */
export async function runFuzz(sequence: readonly FuzzCall[], options: FuzzOptions = {}): Promise<string[]> {
  const exec = new ConformanceExecutor();
  const rt = createRuntime({ executor: exec, policy: conformancePolicy, limits: conformanceLimits, ...(options.store === true ? { store: new MemoryStore() } : {}) });
  options.patch?.(rt);
  const problems: string[] = [];
  const live = (): typeof exec.calls => exec.calls.filter((c) => !settled.has(c));
  const settled = new Set<(typeof exec.calls)[number]>();
  for (const [i, call] of sequence.entries()) {
    await flush();
    const before = stateOf(rt);
    let error: unknown = null;
    let refused = false;
    try {
      await invoke(rt, call, live(), settled);
    } catch (e) {
      error = e;
      refused = true;
    }
    await flush();
    const where = `call ${i + 1} ${call.fn}(${call.args.map((a) => describeValue(a).slice(0, 80)).join(", ")})`;
    if (refused) {
      // A RuntimeError's code is typed by runtime/errors.ts's RuntimeErrorCode union.
      if (!(error instanceof RuntimeError)) {
        problems.push(`${where} threw an untyped error: ${error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error)}`);
      } else if (error.code !== "MachineInvariantViolated") {
        if (stateOf(rt) !== before) problems.push(`${where} was refused (${error.code}) but changed the state`);
      }
    }
    for (const p of sessionProblems(rt)) problems.push(`${where}: ${p}`);
    for (const sid of rt.sessionIds()) for (const d of domainProblems(opsLifecycleKernel, rt.ops(sid).state)) problems.push(`${where}: ops of ${JSON.stringify(sid)}: ${d}`);
    if (problems.length > 0) break;
  }
  exec.detached = true;
  await rt.close();
  return problems;
}

async function invoke(rt: ControlPlane, call: FuzzCall, running: readonly { complete(o?: object): void; fail(e: unknown): void; ctx: { reportBoundary(): Promise<unknown> } }[], settled: Set<unknown>): Promise<unknown> {
  const a = (i: number): never => call.args[i] as never;
  const anyRt = rt as unknown as Record<string, (...args: unknown[]) => unknown>;
  switch (call.fn) {
    case "ops.register":
      return rt.ops(a(0)).register(a(1));
    case "ops.op": {
      const ops = rt.ops(a(0)) as unknown as Record<string, (id: unknown, extra?: unknown) => unknown>;
      const fn: string = a(1);
      if (fn === "watch") {
        void (ops[fn]!(a(2)) as Promise<unknown>).catch(() => undefined);
        return undefined;
      }
      return ops[fn]!(a(2), fn === "complete" ? ({ ok: 1 } as JsonValue) : undefined);
    }
    case "ops.waitAll":
      // A pending wait is fine; a refused one rejects at once.
      return refusalOf(rt.ops(a(0)).waitAll(a(1)));
    case "exec.complete":
    case "exec.fail":
    case "exec.boundary": {
      const index: number = a(0);
      const run = running[index % Math.max(1, running.length)];
      if (run === undefined) return undefined;
      if (call.fn === "exec.boundary") {
        await run.ctx.reportBoundary().catch(() => undefined);
        return undefined;
      }
      settled.add(run);
      if (call.fn === "exec.complete") run.complete({});
      else run.fail(new Error("executor failed"));
      return undefined;
    }
    case "acceptInputAndRun": {
      // The op finishes at once; what matters is how admission treats the payload.
      return rt.acceptInputAndRun(a(0), a(1), async () => "ran");
    }
    case "acceptInputWithCompletion": {
      const r = await rt.acceptInputWithCompletion(a(0), a(1));
      void r.completion?.catch(() => undefined);
      return r;
    }
    case "stopRuntimeExecutor":
      // Resolves once stopped (possibly much later): only its refusal is awaited.
      return refusalOf(rt.stopRuntimeExecutor(a(0)));
    default:
      return anyRt[call.fn]!.apply(rt, call.args as unknown[]);
  }
}

/** Throws a call's refusal if it rejects within one event-loop turn; a call still pending is fine. */
async function refusalOf(p: Promise<unknown>): Promise<undefined> {
  const first = await Promise.race([p.then(() => null, (e: unknown) => e), new Promise((r) => setImmediate(() => r(null)))]);
  if (first !== null) throw first;
  return undefined;
}

export function fuzzProperty(f: FuzzFamilies = {}, options: FuzzOptions = {}): fc.IAsyncPropertyWithHooks<[FuzzCall[]]> {
  return fc.asyncProperty(fuzzCalls(f), async (sequence) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let problems: string[];
    try {
      problems = await withDeadline(runFuzz(sequence, options), 30_000, "the fuzz run");
      await flush();
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    for (const u of unhandled) problems.push(`unhandled rejection: ${u instanceof Error ? `${u.name}: ${u.message}` : describeValue(u)}`);
    if (problems.length > 0) throw new Error(`fuzz contract broken:\n  ${problems.join("\n  ")}`);
  });
}

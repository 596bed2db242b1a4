// Admission and policy (reference §3, §4; §13 items 1–16).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createRuntime,
  defaultPolicy,
  DuplicateInputError,
  INPUT_KINDS,
  InputInvalidError,
  NotReadyError,
  NotRegisteredError,
  SessionDestroyedError,
  SessionNotFoundError,
  type HandlingMode,
  type InputKind,
  type PolicyDecision,
  type PolicyResolver,
  type RuntimeEvent,
} from "../runtime/index.js";
import { flush, inputs, ScriptedExecutor } from "../testing/index.js";
import { testStore } from "./helpers/store.js";

function setup(policy?: PolicyResolver) {
  const exec = new ScriptedExecutor();
  const rt = createRuntime(policy === undefined ? { executor: exec, store: testStore() } : { executor: exec, policy, store: testStore() });
  const events: RuntimeEvent[] = [];
  rt.on((e) => events.push(e));
  return { exec, rt, events };
}

const types = (events: readonly RuntimeEvent[], id?: string) =>
  events.filter((e) => id === undefined || ("inputId" in e && e.inputId === id)).map((e) => e.type);

describe("admission", { timeout: 10_000 }, () => {
  it("accept_prompt_idle_queues_and_wakes: an idle prompt is queued and starts a run once a loop is attached", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInput("s", inputs.prompt("p1"));
    expect(r.outcome).toBe("Accepted");
    expect(types(events, "p1").slice(0, 2)).toEqual(["input.accepted", "input.queued"]);
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["p1"]);
    run.complete();
  });

  it("a registered session without a loop (Idle) queues input but runs nothing until it is bound", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(rt.snapshot("s").lanes.queue).toEqual(["p1"]);
    await rt.prepareLocalSessionBindings("s");
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["p1"]);
    run.complete();
  });

  it("accept_prompt_running_queues_and_wakes: a prompt admitted while Running does not disturb the run and runs next", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const first = await exec.next();
    await rt.acceptInput("s", inputs.prompt("p2"));
    expect(first.ctx.cancelAfterBoundaryRequested).toBe(false);
    expect(rt.snapshot("s").lanes.queue).toEqual(["p2"]);
    first.complete();
    const second = await exec.next();
    expect(second.primitive.contributors).toEqual(["p2"]);
    second.complete();
  });

  it("message_while_running_requests_cooperative_interrupt: a peer message during a run asks it to stop at its boundary", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    let told = 0;
    run.ctx.onCancelAfterBoundary(() => (told += 1));
    await rt.acceptInput("s", inputs.peerMessage("m1"));
    expect(run.ctx.cancelAfterBoundaryRequested).toBe(true);
    expect(told).toBe(1);
    expect(exec.cancelRequests).toEqual([{ sessionId: "s", runId: run.runId }]);
    run.complete();
    const next = await exec.next();
    expect(next.primitive.contributors).toEqual(["m1"]);
    next.complete();
  });

  it("running_steer_peer_message_requests_immediate_processing: a steer input during a run also cancels at the boundary", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    const r = await rt.acceptInput("s", inputs.prompt("p2", "steer", { handlingMode: "Steer" }));
    expect(r.outcome === "Accepted" && r.decision.admission).toBe("Immediate");
    expect(run.ctx.cancelAfterBoundaryRequested).toBe(true);
    expect(rt.snapshot("s").lanes.steer).toEqual(["p2"]);
    run.complete();
    (await exec.next()).complete();
  });

  it("accept_progress_no_wake: response progress never wakes and never cancels a run", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    const r = await rt.acceptInput("s", inputs.progress("g1", "req-1"));
    expect(r.outcome === "Accepted" && r.decision.admission).toBe("Passive");
    expect(run.ctx.cancelAfterBoundaryRequested).toBe(false);
    run.complete();
    // Progress rides in the steer lane and drains as a steer batch after the run.
    const next = await exec.next();
    expect(next.primitive.contributors).toEqual(["g1"]);
    next.complete();
  });

  it("accept_peer_terminal_running_queues_wake_for_next_idle: a late terminal response is picked up after the run", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    const run = await exec.next();
    const r = await rt.acceptInput("s", inputs.terminal("t1", "req-1"));
    expect(r.outcome === "Accepted" && r.decision.admission).toBe("WakeIfIdle");
    expect(run.ctx.cancelAfterBoundaryRequested).toBe(false);
    run.complete();
    const next = await exec.next();
    expect(next.primitive.contributors).toEqual(["t1"]);
    next.complete();
  });

  it("accept_continuation_idle_wakes_and_requests_processing: a steer continuation is immediate", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInput("s", inputs.continuation("c1", { handlingMode: "Steer" }));
    expect(r.outcome === "Accepted" && [r.decision.lane, r.decision.admission]).toEqual(["Steer", "Immediate"]);
    const run = await exec.next();
    expect(run.primitive.executionKind).toBe("ResumePending");
    run.complete();
  });

  it("dedup_by_idempotency: the same key gives Deduplicated with the existing id and changes nothing", async () => {
    const { rt, events } = setup();
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("a", "x", { idempotencyKey: "k" }));
    const before = rt.snapshot("s");
    const r = await rt.acceptInput("s", inputs.prompt("b", "x", { idempotencyKey: "k" }));
    expect(r).toEqual({ outcome: "Deduplicated", inputId: "b", existingId: "a" });
    expect(rt.snapshot("s")).toEqual(before);
    expect(types(events, "b")).toEqual(["input.deduplicated"]);
  });

  it("reject_derived_prompt: a Derived prompt is rejected (durability) and nothing changes", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const before = rt.snapshot("s");
    const r = await rt.acceptInput("s", inputs.prompt("p", "x", { durability: "Derived" }));
    expect(r.outcome).toBe("Rejected");
    expect(r.outcome === "Rejected" && r.reason.code).toBe("DurabilityViolation");
    expect(rt.snapshot("s")).toEqual(before);
  });

  it("Derived is refused from operator, peer and external sources even for kinds that allow it", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const r = await rt.acceptInput("s", inputs.external("e", { durability: "Derived" }));
    expect(r.outcome === "Rejected" && r.reason.code).toBe("DurabilityViolation");
    const ok = await rt.acceptInput("s", inputs.continuation("c"));
    expect(ok.outcome).toBe("Accepted");
  });

  it("accept_peer_response_progress_with_handling_mode_returns_rejected", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const r = await rt.acceptInput("s", inputs.progress("g", "req", { handlingMode: "Queue" }));
    expect(r.outcome === "Rejected" && r.reason.code).toBe("PeerHandlingModeInvalid");
  });

  it("accept_peer_response_terminal_with_empty_request_id_returns_rejected", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const r = await rt.acceptInput("s", inputs.terminal("t", ""));
    expect(r.outcome === "Rejected" && r.reason.code).toBe("PeerResponseTerminalInvalid");
  });

  it("operation inputs are consumed on accept and never run", async () => {
    const { rt, exec, events } = setup();
    await rt.prepareLocalSessionBindings("s");
    const r = await rt.acceptInputWithCompletion("s", inputs.operation("o1"));
    expect(r.outcome).toBe("Accepted");
    expect(r.completion).toBeUndefined();
    await flush();
    expect(exec.calls).toHaveLength(0);
    expect(types(events, "o1")).toEqual(["input.accepted", "input.consumed"]);
    expect(rt.snapshot("s").inputs).toEqual([]);
  });

  it("silent_intent_maps_to_request_with_wake / non_silent_intent_triggers_wake", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.setSilentIntents("s", ["fyi"]);
    const silent = await rt.acceptInput("s", inputs.peerRequest("r1", "fyi"));
    expect(silent.outcome === "Accepted" && silent.decision.admission).toBe("Passive");
    await flush();
    expect(exec.calls).toHaveLength(0);
    const loud = await rt.acceptInput("s", inputs.peerRequest("r2", "review"));
    expect(loud.outcome === "Accepted" && loud.decision.admission).toBe("WakeIfIdle");
    const run = await exec.next();
    // The silent request rides along as context in the batch the loud one drives.
    expect(run.primitive.contributors).toEqual(["r1", "r2"]);
    run.complete();
  });

  it("acceptInputWithoutWake never starts a run by itself", async () => {
    const { rt, exec } = setup();
    await rt.prepareLocalSessionBindings("s");
    await rt.acceptInputWithoutWake("s", inputs.peerMessage("m1"));
    await flush();
    expect(exec.calls).toHaveLength(0);
    await rt.acceptInput("s", inputs.peerMessage("m2"));
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["m1", "m2"]);
    run.complete();
  });

  it("supersession: a newer input of the same kind and key supersedes the queued one", async () => {
    const supersede: PolicyResolver = (kind, idle, mode) => {
      const r = defaultPolicy(kind, idle, mode);
      return r.ok && kind === "external_event" ? { ok: true, decision: { ...r.decision, queueMode: "Supersede" } } : r;
    };
    const { rt, events } = setup(supersede);
    await rt.registerSession("s");
    const old = await rt.acceptInputWithCompletion("s", inputs.external("e1", { supersessionKey: "k", durability: "Durable" }));
    await rt.acceptInput("s", inputs.external("e2", { supersessionKey: "k", durability: "Durable" }));
    await rt.acceptInput("s", inputs.external("e3", { supersessionKey: "other", durability: "Durable" }));
    expect(await old.completion).toEqual({ kind: "Superseded", by: "e2" });
    expect(rt.snapshot("s").lanes.queue).toEqual(["e2", "e3"]);
    expect(types(events, "e1")).toContain("input.superseded");
  });

  it("coalescing: peer response progress with the same key coalesces into the newer one (default table)", async () => {
    const { rt, events } = setup();
    await rt.registerSession("s");
    const first = await rt.acceptInputWithCompletion("s", inputs.progress("g1", "req", { supersessionKey: "req" }));
    await rt.acceptInput("s", inputs.progress("g2", "req", { supersessionKey: "req" }));
    expect(await first.completion).toEqual({ kind: "Coalesced", into: "g2" });
    expect(rt.snapshot("s").lanes.steer).toEqual(["g2"]);
    expect(types(events, "g1")).toContain("input.coalesced");
  });

  it("a decision with enqueueFront (queue mode Priority) enqueues at the front of its lane", async () => {
    const priority: PolicyResolver = (kind, idle, mode) => {
      const r = defaultPolicy(kind, idle, mode);
      return r.ok && kind === "flow_step" ? { ok: true, decision: { ...r.decision, queueMode: "Priority", enqueueFront: true } } : r;
    };
    const { rt } = setup(priority);
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p1"));
    await rt.acceptInput("s", inputs.flowStep("f1"));
    expect(rt.snapshot("s").lanes.queue).toEqual(["f1", "p1"]);
  });

  it("a policy rejection is a Rejected outcome", async () => {
    const { rt } = setup(() => ({ ok: false, reason: "closed for maintenance" }));
    await rt.registerSession("s");
    const r = await rt.acceptInput("s", inputs.prompt("p"));
    expect(r).toEqual({ outcome: "Rejected", inputId: "p", reason: { code: "PolicyRejected", detail: "closed for maintenance" } });
  });

  it("an invalid input is a typed error naming the session and the input, and changes nothing", async () => {
    const { rt } = setup();
    await rt.registerSession("s");
    const before = rt.snapshot("s");
    const bad = { kind: "prompt", header: { id: "x1", durability: "Forever", source: { kind: "Operator" } }, text: 1 };
    const err = await rt.acceptInput("s", bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputInvalidError);
    expect(err).toMatchObject({ code: "InputInvalid", sessionId: "s", inputId: "x1" });
    expect((err as InputInvalidError).problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(["/header/durability", "/text"]));
    expect(rt.snapshot("s")).toEqual(before);
  });

  it("ids such as __proto__ and constructor are ordinary ids", async () => {
    const { rt, exec } = setup();
    await rt.registerSession("__proto__");
    const a = await rt.acceptInputWithCompletion("__proto__", inputs.peerMessage("__proto__", "x", { idempotencyKey: "constructor" }));
    const b = await rt.acceptInput("__proto__", inputs.peerMessage("constructor", "y", { idempotencyKey: "__proto__" }));
    expect(a.outcome).toBe("Accepted");
    expect(b.outcome).toBe("Accepted");
    await rt.prepareLocalSessionBindings("__proto__");
    const run = await exec.next();
    expect(run.primitive.contributors).toEqual(["__proto__", "constructor"]);
    run.complete({ result: "ok" });
    expect(await a.completion).toEqual({ kind: "Completed", result: "ok" });
    const dup = await rt.acceptInput("__proto__", inputs.peerMessage("toString", "z", { idempotencyKey: "constructor" }));
    expect(dup).toMatchObject({ outcome: "Deduplicated", existingId: "__proto__" });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("refusals are typed: unknown, unregistered, retired, destroyed sessions and duplicate ids", async () => {
    const { rt } = setup();
    await expect(rt.acceptInput("nope", inputs.prompt("p"))).rejects.toBeInstanceOf(SessionNotFoundError);
    await rt.registerSession("s");
    await rt.acceptInput("s", inputs.prompt("p"));
    await expect(rt.acceptInput("s", inputs.prompt("p"))).rejects.toBeInstanceOf(DuplicateInputError);
    await rt.unregisterSession("s");
    await expect(rt.acceptInput("s", inputs.prompt("q"))).rejects.toBeInstanceOf(NotRegisteredError);
    await rt.registerSession("s");
    await rt.retire("s");
    const err = await rt.acceptInput("s", inputs.prompt("r")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err).toMatchObject({ code: "NotReady", phase: "Retired", sessionId: "s", inputId: "r" });
    await rt.destroy("s");
    await expect(rt.acceptInput("s", inputs.prompt("t"))).rejects.toBeInstanceOf(SessionDestroyedError);
  });
});

// The default resolver must agree with the declarative table in spec/default.policy.json.
interface TableDecision {
  readonly applyMode: string;
  readonly wakeMode: string;
  readonly queueMode: string;
  readonly consumePoint: string;
  readonly drainPolicy: string;
  readonly routingDisposition: string;
  readonly recordTranscript: boolean;
}
type Outcome = string | { readonly reject: string };
interface TableRow {
  readonly name: string;
  readonly kinds: "*" | readonly string[];
  readonly modes: readonly string[];
  readonly any?: Outcome;
  readonly idle?: Outcome;
  readonly running?: Outcome;
}
interface Table {
  readonly decisions: Readonly<Record<string, TableDecision>>;
  readonly rows: readonly TableRow[];
}

function tableCell(table: Table, kind: InputKind, idle: boolean, mode: HandlingMode | null): Outcome {
  const modeName = mode ?? "none";
  const state = idle ? "idle" : "running";
  const covering = table.rows.filter((r) => (r.kinds === "*" || r.kinds.includes(kind)) && r.modes.includes(modeName) && (r.any !== undefined || r[state] !== undefined));
  const size = (r: TableRow) => (r.kinds === "*" ? INPUT_KINDS.length : r.kinds.length) * r.modes.length * (r.any !== undefined ? 2 : 1);
  const winner = [...covering].sort((a, b) => size(a) - size(b))[0];
  if (winner === undefined) throw new Error(`no row covers ${kind}/${state}/${modeName}`);
  const out = winner.any ?? winner[state];
  if (out === undefined) throw new Error("unreachable");
  return out;
}

describe("policy table", { timeout: 10_000 }, () => {
  const table = JSON.parse(readFileSync(new URL("../spec/default.policy.json", import.meta.url), "utf8")) as Table;
  const cells: Array<[InputKind, boolean, HandlingMode | null]> = [];
  for (const kind of INPUT_KINDS) for (const idle of [true, false]) for (const mode of [null, "Queue", "Steer"] as const) cells.push([kind, idle, mode]);

  it.each(cells)("prompt_idle … operation_running: %s idle=%s mode=%s matches spec/default.policy.json", (kind, idle, mode) => {
    const expected = tableCell(table, kind, idle, mode);
    const got = defaultPolicy(kind, idle, mode);
    if (typeof expected !== "string") {
      expect(got.ok).toBe(false);
      return;
    }
    if (!got.ok) throw new Error(`expected a decision, got rejection ${got.reason}`);
    const d: PolicyDecision = got.decision;
    const cols = table.decisions[expected];
    expect(cols).toBeDefined();
    expect({
      applyMode: d.applyMode,
      wakeMode: d.wakeMode,
      queueMode: d.queueMode,
      consumePoint: d.consumePoint,
      drainPolicy: d.drainPolicy,
      routingDisposition: d.routingDisposition,
      recordTranscript: d.recordTranscript,
    }).toEqual(cols);
    expect(d.lane).toBe(d.routingDisposition === "Steer" || d.routingDisposition === "Immediate" ? "Steer" : "Queue");
    expect(d.admission).toBe(mode === "Steer" ? "Immediate" : d.wakeMode === "None" ? "Passive" : d.wakeMode);
    expect(d.consumeOnAccept).toBe(d.applyMode === "Ignore" && d.consumePoint === "OnAccept");
  });
});

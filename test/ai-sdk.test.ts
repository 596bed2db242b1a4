// The AI SDK executor against the SDK's own mock language model (offline): a tool call, a
// streamed answer, a cancel between steps, an interrupt mid-stream, background tools on the ops
// barrier, and the batch → messages mapping.

import { jsonSchema, simulateReadableStream, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { batchMessage, createAiSdkExecutor, type AgentEvent, type AiSdkExecutorOptions, type TurnResult } from "../adapters/ai-sdk/index.js";
import { createRuntime, type CompletionOutcome, type Input, type RuntimeEvent, type RuntimeLimits } from "../runtime/index.js";

type StreamResult = Awaited<ReturnType<MockLanguageModelV3["doStream"]>>;
type Part = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;
type CallOptions = MockLanguageModelV3["doStreamCalls"][number];

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
const finish = (reason: "stop" | "tool-calls", input = 3, output = 5): Part => ({ type: "finish", finishReason: { unified: reason, raw: undefined }, usage: usage(input, output) });
const text = (id: string, ...deltas: string[]): Part[] => [{ type: "text-start", id }, ...deltas.map((delta): Part => ({ type: "text-delta", id, delta })), { type: "text-end", id }];
const call = (id: string, toolName: string, input: unknown): Part => ({ type: "tool-call", toolCallId: id, toolName, input: JSON.stringify(input) });
const stream = (parts: Part[]): StreamResult => ({ stream: simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null }) });

const prompt = (id: string, text: string, extra: Partial<Input["header"]> = {}): Input => ({ kind: "prompt", header: { id, durability: "Ephemeral", source: { kind: "Operator" }, ...extra }, text });

async function setup(options: Omit<AiSdkExecutorOptions, "ops">, limits?: RuntimeLimits) {
  let rt: ReturnType<typeof createRuntime> | null = null;
  const executor = createAiSdkExecutor({ ...options, ops: (id) => (rt as ReturnType<typeof createRuntime>).ops(id) });
  rt = createRuntime({ executor, ...(limits === undefined ? {} : { limits }) });
  const events: RuntimeEvent[] = [];
  const agent: AgentEvent[] = [];
  rt.on((e) => events.push(e));
  executor.on((e) => agent.push(e));
  await rt.prepareLocalSessionBindings("s");
  return { rt, executor, events, agent };
}

async function completion(rt: ReturnType<typeof createRuntime>, input: Input): Promise<CompletionOutcome> {
  const r = await rt.acceptInputWithCompletion("s", input);
  if (r.outcome !== "Accepted" || r.completion === undefined) throw new Error(`not accepted: ${JSON.stringify(r)}`);
  return r.completion;
}

function resultOf(outcome: CompletionOutcome): TurnResult {
  if (outcome.kind !== "Completed") throw new Error(`expected Completed, got ${JSON.stringify(outcome)}`);
  return outcome.result as unknown as TurnResult;
}

/** The text parts of every message the model was given in one call. */
function promptText(options: CallOptions): string {
  return JSON.stringify(options.prompt);
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("AI SDK executor", { timeout: 20_000 }, () => {
  it("runs a tool call and feeds its result to the next step; usage is summed; both steps are boundaries", async () => {
    const model = new MockLanguageModelV3({ doStream: [stream([call("c1", "add", { a: 2, b: 3 }), finish("tool-calls", 10, 4)]), stream([...text("t", "The sum is 5."), finish("stop", 20, 6)])] });
    const seen: unknown[] = [];
    const add = tool({
      description: "adds two numbers",
      inputSchema: jsonSchema<{ a: number; b: number }>({ type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] }),
      execute: async ({ a, b }) => {
        seen.push({ a, b });
        return { sum: a + b };
      },
    });
    const { rt, agent } = await setup({ model, tools: { add } });
    const result = resultOf(await completion(rt, prompt("p1", "what is 2 + 3?")));
    expect(seen).toEqual([{ a: 2, b: 3 }]);
    expect(result).toEqual({ text: "The sum is 5.", finishReason: "stop", steps: 2, usage: { inputTokens: 30, outputTokens: 10, totalTokens: 40 }, cancelledAfterBoundary: false });
    expect(model.doStreamCalls).toHaveLength(2);
    expect(promptText(model.doStreamCalls[0] as CallOptions)).toContain("what is 2 + 3?");
    // The second call carries the tool call and its result.
    const second = promptText(model.doStreamCalls[1] as CallOptions);
    expect(second).toContain('"toolCallId":"c1"');
    expect(second).toContain('"sum":5');
    const steps = agent.filter((e) => e.type === "agent.step_finished");
    expect(steps.map((e) => (e.type === "agent.step_finished" ? [e.step, e.finishReason, e.boundary] : null))).toEqual([
      [0, "tool-calls", 0],
      [1, "stop", 1],
    ]);
    expect(agent.filter((e) => e.type === "agent.tool_call" || e.type === "agent.tool_result").map((e) => e.type)).toEqual(["agent.tool_call", "agent.tool_result"]);
  });

  it("streams an answer: deltas arrive in order, the completion carries the whole text, history carries over to the next turn", async () => {
    const model = new MockLanguageModelV3({ doStream: [stream([...text("a", "Hel", "lo, ", "world"), finish("stop")]), stream([...text("b", "again"), finish("stop")])] });
    const { rt, executor, agent } = await setup({ model, system: "be brief" });
    const result = resultOf(await completion(rt, prompt("p1", "greet me")));
    expect(result.text).toBe("Hello, world");
    expect(agent.filter((e) => e.type === "agent.text_delta").map((e) => (e.type === "agent.text_delta" ? e.delta : ""))).toEqual(["Hel", "lo, ", "world"]);
    expect(agent.every((e) => e.sessionId === "s")).toBe(true);
    expect(resultOf(await completion(rt, prompt("p2", "once more"))).text).toBe("again");
    const secondCall = promptText(model.doStreamCalls[1] as CallOptions);
    expect(secondCall).toContain("greet me");
    expect(secondCall).toContain("Hello, world");
    expect(secondCall).toContain("be brief");
    expect(executor.history("s").map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  it("a cancel-after-boundary requested during a step stops the turn after that step", async () => {
    const model = new MockLanguageModelV3({ doStream: [stream([call("c1", "slow", {}), finish("tool-calls")]), stream([...text("t", "never"), finish("stop")])] });
    let cancel: () => Promise<unknown> = async () => undefined;
    const slow = tool({
      inputSchema: jsonSchema<Record<string, never>>({ type: "object" }),
      execute: async () => {
        await cancel();
        return "done";
      },
    });
    const { rt, events } = await setup({ model, tools: { slow } });
    cancel = () => rt.cancelAfterBoundary("s");
    const result = resultOf(await completion(rt, prompt("p1", "go")));
    expect(model.doStreamCalls).toHaveLength(1);
    expect(result).toMatchObject({ steps: 1, finishReason: "tool-calls", cancelledAfterBoundary: true });
    expect(events.filter((e) => e.type === "input.consumed").map((e) => e.inputId)).toEqual(["p1"]);
    expect(events.some((e) => e.type === "run.completed")).toBe(true);
  });

  it("an interrupt mid-stream aborts the model call: the run is cancelled and the waiter gets Cancelled", async () => {
    const firstDelta = deferred<void>();
    let aborted = false;
    const model = new MockLanguageModelV3({
      doStream: async (options) => ({
        stream: new ReadableStream<Part>({
          start(controller) {
            controller.enqueue({ type: "text-start", id: "t" });
            controller.enqueue({ type: "text-delta", id: "t", delta: "thinking" });
            // The model keeps the stream open until the call is aborted.
            options.abortSignal?.addEventListener("abort", () => {
              aborted = true;
              controller.error(options.abortSignal?.reason);
            });
          },
        }),
      }),
    });
    const { rt, events, executor } = await setup({ model });
    executor.on((e) => {
      if (e.type === "agent.text_delta") firstDelta.resolve();
    });
    const done = completion(rt, prompt("p1", "long answer please"));
    await firstDelta.promise;
    await rt.interrupt("s");
    expect(await done).toEqual({ kind: "Cancelled" });
    expect(aborted).toBe(true);
    expect(events.some((e) => e.type === "run.cancelled")).toBe(true);
    expect(events.filter((e) => e.type === "input.abandoned").map((e) => (e.type === "input.abandoned" ? e.reason : null))).toEqual(["Cancelled"]);
    // Nothing of the interrupted turn is kept as history.
    expect(executor.history("s")).toEqual([]);
  });

  it("long-running tools are ops of the session's registry; the turn waits on the wait-all barrier before its next step", async () => {
    const model = new MockLanguageModelV3({
      doStream: [stream([call("r1", "research", { topic: "otters" }), call("r2", "research", { topic: "seals" }), call("r3", "research", { topic: "orcas" }), finish("tool-calls")]), stream([...text("t", "Summary."), finish("stop")])],
    });
    const gates = new Map<string, ReturnType<typeof deferred<string>>>();
    const started = deferred<void>();
    const { rt } = await setup({
      model,
      backgroundTools: {
        research: {
          description: "slow research",
          inputSchema: jsonSchema<{ topic: string }>({ type: "object", properties: { topic: { type: "string" } }, required: ["topic"] }),
          execute: async (input, ctx) => {
            const gate = deferred<string>();
            gates.set((input as { topic: string }).topic, gate);
            expect(ctx.opId).toContain("/tool/");
            started.resolve();
            return { found: await gate.promise };
          },
        },
      },
    }, { ops: { maxConcurrent: 2 } });
    const done = completion(rt, prompt("p1", "research sea mammals"));
    await started.promise;
    const ops = rt.ops("s");
    // This registry admits two live ops at a time (limits.ops.maxConcurrent): the third call waits for the first chunk.
    expect([...ops.state.status.entries()].filter(([, s]) => s === "Running").map(([id]) => id.split("/tool/")[1])).toEqual(["r1", "r2"]);
    expect(model.doStreamCalls).toHaveLength(1);
    gates.get("otters")?.resolve("otters hold hands");
    gates.get("seals")?.resolve("seals sleep in water");
    while (!gates.has("orcas")) await new Promise((r) => setImmediate(r));
    expect(model.doStreamCalls).toHaveLength(1);
    gates.get("orcas")?.resolve("orcas hunt in pods");
    expect(resultOf(await done).text).toBe("Summary.");
    const second = promptText(model.doStreamCalls[1] as CallOptions);
    for (const fact of ["otters hold hands", "seals sleep in water", "orcas hunt in pods"]) expect(second).toContain(fact);
    expect(ops.completions().map((c) => [c.kind, c.outcome.status])).toEqual([
      ["BackgroundToolOp", "Completed"],
      ["BackgroundToolOp", "Completed"],
      ["BackgroundToolOp", "Completed"],
    ]);
  });

  it("an interrupt while the turn waits on the barrier cancels the ops and the run", async () => {
    const model = new MockLanguageModelV3({ doStream: [stream([call("r1", "wait", {}), finish("tool-calls")])] });
    const started = deferred<AbortSignal>();
    const { rt } = await setup({
      model,
      backgroundTools: {
        wait: {
          inputSchema: jsonSchema({ type: "object" }),
          execute: (_input, ctx) => {
            started.resolve(ctx.signal);
            return new Promise(() => undefined);
          },
        },
      },
    });
    const done = completion(rt, prompt("p1", "wait forever"));
    const signal = await started.promise;
    await rt.interrupt("s");
    expect(await done).toEqual({ kind: "Cancelled" });
    expect(signal.aborted).toBe(true);
    expect(rt.ops("s").completions().map((c) => c.outcome.status)).toEqual(["Cancelled"]);
  });

  it("a model error fails the run (the input goes back to its lane)", async () => {
    const model = new MockLanguageModelV3({ doStream: [stream([{ type: "error", error: new Error("provider down") }])] });
    const { rt, events } = await setup({ model });
    await rt.acceptInput("s", prompt("p1", "hi"));
    while (!events.some((e) => e.type === "run.failed")) await new Promise((r) => setImmediate(r));
    const failed = events.find((e) => e.type === "run.failed");
    expect(failed).toMatchObject({ error: "provider down" });
    expect(rt.snapshot("s").inputs.map((i) => [i.id, i.phase])).toEqual([["p1", "Queued"]]);
  });

  it("refuses bad options with a clear message", () => {
    const model = new MockLanguageModelV3();
    expect(() => createAiSdkExecutor({ model, backgroundTools: { x: { inputSchema: jsonSchema({ type: "object" }), execute: async () => null } } })).toThrow(/need the `ops` option/);
    expect(() => createAiSdkExecutor({ model, maxSteps: 0 })).toThrow(/maxSteps must be a positive integer, got 0/);
  });
});

describe("batch → messages", () => {
  it("one user message per batch, steer inputs first, in staging order otherwise", () => {
    const steer: Input = { kind: "peer_message", header: { id: "m1", durability: "Ephemeral", source: { kind: "Peer", peerId: "bob" }, handlingMode: "Steer" }, body: "use metric units" };
    const event: Input = { kind: "external_event", header: { id: "e1", durability: "Ephemeral", source: { kind: "External", sourceName: "ci" } }, eventType: "build", payload: { ok: true } };
    const message = batchMessage([prompt("p1", "how tall is it?"), event, steer]);
    expect(message).toEqual({
      role: "user",
      content: [
        { type: "text", text: "[message from bob] use metric units" },
        { type: "text", text: "how tall is it?" },
        { type: "text", text: '[event build] {"ok":true}' },
      ],
    });
    expect(batchMessage([prompt("p2", "")])).toBeNull();
  });
});

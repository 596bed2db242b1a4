// The AI SDK executor: each run is one agent turn through `streamText`. The batch becomes the
// turn's user message; every completed step (model call plus its tool calls) is a boundary the
// runtime commits, so a cancel-after-boundary stops after the current step; an interrupt aborts
// the model call and the tools through the run's AbortSignal; long-running tools are ops of the
// session's registry and the turn waits on the wait-all barrier before its next step.

import { streamText, tool, type LanguageModel, type ModelMessage, type Tool, type ToolSet } from "ai";
import type { ApplyContext, Executor, Input, JsonValue, OpsRegistry, RunId, RunOutput, RunPrimitive, SessionId } from "../../runtime/index.js";
import { runBackgroundCalls, type BackgroundCall, type BackgroundExecute } from "./background.js";
import type { AgentEventBody, AgentEventListener, AgentEventSource } from "./events.js";
import { batchMessage, renderInput, type InputRenderer } from "./messages.js";
import { addUsage, NO_USAGE, type TurnUsage } from "./usage.js";

/** A tool whose calls run as ops of the session's registry while the turn waits on the barrier. */
export interface BackgroundToolSpec {
  readonly description?: string;
  readonly inputSchema: Tool["inputSchema"];
  readonly execute: BackgroundExecute;
}

export interface AiSdkExecutorOptions {
  /** The model, or one per session. */
  readonly model: LanguageModel | ((sessionId: SessionId) => LanguageModel);
  readonly system?: string;
  /** Tools the SDK executes inside the step. */
  readonly tools?: ToolSet;
  /** Long-running tools (needs `ops`). */
  readonly backgroundTools?: Readonly<Record<string, BackgroundToolSpec>>;
  /** The session's ops registry, usually `(id) => runtime.ops(id)` (the runtime is created after the executor). */
  readonly ops?: (sessionId: SessionId) => OpsRegistry;
  /** Model calls per turn at most (default 10). */
  readonly maxSteps?: number;
  /** Keep each session's conversation in memory across turns (default true; dropped on recycle and stop). */
  readonly history?: boolean;
  readonly render?: InputRenderer;
}

/** The completion result of a turn (the waiters' `Completed.result`). */
export interface TurnResult {
  readonly text: string;
  readonly finishReason: string;
  readonly steps: number;
  readonly usage: TurnUsage;
  /** True when a cancel-after-boundary ended the turn before the model was done. */
  readonly cancelledAfterBoundary: boolean;
}

export class AiSdkExecutor implements Executor, AgentEventSource {
  readonly #options: AiSdkExecutorOptions;
  readonly #tools: ToolSet;
  readonly #history = new Map<SessionId, ModelMessage[]>();
  readonly #listeners = new Set<AgentEventListener>();

  constructor(options: AiSdkExecutorOptions) {
    const background = options.backgroundTools ?? {};
    if (Object.keys(background).length > 0 && options.ops === undefined) throw new TypeError("AiSdkExecutor: backgroundTools need the `ops` option (the session's ops registry)");
    for (const name of Object.keys(background)) if (options.tools?.[name] !== undefined) throw new TypeError(`AiSdkExecutor: tool ${JSON.stringify(name)} is both a tool and a background tool`);
    if (options.maxSteps !== undefined && (!Number.isInteger(options.maxSteps) || options.maxSteps < 1)) throw new TypeError(`AiSdkExecutor: maxSteps must be a positive integer, got ${String(options.maxSteps)}`);
    this.#options = options;
    // Background tools are declared to the model without `execute`: the SDK hands their calls back.
    const declared: ToolSet = {};
    for (const [name, spec] of Object.entries(background)) declared[name] = tool({ description: spec.description, inputSchema: spec.inputSchema });
    this.#tools = { ...options.tools, ...declared };
  }

  on(listener: AgentEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async apply(runId: RunId, primitive: RunPrimitive, ctx: ApplyContext): Promise<RunOutput> {
    const sessionId = primitive.sessionId;
    const emit = (body: AgentEventBody): void => this.#emit(sessionId, runId, body);
    if (isDetachedWakeOnly(primitive.inputs)) {
      // Our turns wait for their background ops, so their results were delivered already.
      return {};
    }
    const message = batchMessage(primitive.inputs, this.#options.render ?? renderInput);
    const keep = this.#options.history !== false;
    const history = keep ? (this.#history.get(sessionId) ?? []) : [];
    const turn: ModelMessage[] = message === null ? [] : [message];
    const model = typeof this.#options.model === "function" ? this.#options.model(sessionId) : this.#options.model;
    const maxSteps = this.#options.maxSteps ?? 10;
    let usage = NO_USAGE;
    let text = "";
    let finishReason = "stop";
    let steps = 0;
    let cancelledAfterBoundary = false;
    for (let step = 0; step < maxSteps; step++) {
      ctx.signal.throwIfAborted();
      const result = streamText({
        model,
        system: this.#options.system,
        messages: [...history, ...turn],
        tools: this.#tools,
        abortSignal: ctx.signal,
        // Errors arrive as stream parts and are thrown below; the default would print them.
        onError: () => undefined,
      });
      const background: BackgroundCall[] = [];
      for await (const part of result.fullStream) {
        if (part.type === "text-delta") emit({ type: "agent.text_delta", step, delta: part.text });
        else if (part.type === "tool-call") {
          const isBackground = this.#options.backgroundTools?.[part.toolName] !== undefined && part.invalid !== true;
          if (isBackground) background.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
          emit({ type: "agent.tool_call", step, toolCallId: part.toolCallId, toolName: part.toolName, background: isBackground });
        } else if (part.type === "tool-result") emit({ type: "agent.tool_result", step, toolCallId: part.toolCallId, toolName: part.toolName, ok: true });
        else if (part.type === "tool-error") emit({ type: "agent.tool_result", step, toolCallId: part.toolCallId, toolName: part.toolName, ok: false });
        else if (part.type === "error") throw part.error;
      }
      ctx.signal.throwIfAborted();
      const response = await result.response;
      turn.push(...response.messages);
      const stepUsage = await result.usage;
      usage = addUsage(usage, stepUsage);
      text = await result.text;
      finishReason = await result.finishReason;
      const toolCalls = await result.toolCalls;
      if (background.length > 0) {
        const registry = (this.#options.ops as (id: SessionId) => OpsRegistry)(sessionId);
        const results = await runBackgroundCalls(background, registry, (call) => (this.#options.backgroundTools?.[call.toolName] as BackgroundToolSpec).execute, { sessionId, runId, signal: ctx.signal });
        for (const r of results) emit({ type: "agent.tool_result", step, toolCallId: r.toolCallId, toolName: r.toolName, ok: r.output.type === "json" });
        turn.push({ role: "tool", content: results });
      }
      steps = step + 1;
      const verdict = await ctx.reportBoundary();
      emit({ type: "agent.step_finished", step, finishReason, inputTokens: stepUsage.inputTokens ?? 0, outputTokens: stepUsage.outputTokens ?? 0, boundary: verdict.sequence });
      const more = finishReason === "tool-calls" && toolCalls.length > 0;
      if (verdict.cancelRequested) {
        cancelledAfterBoundary = more;
        break;
      }
      if (!more) break;
    }
    if (keep) this.#history.set(sessionId, [...history, ...turn]);
    const out: TurnResult = { text, finishReason, steps, usage, cancelledAfterBoundary };
    return { result: out as unknown as JsonValue };
  }

  /** The conversation kept for a session (a copy). */
  history(sessionId: SessionId): ModelMessage[] {
    return [...(this.#history.get(sessionId) ?? [])];
  }

  stop(sessionId: SessionId): void {
    this.#history.delete(sessionId);
  }

  recycle(sessionId: SessionId): void {
    this.#history.delete(sessionId);
  }

  #emit(sessionId: SessionId, runId: RunId, body: AgentEventBody): void {
    if (this.#listeners.size === 0) return;
    const event = { ...body, sessionId, runId };
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch {
        // a failing listener must not fail the turn
      }
    }
  }
}

function isDetachedWakeOnly(inputs: readonly Input[]): boolean {
  return inputs.length > 0 && inputs.every((i) => i.kind === "continuation" && i.reason === "detached_background_op_completed");
}

export function createAiSdkExecutor(options: AiSdkExecutorOptions): AiSdkExecutor {
  return new AiSdkExecutor(options);
}

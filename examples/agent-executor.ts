// The agent `npm run example:agent` serves (`meerkat serve --agent examples/agent-executor.ts`):
// an AI SDK executor with one quick tool (weather) and one long-running tool (research, run as an
// op of the session's ops registry). The model is the SDK's mock, scripted to call the tools and
// stream an answer, unless a provider key is in the environment and its package is installed.

import { jsonSchema, simulateReadableStream, tool, type LanguageModel } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { createAiSdkExecutor } from "../adapters/ai-sdk/index.js";
import type { AgentContext } from "../server/start.js";

type StreamResult = Awaited<ReturnType<MockLanguageModelV3["doStream"]>>;
type Part = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 9, text: 9, reasoning: undefined } };

/** Step 1 asks for the weather and some research; step 2 streams an answer from their results. */
function mockModel(): LanguageModel {
  return new MockLanguageModelV3({
    provider: "mock",
    modelId: "scripted",
    doStream: async (options) => {
      const last = options.prompt[options.prompt.length - 1];
      const toolResults = last?.role === "tool" ? last.content.filter((p) => p.type === "tool-result") : [];
      const parts: Part[] =
        toolResults.length === 0
          ? [
              { type: "tool-call", toolCallId: `w-${Date.now()}`, toolName: "weather", input: JSON.stringify({ city: "Lisbon" }) },
              { type: "tool-call", toolCallId: `r-${Date.now()}`, toolName: "research", input: JSON.stringify({ topic: "meerkats" }) },
              { type: "finish", finishReason: { unified: "tool-calls", raw: undefined }, usage },
            ]
          : [
              { type: "text-start", id: "answer" },
              ...answerFrom(toolResults.map((r) => (r.output.type === "json" ? r.output.value : null))).split(" ").map((w): Part => ({ type: "text-delta", id: "answer", delta: `${w} ` })),
              { type: "text-end", id: "answer" },
              { type: "finish", finishReason: { unified: "stop", raw: undefined }, usage },
            ];
      return { stream: simulateReadableStream({ chunks: parts, chunkDelayInMs: 15 }) };
    },
  });
}

function answerFrom(results: readonly unknown[]): string {
  const [weather, research] = results as [{ sky?: string; celsius?: number } | null, { fact?: string } | null];
  return `Lisbon is ${weather?.sky ?? "?"} at ${weather?.celsius ?? "?"} °C. Research says ${research?.fact ?? "nothing"}.`;
}

const PROVIDERS = [
  { env: "OPENAI_API_KEY", pkg: "@ai-sdk/openai", factory: "openai", model: "gpt-4o-mini" },
  { env: "ANTHROPIC_API_KEY", pkg: "@ai-sdk/anthropic", factory: "anthropic", model: "claude-3-5-haiku-latest" },
] as const;

/** A real provider when its key is set and its package installed; otherwise the mock (saying why). */
async function chooseModel(): Promise<LanguageModel> {
  for (const p of PROVIDERS) {
    if ((process.env[p.env] ?? "") === "") continue;
    try {
      const mod = (await import(p.pkg)) as Record<string, (id: string) => LanguageModel>;
      const make = mod[p.factory];
      if (make !== undefined) {
        console.error(`agent: using ${p.pkg} (${p.model}) because ${p.env} is set`);
        return make(p.model);
      }
    } catch {
      console.error(`agent: ${p.env} is set but ${p.pkg} is not installed; run \`npm install ${p.pkg}\` to use it. Using the mock model.`);
    }
  }
  return mockModel();
}

export async function createExecutor(context: AgentContext) {
  return createAiSdkExecutor({
    model: await chooseModel(),
    system: "You are a concise assistant.",
    ops: context.ops,
    tools: {
      weather: tool({
        description: "current weather of a city",
        inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
        execute: async ({ city }) => ({ city, sky: "sunny", celsius: 23 }),
      }),
    },
    backgroundTools: {
      research: {
        description: "slow background research on a topic",
        inputSchema: jsonSchema({ type: "object", properties: { topic: { type: "string" } }, required: ["topic"] }),
        execute: async (input, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          ctx.signal.throwIfAborted();
          return { topic: (input as { topic: string }).topic, fact: "meerkats take turns standing guard" };
        },
      },
    },
  });
}

// AI SDK (`ai`, v6) adapter: an Executor that runs agent turns with streamText and tools. Only this
// folder imports `ai` (an optional peer dependency); the runtime core never does.

export { AiSdkExecutor, createAiSdkExecutor } from "./executor.js";
export type { AiSdkExecutorOptions, BackgroundToolSpec, TurnResult } from "./executor.js";
export type { AgentEvent, AgentEventBody, AgentEventListener, AgentEventSource } from "./events.js";
export type { BackgroundContext, BackgroundExecute } from "./background.js";
export { batchMessage, orderBatch, renderInput } from "./messages.js";
export type { InputRenderer } from "./messages.js";
export type { TurnUsage } from "./usage.js";

// What the AI SDK executor reports while a turn runs (text as it streams, tool calls, steps). The
// runtime's own events say what happened to inputs and runs; these say what the model is doing.

import type { RunId, SessionId } from "../../runtime/index.js";

export type AgentEventBody =
  | { readonly type: "agent.text_delta"; readonly step: number; readonly delta: string }
  | { readonly type: "agent.tool_call"; readonly step: number; readonly toolCallId: string; readonly toolName: string; readonly background: boolean }
  | { readonly type: "agent.tool_result"; readonly step: number; readonly toolCallId: string; readonly toolName: string; readonly ok: boolean }
  | { readonly type: "agent.step_finished"; readonly step: number; readonly finishReason: string; readonly inputTokens: number; readonly outputTokens: number; readonly boundary: number };

export type AgentEvent = AgentEventBody & { readonly sessionId: SessionId; readonly runId: RunId };

export type AgentEventListener = (event: AgentEvent) => void;

/** A source of agent events; the HTTP server forwards any such source on its event stream. */
export interface AgentEventSource {
  on(listener: AgentEventListener): () => void;
}

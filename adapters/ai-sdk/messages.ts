// A batch of runtime inputs becomes the turn's messages: one user message per batch, steer inputs
// first (they were meant to overtake queued work), each input one text part. Pure.

import type { ModelMessage, TextPart } from "ai";
import type { Input } from "../../runtime/index.js";

/** How one input reads to the model; replaceable through the executor's `render` option. */
export type InputRenderer = (input: Input) => string;

export const renderInput: InputRenderer = (input) => {
  switch (input.kind) {
    case "prompt":
      return input.text;
    case "peer_message":
      return `[message from ${peerName(input)}] ${input.body}`;
    case "peer_request":
      return `[request ${input.requestId} from ${peerName(input)}, intent ${input.intent}] ${input.body}`;
    case "peer_response_progress":
      return `[progress on request ${input.requestId}: ${input.phase}]${input.body === undefined ? "" : ` ${input.body}`}`;
    case "peer_response_terminal":
      return `[request ${input.requestId} ${input.status}]${input.body === undefined ? "" : ` ${input.body}`}`;
    case "flow_step":
      return `[flow ${input.flowId} step ${input.stepIndex}] ${JSON.stringify(input.body)}`;
    case "external_event":
      return `[event ${input.eventType}] ${JSON.stringify(input.payload)}`;
    case "continuation":
      return `[continue: ${input.reason}]`;
    case "operation":
      return `[operation ${input.operationId}: ${input.event}]`;
  }
};

function peerName(input: Input): string {
  const s = input.header.source;
  return s.kind === "Peer" ? (s.displayIdentity ?? s.peerId) : s.kind;
}

/** Steer inputs first, then the rest in staging order (a stable partition). */
export function orderBatch(inputs: readonly Input[]): Input[] {
  const steer = inputs.filter((i) => i.header.handlingMode === "Steer");
  const rest = inputs.filter((i) => i.header.handlingMode !== "Steer");
  return [...steer, ...rest];
}

/** The user message of one batch; null when the batch renders to nothing. */
export function batchMessage(inputs: readonly Input[], render: InputRenderer = renderInput): ModelMessage | null {
  const parts: TextPart[] = [];
  for (const input of orderBatch(inputs)) {
    const text = render(input);
    if (text.length > 0) parts.push({ type: "text", text });
  }
  return parts.length === 0 ? null : { role: "user", content: parts };
}

// The executor `meerkat serve` runs without --agent: it answers every batch with the texts it
// received. Enough to try the surface and to measure it; real agents come from --agent <module>.

import type { Executor, Input } from "../runtime/index.js";

function textOf(input: Input): string {
  switch (input.kind) {
    case "prompt":
      return input.text;
    case "peer_message":
    case "peer_request":
      return input.body;
    case "continuation":
      return input.reason;
    default:
      return input.kind;
  }
}

export function echoExecutor(): Executor {
  return {
    async apply(_runId, primitive) {
      return { result: { echo: primitive.inputs.map(textOf) } };
    },
  };
}

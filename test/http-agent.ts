// The --agent module the restart test serves: answers with the prompt texts; with
// HTTP_AGENT_HOLD=1 every run hangs (until interrupted), so the process can be killed mid-run.

import type { AgentContext } from "../server/start.js";
import type { Executor } from "../runtime/index.js";

export function createExecutor(_context: AgentContext): Executor {
  const hold = process.env["HTTP_AGENT_HOLD"] === "1";
  return {
    async apply(_runId, primitive, ctx) {
      if (hold) await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      return { result: { echo: primitive.inputs.map((i) => (i.kind === "prompt" ? i.text : i.kind)) } };
    },
  };
}

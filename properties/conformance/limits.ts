// The runtime limits every conformance world runs with. The ops limits are the spec's parameter
// values (the generated initial state's), so the runtime's registries and the reference model
// (which starts from that initial state) enforce the same cap and retention.

import { initialState } from "../../generated/ops.machine.js";
import type { RuntimeLimits } from "../../runtime/index.js";

const opsInitial = initialState();

export const conformanceLimits: RuntimeLimits = Object.freeze({
  retryBackoffMs: 0,
  ops: Object.freeze({ maxConcurrent: opsInitial.maxConcurrent, maxRetained: opsInitial.maxRetained }),
});

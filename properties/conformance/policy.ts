// The policy the conformance runs use: the generated default table, except that flow steps carry
// queue mode Supersede, so that the machine's Supersede transition is reachable through the public
// API (the default table has no Supersede row). Passed to the runtime through the public `policy`
// option; the reference model resolves with the same function.

import { defaultPolicy, type PolicyResolver } from "../../runtime/index.js";

export const conformancePolicy: PolicyResolver = (kind, runtimeIdle, handlingMode) => {
  const r = defaultPolicy(kind, runtimeIdle, handlingMode);
  if (!r.ok || kind !== "flow_step") return r;
  return { ok: true, decision: { ...r.decision, queueMode: "Supersede" } };
};

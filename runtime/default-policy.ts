// The default policy: the resolver generated from the declarative table spec/default.policy.json.
// Assigning it to PolicyResolver checks at compile time that the generated module fits the seam.

import { resolvePolicy } from "../generated/default.policy.js";
import type { PolicyResolver } from "./policy.js";

export const defaultPolicy: PolicyResolver = resolvePolicy;

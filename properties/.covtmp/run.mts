import { checkProperty } from "../conformance/property.js";
import { PROPERTIES } from "../conformance/registry.js";
import { runTours } from "../conformance/tour.js";
for (const e of PROPERTIES) {
  await checkProperty({ property: e.name, numRuns: e.numRuns, seed: e.seed }, await e.build());
  console.log("ok", e.name);
}
await runTours();
console.log("tours ok");

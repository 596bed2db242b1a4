// `npm run bench:compositions [-- --json]`: each shipped composition under its ci profile, with
// the coverage target of issue 14 (every instance transition fired or declared left out) and the
// CI time budget (both ci profiles together within about 30 s). Prints figures; not a test.

import { generatedComposition } from "./composition-kernels.js";
import { exploreComposition } from "../properties/explorer/index.js";

const COMPOSITIONS = ["meerkat-mob-seam", "session-turn"] as const;
const BUDGET_MS = 30_000;
const json = process.argv.includes("--json");

const rows: Record<string, unknown>[] = [];
let totalMs = 0;
for (const name of COMPOSITIONS) {
  const kernel = await generatedComposition(name);
  const r = exploreComposition(kernel, { profile: "ci" });
  totalMs += r.durationMs;
  const leftOut = r.coverage.leftOut?.length ?? 0;
  const covered = r.transitions.fired + leftOut;
  rows.push({
    measure: `composition ${name}, instance transitions fired or declared left out (ci)`,
    target: `${r.transitions.declared}/${r.transitions.declared}`,
    now: `${covered}/${r.transitions.declared} (${r.transitions.fired} fired, ${leftOut} left out)`,
    met: covered === r.transitions.declared && r.ok,
    states: r.distinctStates,
    symmetry: r.symmetry,
    ms: Math.round(r.durationMs),
    cpuMs: r.cpuMs,
    ok: r.ok,
  });
}
rows.push({ measure: "both compositions' ci profiles, wall time", target: `<= ${BUDGET_MS / 1000} s`, now: `${(totalMs / 1000).toFixed(1)} s`, met: totalMs <= BUDGET_MS });

if (json) console.log(JSON.stringify(rows, null, 2));
else for (const r of rows) console.log(`${String(r["met"] ? "met " : "MISS")}  ${String(r["measure"])}: ${String(r["now"])} (target ${String(r["target"])})`);

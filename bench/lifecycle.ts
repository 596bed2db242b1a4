// Explores every shipped spec at its `deep` profile (the first profile where a spec has none) and
// prints the figures: distinct states, transitions fired, witnesses, depth, time, states/s and
// whether the exploration completed. `--json` prints one line per spec.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface Result {
  readonly machine: string;
  readonly profile: string;
  readonly ok: boolean;
  readonly complete?: boolean;
  readonly distinctStates: number;
  readonly depth: number;
  readonly durationMs: number;
  readonly statesPerSecond: number;
  readonly transitions: { readonly declared: number; readonly fired: number };
  readonly witnesses: readonly { readonly reached: boolean }[];
  readonly violations: readonly { readonly kind: string; readonly name: string }[];
  readonly bytesPerState?: number;
}

const root = join(fileURLToPath(import.meta.url), "..", "..");
const json = process.argv.includes("--json");
const maxStates = process.env["BENCH_MAX_STATES"] ?? "3000000";
const r = spawnSync(process.execPath, [join(root, "bin", "meerkat.mjs"), "check", "--all", "--profile", "deep", "--json", "--max-states", maxStates], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 256 * 1024 * 1024,
});
if (r.status === 2 || !r.stdout.trim().startsWith("[")) {
  console.error(r.stderr || r.stdout);
  process.exit(1);
}
const results = JSON.parse(r.stdout) as Result[];
for (const x of results) {
  const witnesses = `${x.witnesses.filter((w) => w.reached).length}/${x.witnesses.length}`;
  const verdict = x.ok ? "ok" : x.violations.map((v) => `${v.kind}:${v.name}`).join(", ");
  if (json) {
    console.log(JSON.stringify({ spec: x.machine, profile: x.profile, states: x.distinctStates, depth: x.depth, ms: x.durationMs, statesPerSecond: x.statesPerSecond, fired: x.transitions.fired, declared: x.transitions.declared, witnesses, ok: x.ok }));
  } else {
    console.log(
      `${x.machine.padEnd(16)} ${x.profile.padEnd(8)} ${String(x.distinctStates).padStart(10)} states  depth ${String(x.depth).padStart(3)}  ${(x.durationMs / 1000).toFixed(1).padStart(6)} s  ${String(x.statesPerSecond).padStart(8)} states/s  transitions ${x.transitions.fired}/${x.transitions.declared}  witnesses ${witnesses}  ${verdict}`,
    );
  }
}

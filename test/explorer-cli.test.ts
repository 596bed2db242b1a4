// `meerkat check` and `meerkat replay` end to end, in child processes, against copies of the
// shipped example specs and the seeded-bug fixtures (generated into .tmp/, never into generated/).

import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, generateFixtures, REPO, scratchDir } from "./explorer-helpers.js";
import { runMeerkat } from "./helpers/paths.js";

function meerkat(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = runMeerkat(REPO, ...args);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A working copy of the shipped examples: <dir>/spec/examples/*.json and <dir>/generated/. */
let work: string;
let specDir: string;
let outDir: string;

beforeAll(() => {
  work = scratchDir("explorer-cli");
  specDir = relative(REPO, join(work, "spec"));
  outDir = relative(REPO, join(work, "generated"));
  mkdirSync(join(work, "spec"), { recursive: true });
  cpSync(join(REPO, "spec", "examples"), join(work, "spec", "examples"), { recursive: true });
  const gen = meerkat("generate", "--spec", specDir, "--out", outDir);
  expect(gen.code, gen.stderr).toBe(0);
});

/** The shipped examples in the order `check --all` visits them (by file name), with the profile it picks. */
const SHIPPED_EXAMPLES: readonly (readonly [machine: string, profile: string])[] = [
  ["AlternatingBit", "ci"],
  ["Counter", "default"],
  ["DieHardAnyStart", "ci"],
  ["DieHard", "ci"],
  ["HourClock", "ci"],
  ["Mailroom", "ci"],
  ["Playlist", "ci"],
  ["TokenTour", "ci"],
  ["TurnstileAudit", "ci"],
  ["Turnstile", "ci"],
  ["TwoPhaseMessages", "ci"],
  ["TwoPhase", "ci"],
];

describe("meerkat check", () => {
  it("--all --profile ci --json passes on the shipped examples", () => {
    const r = meerkat("check", "--all", "--profile", "ci", "--json", "--spec", specDir, "--out", outDir, "--trace-dir", join(work, "traces"));
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(results.map((x) => x["machine"])).toEqual(SHIPPED_EXAMPLES.map(([machine]) => machine));
    // Counter has no ci profile: with --all it uses its first (default) profile.
    expect(results.map((x) => x["profile"])).toEqual(SHIPPED_EXAMPLES.map(([, profile]) => profile));
    for (const x of results) {
      for (const key of ["spec", "machine", "profile", "ok", "distinctStates", "depth", "durationMs", "statesPerSecond", "transitions", "violations", "witnesses", "invariantsChecked", "pruned", "peakMemoryBytes"]) {
        expect(x, key).toHaveProperty(key);
      }
      expect(x["ok"]).toBe(true);
      expect(x["violations"]).toEqual([]);
      expect(x["distinctStates"]).toBeGreaterThan(0);
    }
    expect(results.find((x) => x["machine"] === "Turnstile")?.["transitions"]).toEqual({ declared: 4, fired: 4 });
    // Several initial states are counted as such (and among the distinct states).
    expect(results.map((x) => [x["machine"], x["initialStates"]]).filter(([, n]) => n !== 1)).toEqual([["DieHardAnyStart", 8]]);
    expect(results.find((x) => x["machine"] === "DieHardAnyStart")?.["distinctStates"]).toBe(18);
  });

  it("prints the verdict table", () => {
    const r = meerkat("check", "--all", "--spec", specDir, "--out", outDir, "--show-witness", "--trace-dir", join(work, "traces"));
    expect(r.code, r.stderr).toBe(0);
    const header = r.stdout.split("\n")[0] ?? "";
    for (const col of ["spec", "profile", "states", "transitions", "witnesses", "invariants", "depth", "time", "states/s", "verdict"]) expect(header).toContain(col);
    expect(r.stdout).toMatch(/turnstile\.machine\.json\s+ci\s+64\s+4\/4\s+2\/2\s+3\s+5\s/);
    expect(r.stdout).toContain("witness full (coins == 3): 3 steps");
    expect(r.stdout).toContain("spec/examples/die-hard-any-start.machine.json: 8 initial states, each a root of the exploration (counted in the 18 states)");
  });

  it("exits 2 on an unknown profile, listing the known ones", () => {
    const r = meerkat("check", join(specDir, "examples", "turnstile.machine.json"), "--profile", "nope", "--spec", specDir, "--out", outDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no check profile "nope"');
    expect(r.stderr).toContain("ci, deep");
  });

  it("--workers 2 gives the same results as one worker; --workers 0 is a usage error", () => {
    const run = (...extra: string[]) => meerkat("check", "--all", "--profile", "ci", "--json", "--spec", specDir, "--out", outDir, "--trace-dir", join(work, "traces"), ...extra);
    const serial = run();
    const parallel = run("--workers", "2");
    expect(parallel.code, parallel.stderr).toBe(0);
    const counts = (r: { stdout: string }) => (JSON.parse(r.stdout) as Record<string, unknown>[]).map((x) => [x["machine"], x["distinctStates"], x["verdict"], x["witnesses"]]);
    expect(counts(parallel)).toEqual(counts(serial));
    const bad = run("--workers", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workers expects a positive integer, got "0"');
  });

  it("exits 2 without spec files or --all", () => {
    expect(meerkat("check", "--spec", specDir, "--out", outDir).code).toBe(2);
  });

  it("prints located spec errors like generate, and exits 1", () => {
    const broken = scratchDir("explorer-cli-invalid");
    cpSync(join(work, "spec"), join(broken, "spec"), { recursive: true });
    const file = join(broken, "spec", "examples", "counter.machine.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('"to": "Closed"', '"to": "Shut"'));
    const r = meerkat("check", "--all", "--spec", relative(REPO, join(broken, "spec")), "--out", relative(REPO, join(broken, "generated")));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/counter\.machine\.json:\d+:\d+ error\[unknown-phase\]: unknown target phase "Shut"/);
    expect(r.stderr).toContain("1 error");
  });

  it("refuses stale generated code with the fix command", () => {
    const stale = scratchDir("explorer-cli-stale");
    cpSync(join(work, "spec"), join(stale, "spec"), { recursive: true });
    cpSync(join(work, "generated"), join(stale, "generated"), { recursive: true });
    const file = join(stale, "generated", "examples", "counter.machine.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// edited by hand\n`);
    const r = meerkat("check", "--all", "--spec", relative(REPO, join(stale, "spec")), "--out", relative(REPO, join(stale, "generated")));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("out of sync");
    expect(r.stderr).toContain("fix: npx meerkat generate");
  });
});

describe("seeded bugs through the CLI", () => {
  it("check exits 1 and writes traces; replay reproduces them", () => {
    const fx = generateFixtures(join(FIXTURES, "seeded"), "explorer-cli-seeded");
    const spec = relative(REPO, fx.specDir);
    const out = relative(REPO, fx.outDir);
    const traces = join(work, "seeded-traces");
    const r = meerkat("check", "--all", "--spec", spec, "--out", out, "--trace-dir", traces);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/depth-bug\.machine\.json\s+default\s+12\s/);
    expect(r.stdout).toContain("invariant below_four");
    const files = readdirSync(traces).sort();
    expect(files).toEqual(
      expect.arrayContaining(["DepthBug.default.invariant.below_four.json", "Overlap.default.determinism.GoLeft_GoRight.json", "Refuse.default.route-refused.ping.json", "Stuck.strict.deadlock.Waiting.json"]),
    );
    const trace = JSON.parse(readFileSync(join(traces, "DepthBug.default.invariant.below_four.json"), "utf8")) as { steps: unknown[] };
    expect(trace.steps).toHaveLength(4);
    for (const f of ["DepthBug.default.invariant.below_four.json", "Refuse.default.route-refused.ping.json"]) {
      const replay = meerkat("replay", join(traces, f), "--spec", spec, "--out", out);
      expect(replay.code, replay.stdout + replay.stderr).toBe(0);
      expect(replay.stdout).toContain("reproduced");
      expect(replay.stdout.split("\n").some((l) => /^step\s+trigger\s+transition\s+phase after\s+effects/.test(l))).toBe(true);
    }
    // A trace that no longer shows its violation: replay exits 1.
    const broken = JSON.parse(readFileSync(join(traces, "DepthBug.default.invariant.below_four.json"), "utf8")) as { steps: unknown[] };
    broken.steps = broken.steps.slice(0, 2);
    writeFileSync(join(traces, "broken.json"), JSON.stringify(broken));
    const bad = meerkat("replay", join(traces, "broken.json"), "--spec", spec, "--out", out);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("NOT reproduced");
  }, 300_000); // six CLI runs: a safety net for a loaded machine, not a timing expectation
});

describe("start", () => {
  it("generates, then runs check --all with default profiles and prints the verdicts", () => {
    // `start` works on spec/ and generated/ of the working directory: run it in a scratch copy.
    const root = scratchDir("explorer-cli-start");
    cpSync(join(REPO, "spec", "examples"), join(root, "spec", "examples"), { recursive: true });
    const r = runMeerkat(root, "start");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`validated ${SHIPPED_EXAMPLES.length} specs`);
    expect(r.stdout).toContain("verdict");
    // Mailroom's tray is unbounded at run time, so its verdict is "ok (bounded: pruned)".
    expect(r.stdout.match(/ ok( \(bounded: [^)]*\))?\n/g)).toHaveLength(SHIPPED_EXAMPLES.length);
  });
});

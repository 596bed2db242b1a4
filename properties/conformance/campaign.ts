// The long conformance campaign (npm run properties:long): runs the model-based properties (no
// store, ops-heavy, MemoryStore and SQLite with restarts, crash-heavy) in rounds with fresh seeds
// until at least --commands commands ran, interleaved with races and fuzz rounds; stops at the first
// failure and prints it with its replay line. At the end it prints commands run, distinct runtime
// states seen, transition coverage (and which transitions were not hit, and why) and the time.
//
//   npm run properties:long [-- --commands 100000] [--seed 1] [--json] [--progress]
//
// The tour (tour.ts) runs first; the report says how much of the coverage random runs reached alone.

import fc from "fast-check";
import { Coverage, formatCoverage, type CoverageReport } from "./coverage.js";
import { failureOf } from "./property.js";
import { PROPERTIES, type PropertyEntry } from "./registry.js";
import { runTours } from "./tour.js";

interface Options {
  readonly commands: number;
  readonly seed: number;
  readonly json: boolean;
}

function parse(argv: readonly string[]): Options {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    commands: Number(get("--commands") ?? 100_000),
    seed: Number(get("--seed") ?? Date.now() % 1_000_000),
    json: argv.includes("--json"),
  };
}

export interface CampaignResult {
  readonly commands: number;
  /** Reachable session transitions the random runs alone drove (the tours excluded). */
  readonly randomReachableHit: number;
  readonly sequences: number;
  readonly distinctStates: number;
  readonly raceRuns: number;
  readonly fuzzRuns: number;
  readonly coverage: CoverageReport;
  readonly seconds: number;
  readonly failure: string | null;
}

/** Runs the campaign; `progress` is called after every round. */
export async function campaign(o: Options, progress?: (line: string) => void): Promise<CampaignResult> {
  const started = Date.now();
  const coverage = new Coverage();
  const tours = new Coverage();
  const states = new Set<string>();
  let commands = 0;
  let sequences = 0;
  let raceRuns = 0;
  let fuzzRuns = 0;
  let round = 0;
  const model = PROPERTIES.filter((p) => p.model);
  const others = PROPERTIES.filter((p) => p.name === "races" || p.name === "fuzz" || p.name === "fuzz-store");
  const runRound = async (entry: PropertyEntry, runs: number, seed: number): Promise<string | null> => {
    // The CI sizes (sequence length) are kept, so every printed replay line rebuilds the same property.
    const property = await entry.build({ coverage, onStep: () => void (commands += 1), onState: (d) => void states.add(d) });
    const details = await fc.check(property, { numRuns: runs, seed, endOnFailure: false });
    if (entry.model) sequences += details.numRuns;
    else if (entry.name === "races") raceRuns += details.numRuns;
    else fuzzRuns += details.numRuns;
    if (!details.failed) return null;
    return failureOf({ property: entry.name, testFile: entry.testFile, testName: entry.testName, numRuns: runs, seed }, details).message;
  };
  try {
    await runTours(tours);
  } catch (e) {
    return result(e instanceof Error ? e.message : String(e));
  }
  while (commands < o.commands) {
    const entry = model[round % model.length]!;
    const seed = o.seed + round;
    if (process.env["MEERKAT_CAMPAIGN_TRACE"] !== undefined) console.error(`round ${round}: ${entry.name} seed ${seed}`);
    const failure = await runRound(entry, entry.name === "model-sqlite-restart" ? 20 : 40, seed);
    round += 1;
    if (failure === null && round % model.length === 0) {
      for (const other of others) {
        if (process.env["MEERKAT_CAMPAIGN_TRACE"] !== undefined) console.error(`round ${round}: ${other.name} seed ${o.seed + round * 7 + other.numRuns}`);
        const f = await runRound(other, 50, o.seed + round * 7 + other.numRuns);
        if (f !== null) return result(f);
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    progress?.(`${commands.toLocaleString("en")} / ${o.commands.toLocaleString("en")} commands · ${sequences} sequences · ${states.size.toLocaleString("en")} states · ${raceRuns} races · ${fuzzRuns} fuzz · ${elapsed.toFixed(0)} s`);
    if (failure !== null) return result(failure);
  }
  return result(null);

  function result(failure: string | null): CampaignResult {
    const randomReachableHit = coverage.report().session.reachableHit;
    const all = new Coverage();
    all.merge(coverage);
    all.merge(tours);
    return { commands, randomReachableHit, sequences, distinctStates: states.size, raceRuns, fuzzRuns, coverage: all.report(), seconds: (Date.now() - started) / 1000, failure };
  }
}

const invoked = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (invoked) {
  const o = parse(process.argv.slice(2));
  const tty = process.stdout.isTTY === true && !o.json;
  if (!o.json) console.log(`conformance campaign: at least ${o.commands.toLocaleString("en")} commands, base seed ${o.seed}`);
  const log = process.argv.includes("--progress");
  const r = await campaign(o, (line) => {
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (log) console.log(line);
  });
  if (tty) process.stdout.write("\n");
  if (o.json) {
    console.log(JSON.stringify({ ...r, coverage: { session: r.coverage.session, ops: r.coverage.ops, notHit: r.coverage.notHit } }, null, 2));
  } else {
    console.log(`commands run: ${r.commands.toLocaleString("en")} in ${r.sequences.toLocaleString("en")} sequences (+ ${r.raceRuns} race runs, ${r.fuzzRuns} fuzz runs)`);
    console.log(`distinct runtime states seen: ${r.distinctStates.toLocaleString("en")}`);
    console.log(formatCoverage(r.coverage));
    console.log(`  (random runs alone: ${r.randomReachableHit}/${r.coverage.session.reachable} reachable session transitions; the rest from the tour)`);
    console.log(`time: ${r.seconds.toFixed(1)} s`);
    console.log(r.failure === null ? "failures: 0" : `FAILURE\n${r.failure}`);
  }
  if (r.coverage.missedReachable.length > 0) console.log(`warning: reachable transitions not hit: ${r.coverage.missedReachable.join(", ")}`);
  process.exitCode = r.failure === null ? 0 : 1;
}

// Replays one failing case of a conformance property from its seed and path:
//
//   npx tsx properties/conformance/replay.ts --property model-ephemeral --seed 7001 --path 123:0:3 [--replay-path 'AVA…']
//
// Prints the counterexample (steps), what differed, and exits 1 if it failed again, 0 if it passed.

import fc from "fast-check";
import { failureOf } from "./property.js";
import { propertyEntry, type BuildOptions } from "./registry.js";

export interface ReplayRequest {
  readonly property: string;
  readonly seed: number;
  readonly path?: string;
  readonly replayPath?: string;
  /** Only for tests: the same patch the failing run used. */
  readonly patch?: BuildOptions["patch"];
}

export interface ReplayResult {
  readonly failed: boolean;
  readonly report: string;
}

export async function replay(r: ReplayRequest): Promise<ReplayResult> {
  const entry = propertyEntry(r.property);
  const property = await entry.build({ ...(r.replayPath !== undefined ? { replayPath: r.replayPath } : {}), ...(r.patch !== undefined ? { patch: r.patch } : {}) });
  const details = await fc.check(property, { seed: r.seed, ...(r.path !== undefined ? { path: r.path } : {}), numRuns: r.path !== undefined ? 1 : entry.numRuns, endOnFailure: true });
  if (!details.failed) return { failed: false, report: `property "${r.property}" passed with seed ${r.seed}${r.path !== undefined ? ` and path ${r.path}` : ""}: not reproduced` };
  return { failed: true, report: failureOf({ property: r.property, testFile: entry.testFile, testName: entry.testName, numRuns: entry.numRuns, seed: r.seed }, details).message };
}

function parseArgs(argv: readonly string[]): ReplayRequest {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const property = get("--property");
  const seed = get("--seed");
  if (property === undefined || seed === undefined) {
    throw new Error("usage: npx tsx properties/conformance/replay.ts --property <name> --seed <n> [--path <p>] [--replay-path <r>]");
  }
  const path = get("--path");
  const replayPath = get("--replay-path");
  return { property, seed: Number(seed), ...(path !== undefined ? { path } : {}), ...(replayPath !== undefined ? { replayPath } : {}) };
}

const invoked = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (invoked) {
  try {
    const result = await replay(parseArgs(process.argv.slice(2)));
    console.log(result.report);
    process.exitCode = result.failed ? 1 : 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  }
}

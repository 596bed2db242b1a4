// The model-based conformance property (fast-check `commands` over steps) and the runner every
// conformance suite uses: fixed seeds in CI, and on failure a report with the seed, the path, the
// shrunk counterexample, what differed, and one-line commands that replay it.

import fc from "fast-check";
import type { ControlPlane } from "../../runtime/index.js";
import { SESSION_POOLS, stepArbitrary, type StepWeights } from "./arbitraries.js";
import type { Coverage } from "./coverage.js";
import { ConformanceError, Driver } from "./driver.js";
import { drainAndCheck } from "./obligations.js";
import { showStep, type Step } from "./steps.js";
import { World, type StoreFactory } from "./world.js";

/** One step as a fast-check command over (driver, world). */
export class StepCommand implements fc.AsyncCommand<Driver, World> {
  constructor(
    readonly step: Step,
    /** Counts the commands run (the long campaign). */
    readonly onStep?: () => void,
  ) {}
  check(driver: Readonly<Driver>): boolean {
    return driver.model.applicable(this.step);
  }
  async run(driver: Driver): Promise<void> {
    this.onStep?.();
    await driver.run(this.step);
  }
  toString(): string {
    return showStep(this.step);
  }
}

/** The step mix (StepWeights: restarts, ops-heavy, crash-heavy, floods) and how a sequence runs. */
export interface ConformanceOptions extends StepWeights {
  readonly store?: StoreFactory;
  readonly maxCommands?: number;
  readonly coverage?: Coverage;
  /** Applied to each runtime after creation (injected-bug tests). */
  readonly patch?: (rt: ControlPlane) => void;
  /** Sees the contributors of every executor call. */
  readonly onBatch?: (contributors: readonly string[]) => void;
  readonly replayPath?: string;
  /** Observation hooks for the long campaign. */
  readonly onState?: (digest: string) => void;
  readonly onStep?: () => void;
}

/** Runs steps through a fresh runtime and the model, then drains and checks the obligations. */
export async function runSequence(names: readonly string[], steps: Iterable<fc.AsyncCommand<Driver, World>>, o: ConformanceOptions): Promise<void> {
  const world = new World({ sessions: names, store: o.store, observer: o.coverage?.observer, patch: o.patch, onBatch: o.onBatch });
  await world.start();
  const driver = new Driver(names, world, { onState: o.onState });
  try {
    await fc.asyncModelRun(() => ({ model: driver, real: world }), steps);
    await drainAndCheck(driver);
  } finally {
    await world.dispose();
  }
}

export function conformanceProperty(o: ConformanceOptions = {}): fc.IAsyncPropertyWithHooks<[readonly string[], Iterable<fc.AsyncCommand<Driver, World>>]> {
  const steps = stepArbitrary(o).map((s) => new StepCommand(s, o.onStep) as fc.AsyncCommand<Driver, World>);
  const cmds = fc.commands([steps], { maxCommands: o.maxCommands ?? 60, size: "max", ...(o.replayPath !== undefined ? { replayPath: o.replayPath } : {}) });
  return fc.asyncProperty(fc.constantFrom(...SESSION_POOLS), cmds, (names, commands) => runSequence(names, commands, o));
}

// ── running with replay information ───────────────────────────────────────────────────────────

export interface RunSpec {
  /** The registry name (properties/conformance/registry.ts), used by replay.ts. */
  readonly property: string;
  /** The test file, for the vitest replay line. */
  readonly testFile?: string;
  /** The vitest test name (for -t). */
  readonly testName?: string;
  readonly numRuns: number;
  readonly seed: number;
  readonly path?: string;
  readonly replayPath?: string;
}

/** Seed, path and replay path from the environment (MEERKAT_FC_SEED, MEERKAT_FC_PATH, MEERKAT_FC_REPLAY). */
export function fromEnvironment(spec: RunSpec): RunSpec {
  const seed = process.env["MEERKAT_FC_SEED"];
  const path = process.env["MEERKAT_FC_PATH"];
  const replay = process.env["MEERKAT_FC_REPLAY"];
  const only = process.env["MEERKAT_FC_PROPERTY"];
  if (seed === undefined || (only !== undefined && only !== spec.property)) return spec;
  return { ...spec, seed: Number(seed), ...(path !== undefined ? { path } : {}), ...(replay !== undefined ? { replayPath: replay } : {}) };
}

export class PropertyFailure extends Error {
  override readonly name = "PropertyFailure";
  constructor(
    message: string,
    readonly seed: number,
    readonly path: string | null,
    readonly counterexample: string,
    /** Model properties: how many steps the shrunk counterexample ran (null otherwise). */
    readonly numSteps: number | null,
  ) {
    super(message);
  }
}

/** Checks a property; on failure throws PropertyFailure with the seed, path and replay commands. */
export async function checkProperty<Ts>(spec: RunSpec, property: fc.IAsyncProperty<Ts> | fc.IAsyncPropertyWithHooks<Ts>): Promise<fc.RunDetails<Ts>> {
  const details = await fc.check(property, { numRuns: spec.numRuns, seed: spec.seed, ...(spec.path !== undefined ? { path: spec.path } : {}), endOnFailure: false });
  if (!details.failed) return details;
  throw failureOf(spec, details);
}

export function failureOf<Ts>(spec: RunSpec, details: fc.RunDetails<Ts>): PropertyFailure {
  const counterexample = details.counterexample === null ? "(none)" : fc.stringify(details.counterexample);
  const replayPath = /replayPath="([^"]*)"/.exec(counterexample)?.[1];
  const path = details.counterexamplePath;
  const env = `MEERKAT_FC_PROPERTY=${spec.property} MEERKAT_FC_SEED=${details.seed}${path !== null ? ` MEERKAT_FC_PATH=${path}` : ""}${replayPath !== undefined ? ` MEERKAT_FC_REPLAY='${replayPath}'` : ""}`;
  const vitest = spec.testFile === undefined ? null : `${env} npx vitest run ${spec.testFile}${spec.testName !== undefined ? ` -t ${JSON.stringify(spec.testName)}` : ""}`;
  const tsx = `npx tsx properties/conformance/replay.ts --property ${spec.property} --seed ${details.seed}${path !== null ? ` --path ${path}` : ""}${replayPath !== undefined ? ` --replay-path '${replayPath}'` : ""}`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  // Model properties: the steps the failing (shrunk) sequence ran, drain steps included.
  const steps = details.errorInstance instanceof ConformanceError ? details.errorInstance.trace.length : null;
  const message = [
    `property "${spec.property}" failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)`,
    `  seed: ${details.seed}`,
    `  path: ${path ?? "(none)"}`,
    `  counterexample: ${counterexample}`,
    `  error: ${error}`,
    `  replay: ${tsx}`,
    ...(vitest !== null ? [`  replay (vitest): ${vitest}`] : []),
  ].join("\n");
  return new PropertyFailure(message, details.seed, path, counterexample, steps);
}

/** Runs a fixed list of steps (a counterexample) through a fresh runtime and the model; throws ConformanceError on a difference. */
export async function runSteps(names: readonly string[], steps: readonly Step[], o: ConformanceOptions = {}): Promise<void> {
  await runSequence(names, steps.map((s) => new StepCommand(s)), o);
}

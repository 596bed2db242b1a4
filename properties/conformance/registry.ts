// Every conformance property by name, with its CI size and fixed seed. The tests, the replay CLI and
// the long campaign all build properties from here, so a printed replay line always rebuilds the
// exact property that failed.

import type fc from "fast-check";
import { fuzzProperty, type FuzzFamilies } from "./fuzz.js";
import { conformanceProperty, type ConformanceOptions } from "./property.js";
import { raceProperty } from "./races.js";
import { memoryStore, sqliteStore } from "./stores.js";

/** What a caller adds to a registered property: coverage, a replay path, an injected bug (patch), the campaign's hooks. */
export type BuildOptions = Pick<ConformanceOptions, "coverage" | "replayPath" | "patch" | "onState" | "onStep" | "onBatch">;

type AnyProperty = fc.IAsyncProperty<never> | fc.IAsyncPropertyWithHooks<never>;

export interface PropertyEntry {
  readonly name: string;
  readonly description: string;
  readonly testFile: string;
  readonly testName: string;
  /** CI size. */
  readonly numRuns: number;
  readonly seed: number;
  /** Model-based (counts commands and states in the campaign). */
  readonly model: boolean;
  build(o?: BuildOptions): Promise<AnyProperty>;
}

const as = <T>(p: fc.IAsyncPropertyWithHooks<T>): AnyProperty => p as unknown as AnyProperty;

/** A model-based property: command sequences compared with the reference model (test/conformance-model.test.ts). */
function model(name: string, description: string, numRuns: number, seed: number, variant: () => Promise<ConformanceOptions> | ConformanceOptions = () => ({})): PropertyEntry {
  // The variants never set a BuildOptions field; sequences of up to 80 commands.
  const build = async (o: BuildOptions = {}): Promise<AnyProperty> => as(conformanceProperty({ ...(await variant()), ...o, maxCommands: 80 }));
  return { name, description, testFile: "test/conformance-model.test.ts", testName: name, numRuns, seed, model: true, build };
}

function fuzz(name: string, description: string, testFile: string, testName: string, numRuns: number, seed: number, families: FuzzFamilies, store = false): PropertyEntry {
  const build = async (o: BuildOptions = {}): Promise<AnyProperty> => as(fuzzProperty(families, { store, patch: o.patch }));
  return { name, description, testFile, testName, numRuns, seed, model: false, build };
}

export const PROPERTIES: readonly PropertyEntry[] = [
  model("model-ephemeral", "command sequences on a runtime without a store (floods fill batches past their cap)", 300, 7001, () => ({ flood: true })),
  model("model-ops", "command sequences heavy on the ops registry and detached wakes", 150, 7004, () => ({ opsHeavy: true })),
  model("model-memory-restart", "command sequences with restarts over one MemoryStore", 300, 7002, () => ({ store: memoryStore, restart: true })),
  model("model-sqlite-restart", "command sequences with restarts that close and reopen one SQLite file", 100, 7003, async () => ({ store: await sqliteStore(), restart: true })),
  model("model-crash-restart", "failing runs and frequent restarts over a MemoryStore (exhausted inputs recovered)", 150, 7005, () => ({ store: memoryStore, restart: true, crashHeavy: true })),
  {
    name: "races",
    description: "scheduler-driven interleavings of executor steps and API calls",
    testFile: "test/conformance-races.test.ts",
    testName: "races",
    numRuns: 600,
    seed: 7101,
    model: false,
    build: async (o = {}) => as(raceProperty(o.patch)),
  },
  fuzz("fuzz", "hostile and malformed values at every entry point, random call orders", "test/conformance-fuzz.test.ts", "fuzz", 300, 7201, {}),
  fuzz("fuzz-store", "the fuzz property over a MemoryStore-backed runtime", "test/conformance-fuzz.test.ts", "fuzz-store", 120, 7202, {}, true),
  fuzz("fuzz-out-of-domain", "fences and generations outside the spec's domains (fixed bug binding-values-unchecked)", "test/conformance-known-bugs.test.ts", "binding-values-unchecked", 200, 7203, { outOfDomainNumbers: true }),
  fuzz("fuzz-ill-typed", "arguments violating the TypeScript signatures (fixed bug untyped-errors-on-ill-typed-arguments)", "test/conformance-known-bugs.test.ts", "untyped-errors-on-ill-typed-arguments", 200, 7204, { illTyped: true }),
];

export function propertyEntry(name: string): PropertyEntry {
  const e = PROPERTIES.find((p) => p.name === name);
  if (e === undefined) throw new Error(`unknown property ${JSON.stringify(name)}; known: ${PROPERTIES.map((p) => p.name).join(", ")}`);
  return e;
}

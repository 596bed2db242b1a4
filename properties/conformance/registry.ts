// Every conformance property by name, with its CI size and fixed seed. The tests, the replay CLI and
// the long campaign all build properties from here, so a printed replay line always rebuilds the
// exact property that failed.

import type fc from "fast-check";
import type { ControlPlane } from "../../runtime/index.js";
import type { Coverage } from "./coverage.js";
import { fuzzProperty } from "./fuzz.js";
import type { KnownBug } from "./known-bugs.js";
import { conformanceProperty } from "./property.js";
import { raceProperty } from "./races.js";
import { memoryStore, sqliteStore } from "./stores.js";

export interface BuildOptions {
  readonly coverage?: Coverage;
  readonly replayPath?: string;
  readonly patch?: (rt: ControlPlane) => void;
  readonly mimic?: ReadonlySet<KnownBug>;
  readonly maxCommands?: number;
  readonly onState?: (digest: string) => void;
  readonly onStep?: () => void;
}

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
  build(o?: BuildOptions): Promise<fc.IAsyncProperty<never> | fc.IAsyncPropertyWithHooks<never>>;
}

type AnyProperty = fc.IAsyncProperty<never> | fc.IAsyncPropertyWithHooks<never>;
const as = <T>(p: fc.IAsyncPropertyWithHooks<T>): AnyProperty => p as unknown as AnyProperty;

const MODEL_FILE = "test/conformance-model.test.ts";

function modelOptions(o: BuildOptions) {
  return {
    ...(o.coverage !== undefined ? { coverage: o.coverage } : {}),
    ...(o.replayPath !== undefined ? { replayPath: o.replayPath } : {}),
    ...(o.patch !== undefined ? { patch: o.patch } : {}),
    ...(o.mimic !== undefined ? { mimic: o.mimic } : {}),
    ...(o.onState !== undefined ? { onState: o.onState } : {}),
    ...(o.onStep !== undefined ? { onStep: o.onStep } : {}),
    maxCommands: o.maxCommands ?? 80,
  };
}

export const PROPERTIES: readonly PropertyEntry[] = [
  {
    name: "model-ephemeral",
    description: "command sequences on a runtime without a store",
    testFile: MODEL_FILE,
    testName: "model-ephemeral",
    numRuns: 300,
    seed: 7001,
    model: true,
    build: async (o = {}) => as(conformanceProperty(modelOptions(o))),
  },
  {
    name: "model-ops",
    description: "command sequences heavy on the ops registry and detached wakes",
    testFile: MODEL_FILE,
    testName: "model-ops",
    numRuns: 150,
    seed: 7004,
    model: true,
    build: async (o = {}) => as(conformanceProperty({ ...modelOptions(o), opsHeavy: true })),
  },
  {
    name: "model-memory-restart",
    description: "command sequences with restarts over one MemoryStore",
    testFile: MODEL_FILE,
    testName: "model-memory-restart",
    numRuns: 300,
    seed: 7002,
    model: true,
    build: async (o = {}) => as(conformanceProperty({ ...modelOptions(o), store: memoryStore, restart: true })),
  },
  {
    name: "model-sqlite-restart",
    description: "command sequences with restarts that close and reopen one SQLite file",
    testFile: MODEL_FILE,
    testName: "model-sqlite-restart",
    numRuns: 100,
    seed: 7003,
    model: true,
    build: async (o = {}) => as(conformanceProperty({ ...modelOptions(o), store: await sqliteStore(), restart: true })),
  },
  {
    name: "model-crash-restart",
    description: "failing runs and frequent restarts over a MemoryStore (exhausted inputs recovered)",
    testFile: MODEL_FILE,
    testName: "model-crash-restart",
    numRuns: 150,
    seed: 7005,
    model: true,
    build: async (o = {}) => as(conformanceProperty({ ...modelOptions(o), store: memoryStore, restart: true, crashHeavy: true })),
  },
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
  {
    name: "fuzz",
    description: "hostile and malformed values at every entry point, random call orders",
    testFile: "test/conformance-fuzz.test.ts",
    testName: "fuzz",
    numRuns: 300,
    seed: 7201,
    model: false,
    build: async (o = {}) => as(fuzzProperty({}, { ...(o.patch !== undefined ? { patch: o.patch } : {}), ...(o.mimic !== undefined ? { mimic: o.mimic } : {}) })),
  },
  {
    name: "fuzz-store",
    description: "the fuzz property over a MemoryStore-backed runtime",
    testFile: "test/conformance-fuzz.test.ts",
    testName: "fuzz-store",
    numRuns: 120,
    seed: 7202,
    model: false,
    build: async (o = {}) => as(fuzzProperty({}, { store: true, ...(o.patch !== undefined ? { patch: o.patch } : {}), ...(o.mimic !== undefined ? { mimic: o.mimic } : {}) })),
  },
  {
    name: "fuzz-out-of-domain",
    description: "fences and generations outside the spec's domains (open bug binding-values-unchecked)",
    testFile: "test/conformance-known-bugs.test.ts",
    testName: "binding-values-unchecked",
    numRuns: 200,
    seed: 7203,
    model: false,
    build: async (o = {}) => as(fuzzProperty({ outOfDomainNumbers: true }, o.mimic !== undefined ? { mimic: o.mimic } : {})),
  },
  {
    name: "fuzz-ill-typed",
    description: "arguments violating the TypeScript signatures (open bug untyped-errors-on-ill-typed-arguments)",
    testFile: "test/conformance-known-bugs.test.ts",
    testName: "untyped-errors-on-ill-typed-arguments",
    numRuns: 200,
    seed: 7204,
    model: false,
    build: async (o = {}) => as(fuzzProperty({ illTyped: true }, o.mimic !== undefined ? { mimic: o.mimic } : {})),
  },
];

export function propertyEntry(name: string): PropertyEntry {
  const e = PROPERTIES.find((p) => p.name === name);
  if (e === undefined) throw new Error(`unknown property ${JSON.stringify(name)}; known: ${PROPERTIES.map((p) => p.name).join(", ")}`);
  return e;
}

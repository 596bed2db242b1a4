// Invariant mutation tests ("teeth"): for every invariant of the shipped lifecycle specs,
// test/fixtures/mutations.json holds a one-value mutation of a spec (a dropped guard, a missing
// cleanup update, an off-by-one) that models a realistic bug. Each mutant must still be a valid
// spec, and the explorer must report exactly that invariant as violated, with a shortest trace
// that replays; the unmutated spec must not violate it. An invariant with no mutation entry fails
// the test, so a new invariant needs teeth too.
//
// Every mutant is copied with the specs its subject needs into its own directory under .tmp/ and
// all of them (and the unmutated specs) are generated in ONE generateFiles call: ts-morph start-up
// dominates generation time.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { formatDiagnostics } from "../generator/diagnostics.js";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { SpecModel } from "../generator/model.js";
import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";
import { exploreComposition, exploreMachine, replayTrace, type ExploreOptions, type ExploreResult, type Trace } from "../properties/explorer/index.js";
import type { ReplayTarget } from "../properties/explorer/replay.js";
import { REPO, tempDir } from "./helpers/paths.js";

/** The specs whose invariants must all have teeth. */
const SPECS = [
  "spec/session.machine.json",
  "spec/turn.machine.json",
  "spec/ops.machine.json",
  "spec/mob.machine.json",
  "spec/meerkat-mob-seam.composition.json",
  "spec/session-turn.composition.json",
] as const;

/** Profile every mutant is explored under, unless its entry names another (with its reason in `why`). */
const PROFILE = "ci";
/**
 * A mutant's violation must show up within this many states (exploration stops at the violation).
 * The deepest mutant (session's off-by-one in FailToIdle, 11 steps) needs about 120 000.
 */
const MAX_STATES = 250_000;

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

interface Mutation {
  /** The spec file that is mutated. */
  readonly spec: string;
  /** For a composition invariant: the composition explored (its member machines are copied with it). */
  readonly composition?: string;
  readonly invariant: string;
  /** JSON Pointer (RFC 6901) of the mutated value. */
  readonly pointer: string;
  /** The value at the pointer in the current spec: a stale mutation fails instead of passing. */
  readonly from: Json;
  /** The new value; null removes the key or array element. */
  readonly to: Json;
  /** A profile other than ci, when ci's bounds cannot show the violation (say why). */
  readonly profile?: string;
  readonly why: string;
}

const MUTATIONS = JSON.parse(readFileSync(join(REPO, "test", "fixtures", "mutations.json"), "utf8")) as readonly Mutation[];

const readJson = (file: string): Json => JSON.parse(readFileSync(join(REPO, file), "utf8")) as Json;
const objectOf = (v: Json | undefined): { readonly [key: string]: Json } => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as { readonly [key: string]: Json }) : {});
const invariantsOf = (file: string): string[] => Object.keys(objectOf(objectOf(readJson(file)).invariants));
const subjectOf = (m: Mutation): string => m.composition ?? m.spec;
const label = (m: Mutation): string => `${m.invariant} (${m.spec} ${m.pointer})`;

/** The spec files a subject needs: a machine alone, or a composition with its member machines. */
function specSet(subject: string): string[] {
  if (!subject.endsWith(".composition.json")) return [subject];
  const machines = new Set(Object.values(objectOf(objectOf(readJson(subject)).instances)).map((i) => objectOf(i).machine));
  return [subject, ...SPECS.filter((f) => f.endsWith(".machine.json") && machines.has(objectOf(readJson(f)).machine))];
}

function decodePointer(pointer: string): string[] {
  if (!pointer.startsWith("/")) throw new Error(`pointer ${JSON.stringify(pointer)} does not start with /`);
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Applies one mutation to a spec document (a fresh copy); throws, naming the mutation, when `from` does not match. */
function mutate(doc: Json, m: Mutation): Json {
  const copy = structuredClone(doc) as Json;
  const keys = decodePointer(m.pointer);
  const last = keys.pop() as string;
  let parent: Json = copy;
  for (const k of keys) {
    const next: Json | undefined = Array.isArray(parent) ? (parent as Json[])[Number(k)] : objectOf(parent)[k];
    if (next === undefined || next === null || typeof next !== "object") throw new Error(`mutation ${label(m)}: ${m.spec} has no ${m.pointer}`);
    parent = next;
  }
  const container = parent as Json[] | { [key: string]: Json };
  const current: Json | undefined = Array.isArray(container) ? container[Number(last)] : container[last];
  if (current === undefined || !isDeepStrictEqual(current, m.from)) {
    throw new Error(`mutation ${label(m)} is stale: ${m.spec} holds ${JSON.stringify(current)} at ${m.pointer}, the mutation expects ${JSON.stringify(m.from)}`);
  }
  if (isDeepStrictEqual(m.to, m.from)) throw new Error(`mutation ${label(m)} changes nothing`);
  if (Array.isArray(container)) {
    if (m.to === null) container.splice(Number(last), 1);
    else container[Number(last)] = m.to;
  } else if (m.to === null) delete container[last];
  else container[last] = m.to;
  return copy;
}

/** One explored subject: an unmutated spec set or a mutant. */
interface Case {
  /** Why the case could not be built (stale mutation, spec diagnostics); null when it was generated. */
  problem: string | null;
  model: SpecModel | null;
}

let base = "";
let specRoot = "";
let outDir = "";
/** The generated mutants (about 12 MB) are deleted after the run unless a test failed. */
let keep = false;
const originals = new Map<string, Case>();
const mutants: Case[] = [];

/** Copies the subject's spec set into `dir`, applying the mutation if any, and loads it. */
function prepare(dir: string, subject: string, m: Mutation | null): { c: Case; specs: readonly SpecModel[] } {
  const c: Case = { problem: null, model: null };
  mkdirSync(dir, { recursive: true });
  for (const file of specSet(subject)) {
    const doc = readJson(file);
    let text = JSON.stringify(doc, null, 2);
    if (m && file === m.spec) {
      try {
        text = JSON.stringify(mutate(doc, m), null, 2);
      } catch (e) {
        c.problem = (e as Error).message;
        return { c, specs: [] };
      }
    }
    writeFileSync(join(dir, file.slice(file.lastIndexOf("/") + 1)), `${text}\n`);
  }
  const loaded = loadSpecs([dir], REPO);
  if (loaded.diagnostics.length > 0) {
    c.problem = `${m ? `mutant ${label(m)}` : subject} is not a valid spec:\n${formatDiagnostics(loaded.diagnostics)}`;
    return { c, specs: [] };
  }
  const main = join(dir, subject.slice(subject.lastIndexOf("/") + 1));
  c.model = loaded.specs.find((s) => join(REPO, s.file) === main) ?? null;
  if (!c.model) c.problem = `no model for ${main}`;
  return { c, specs: loaded.specs };
}

beforeAll(() => {
  base = tempDir("invariant-mutations");
  specRoot = join(base, "spec");
  outDir = join(base, "out");
  const all: SpecModel[] = [];
  for (const subject of SPECS) {
    const { c, specs } = prepare(join(specRoot, `original-${subject.replace(/^spec\/|\..*$/g, "")}`), subject, null);
    originals.set(subject, c);
    all.push(...specs);
  }
  MUTATIONS.forEach((m, i) => {
    const { c, specs } = prepare(join(specRoot, `m${String(i).padStart(2, "0")}-${m.invariant}`), subjectOf(m), m);
    mutants.push(c);
    all.push(...specs);
  });
  const files = generateFiles(all, { specRoot, outDir, kernelDir: join(REPO, "kernel"), root: REPO });
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
}, 180_000);

afterAll(() => {
  if (base !== "" && !keep) rmSync(base, { recursive: true, force: true });
});

/** Imports a case's generated kernel. */
async function targetOf(c: Case): Promise<ReplayTarget> {
  if (c.problem !== null || !c.model) throw new Error(c.problem ?? "not generated");
  const model = c.model;
  const file = join(outDir, outputPathFor(join(REPO, model.file), specRoot));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const kind = model.kind === "composition" ? "composition" : "machine";
  for (const v of Object.values(mod)) {
    if (typeof v === "object" && v !== null && (v as Record<string, unknown>)[kind] === model.name) {
      return kind === "machine" ? { kind, kernel: v as AnyKernel } : { kind, kernel: v as CompositionKernel<unknown> };
    }
  }
  throw new Error(`${relative(REPO, file)} exports no ${kind} kernel named ${model.name}`);
}

function exploreTarget(t: ReplayTarget, options: ExploreOptions): ExploreResult {
  return t.kind === "machine" ? exploreMachine(t.kernel, options) : exploreComposition(t.kernel, options);
}

interface OriginalRun {
  readonly result: ExploreResult;
  /** Every state up to this BFS depth was checked (Infinity when the exploration is complete). */
  readonly coveredDepth: number;
}

const originalRuns = new Map<string, Promise<OriginalRun>>();

/**
 * The unmutated subject explored once per profile: completely under ci; under a larger profile
 * (too slow to finish inside the test suite) up to MAX_STATES, which checks every state up to
 * some depth: a mutant's violation must then lie within that depth.
 */
function originalRun(subject: string, profile: string): Promise<OriginalRun> {
  const key = `${subject} ${profile}`;
  let run = originalRuns.get(key);
  if (!run) {
    run = targetOf(originals.get(subject) as Case).then((t) => {
      const result = exploreTarget(t, profile === PROFILE ? { profile } : { profile, maxStates: MAX_STATES });
      return { result, coveredDepth: result.complete ? Infinity : result.depth - 1 };
    });
    originalRuns.set(key, run);
  }
  return run;
}

describe("invariant mutation fixtures", () => {
  it("give every invariant of the lifecycle specs at least one mutation", () => {
    const missing = SPECS.flatMap((f) => invariantsOf(f).filter((inv) => !MUTATIONS.some((m) => subjectOf(m) === f && m.invariant === inv)).map((inv) => `${f}: ${inv}`));
    expect(missing, "invariants without a mutation in test/fixtures/mutations.json").toEqual([]);
  });

  it("name existing invariants and mutate a spec of the explored subject", () => {
    const bad = MUTATIONS.filter((m) => {
      const subject = subjectOf(m);
      return (
        !(SPECS as readonly string[]).includes(subject) ||
        !invariantsOf(subject).includes(m.invariant) ||
        !specSet(subject).includes(m.spec) ||
        (m.composition !== undefined && !m.composition.endsWith(".composition.json")) ||
        m.why.trim() === ""
      );
    }).map(label);
    expect(bad).toEqual([]);
  });
});

// The unmutated specs: under ci (and any other profile a mutation uses) they violate no invariant.
describe.each(SPECS.map((s) => [s]))("unmutated %s", (subject) => {
  const profiles = [...new Set([PROFILE, ...MUTATIONS.filter((m) => subjectOf(m) === subject).map((m) => m.profile ?? PROFILE)])];
  it.each(profiles.map((p) => [p]))("violates none of its invariants under profile %s", async (profile) => {
    onTestFailed(() => {
      keep = true;
    });
    expect(originals.get(subject)?.problem).toBeNull();
    const { result, coveredDepth } = await originalRun(subject, profile);
    if (profile === PROFILE) expect(result.complete, `${subject} (${profile}) explored completely`).toBe(true);
    else expect(coveredDepth).toBeGreaterThan(0);
    expect(result.violations.filter((v) => v.kind === "invariant").map((v) => v.name)).toEqual([]);
  });
});

describe.each(SPECS.map((s) => [s]))("mutants of %s", (subject) => {
  const entries = MUTATIONS.map((m, i) => ({ m, i })).filter(({ m }) => subjectOf(m) === subject);
  it.each(entries.map(({ m, i }) => [m.invariant, i] as const))("%s has teeth", async (_name, i) => {
    onTestFailed(() => {
      keep = true;
    });
    const m = MUTATIONS[i] as Mutation;
    const c = mutants[i] as Case;
    expect(c.problem, `mutation ${label(m)}`).toBeNull();
    const target = await targetOf(c);
    const profile = m.profile ?? PROFILE;
    const r = exploreTarget(target, { profile, maxStates: MAX_STATES, stopOnViolation: { kind: "invariant", name: m.invariant } });
    const found = r.violations.filter((v) => v.kind === "invariant" && v.name === m.invariant);
    expect(found, `mutation ${label(m)} (${m.why}) breaks ${m.invariant} within ${MAX_STATES} states; found ${JSON.stringify(r.violations.map((v) => `${v.kind}:${v.name}`))}`).toHaveLength(1);
    // Stopped at the violation: nothing about the whole state space (coverage, witnesses, limit) is judged.
    expect(r.complete).toBe(false);
    expect(r.violations.filter((v) => v.trace === null).map((v) => `${v.kind}:${v.name}`)).toEqual([]);
    const trace = found[0]?.trace as Trace | null;
    if (!trace) throw new Error(`mutation ${label(m)}: the violation has no trace`);
    expect(trace).toMatchObject({ kind: "invariant", name: m.invariant, profile });
    const replay = replayTrace(trace, target);
    expect(replay.reproduced, `mutation ${label(m)}: ${replay.message}`).toBe(true);
    expect(replay.rows).toHaveLength(trace.steps.length);

    // The unmutated spec does not violate it (at least as deep as the mutant's trace).
    const original = await originalRun(subject, profile);
    expect(original.result.violations.filter((v) => v.kind === "invariant" && v.name === m.invariant), `unmutated ${subject} violates ${m.invariant}`).toEqual([]);
    expect(trace.steps.length, `the unmutated ${subject} was checked to depth ${original.coveredDepth} only`).toBeLessThanOrEqual(original.coveredDepth);
  });
});

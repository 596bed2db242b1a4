// Teeth for the lease protocol (spec/lease.machine.json): each invariant has a one-value mutation
// that models a realistic ownership bug; the explorer must report exactly that invariant, with a
// trace that replays, while the unmutated spec holds everywhere under ci. Same method as
// test/invariant-mutations.test.ts, kept separate so the lease spec's cases live with it.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostics } from "../generator/diagnostics.js";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import type { AnyKernel } from "../kernel/descriptor.js";
import { exploreMachine, replayTrace, type Trace } from "../properties/explorer/index.js";
import { REPO, tempDir } from "./helpers/paths.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Mutation {
  readonly invariant: string;
  readonly pointer: string;
  readonly from: Json;
  readonly to: Json;
  readonly why: string;
}

const SPEC = "spec/lease.machine.json";
const doc = JSON.parse(readFileSync(join(REPO, SPEC), "utf8")) as { [key: string]: Json };

const MUTATIONS: readonly Mutation[] = [
  {
    invariant: "one_writer_per_fence",
    pointer: "/transitions/0/updates/1",
    from: "fence = fence + 1",
    to: null,
    why: "a takeover reuses the fence instead of incrementing it: two nodes hold the current fence",
  },
  {
    invariant: "stale_write_refused",
    pointer: "/transitions/17/updates",
    from: ["held.remove(node)", "running.remove(node)", "staleRefused = true"],
    to: ["staleAccepted = staleAccepted || held.getOr(node, 0) < fence", "stored.put(running.get(node).value, Consumed)", "held.remove(node)", "running.remove(node)"],
    why: "the fence is checked after the commit's rows were written, and the refusal does not roll them back",
  },
  {
    invariant: "acknowledged_input_kept",
    pointer: "/transitions/10/updates/2",
    from: "stored.put(input, Queued)",
    to: null,
    why: "admission deletes the inbox row without storing the input (a transfer split over two transactions)",
  },
  {
    invariant: "consumed_at_most_once",
    pointer: "/transitions/12/guards/staged",
    from: "stored.get(input) == some(Staged)",
    to: "stored.containsKey(input)",
    why: "recovery requeues every stored input, consumed ones included",
  },
  {
    invariant: "runs_only_under_a_lease",
    pointer: "/transitions/17/updates/1",
    from: "running.remove(node)",
    to: null,
    why: "a fenced-out node forgets the lease but keeps its run going",
  },
  {
    invariant: "owner_run_is_staged",
    pointer: "/transitions/12/guards/not_own_run",
    from: "running.get(node) != some(input)",
    to: null,
    why: "recovery requeues the owner's own run in flight",
  },
];

function mutate(m: Mutation): Json {
  const copy = structuredClone(doc) as Json;
  const keys = m.pointer.slice(1).split("/");
  const last = keys.pop() as string;
  let parent = copy;
  for (const k of keys) parent = (Array.isArray(parent) ? parent[Number(k)] : (parent as { [key: string]: Json })[k]) as Json;
  const current = Array.isArray(parent) ? parent[Number(last)] : (parent as { [key: string]: Json })[last];
  if (!isDeepStrictEqual(current, m.from)) throw new Error(`stale mutation ${m.invariant}: ${SPEC} holds ${JSON.stringify(current)} at ${m.pointer}`);
  if (Array.isArray(parent)) {
    if (m.to === null) parent.splice(Number(last), 1);
    else parent[Number(last)] = m.to;
  } else if (m.to === null) delete (parent as { [key: string]: Json })[last];
  else (parent as { [key: string]: Json })[last] = m.to;
  return copy;
}

const kernels = new Map<string, AnyKernel>();

beforeAll(async () => {
  const base = tempDir("lease-mutations");
  const specRoot = join(base, "spec");
  const outDir = join(base, "out");
  const cases: [string, Json][] = [["original", doc], ...MUTATIONS.map((m): [string, Json] => [m.invariant, mutate(m)])];
  const dirs = cases.map(([name, json]) => {
    const dir = join(specRoot, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "lease.machine.json"), `${JSON.stringify(json, null, 2)}\n`);
    return dir;
  });
  // Loaded one by one (every case defines the same machine name), generated in one call.
  const specs = dirs.flatMap((dir) => {
    const loaded = loadSpecs([dir], REPO);
    if (loaded.diagnostics.length > 0) throw new Error(formatDiagnostics(loaded.diagnostics));
    return loaded.specs;
  });
  const files = generateFiles(specs, { specRoot, outDir, kernelDir: join(REPO, "kernel"), root: REPO });
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
  for (const [i, [name]] of cases.entries()) {
    const file = join(outDir, outputPathFor(join(dirs[i] as string, "lease.machine.json"), specRoot));
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const kernel = Object.values(mod).find((v) => typeof v === "object" && v !== null && (v as { machine?: unknown }).machine === "SessionLease");
    if (kernel === undefined) throw new Error(`${file} exports no SessionLease kernel`);
    kernels.set(name, kernel as AnyKernel);
  }
}, 180_000);

describe("lease protocol", () => {
  it("gives every invariant of the spec a mutation", () => {
    expect(Object.keys(doc.invariants as object).sort()).toEqual(MUTATIONS.map((m) => m.invariant).sort());
  });

  it("holds every invariant, fires every transition and reaches every witness under ci", () => {
    const r = exploreMachine(kernels.get("original") as AnyKernel, { profile: "ci" });
    expect(r.complete).toBe(true);
    expect(r.violations.map((v) => `${v.kind}:${v.name}`)).toEqual([]);
    expect(r.invariantsChecked).toBe(MUTATIONS.length);
  });

  it.each(MUTATIONS.map((m) => [m.invariant, m] as const))("%s has teeth", (_name, m) => {
    const kernel = kernels.get(m.invariant) as AnyKernel;
    const r = exploreMachine(kernel, { profile: "ci", stopOnViolation: { kind: "invariant", name: m.invariant } });
    const found = r.violations.filter((v) => v.kind === "invariant");
    expect(found.map((v) => v.name), m.why).toEqual([m.invariant]);
    const trace = found[0]?.trace as Trace | null;
    if (trace === null || trace === undefined) throw new Error(`${m.invariant}: no trace`);
    const replay = replayTrace(trace, { kind: "machine", kernel });
    expect(replay.reproduced, replay.message).toBe(true);
  });
});

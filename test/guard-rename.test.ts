// Which error a refusal throws is the spec's (`refusals` in spec/session.machine.json): a guard
// renamed in its transitions but not in the refusal codes stops the generator, a guard renamed
// everywhere keeps its error with the runtime untouched, and a new refusal code stops tsc in the
// runtime until runtime/control.ts gives it an error class. Nothing turns a FenceRejectedError into
// a NotReadyError silently.

import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runMeerkat, tempDir } from "./helpers/paths.js";

const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");

/** A copy of what the runtime compiles against: specs, generator output, kernel and runtime. */
function copyOfRepo(): string {
  const dir = tempDir("guard-rename");
  for (const part of ["spec", "generated", "kernel", "runtime", "package.json"]) cpSync(join(REPO, part), join(dir, part), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const tsconfig = JSON.parse(readFileSync(join(REPO, "tsconfig.json"), "utf8")) as { include: string[] };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ ...tsconfig, include: ["kernel", "generated", "runtime"] }));
  return dir;
}

function typecheck(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, "--noEmit", "-p", dir], { cwd: dir, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

const FRESH_CODE = '"fence_is_fresh": "FenceRejected"';

describe("a renamed guard", () => {
  it("is caught by the generator, keeps its error when renamed everywhere, and a new code breaks tsc", () => {
    const dir = copyOfRepo();
    expect(typecheck(dir)).toEqual({ status: 0, output: "" });

    const specPath = join(dir, "spec", "session.machine.json");
    const spec = readFileSync(specPath, "utf8");
    expect(spec).toContain(FRESH_CODE);
    const renamed = spec.split('"fence_is_fresh"').join('"fence_is_newer"');

    // Renamed in the transitions only: the refusal codes name a guard that no longer exists.
    writeFileSync(specPath, renamed.replace('"fence_is_newer": "FenceRejected"', FRESH_CODE));
    const stale = runMeerkat(dir, "generate");
    expect(stale.status).not.toBe(0);
    expect(stale.stderr + stale.stdout).toMatch(/error\[unknown-guard\]: refusals\.guards names "fence_is_fresh"[^\n]*\n\s*at \/refusals\/guards\/fence_is_fresh/);

    // Renamed everywhere: the runtime compiles unchanged and the guard still refuses as FenceRejected.
    writeFileSync(specPath, renamed);
    const gen = runMeerkat(dir, "generate");
    expect(gen.status, gen.stderr).toBe(0);
    expect(readFileSync(join(dir, "generated", "session.machine.ts"), "utf8")).toMatch(/fence_is_newer: "FenceRejected"/);
    expect(typecheck(dir)).toEqual({ status: 0, output: "" });

    // A new code: the runtime's table of error classes no longer covers every code.
    writeFileSync(specPath, renamed.replace('"codes": ["NotReady",', '"codes": ["FenceStale", "NotReady",').replace('"fence_is_newer": "FenceRejected"', '"fence_is_newer": "FenceStale"'));
    const recoded = runMeerkat(dir, "generate");
    expect(recoded.status, recoded.stderr).toBe(0);
    const after = typecheck(dir);
    expect(after.status).not.toBe(0);
    expect(after.output).toMatch(/runtime\/control\.ts\(\d+,\d+\): error TS2741: Property 'FenceStale' is missing/);
  }, 400_000);
});

// A guard renamed in a spec, with the runtime left alone, must break the build: refusals carry the
// generated guard-name union, so runtime/control.ts's switch on "fence_is_fresh" stops compiling
// instead of silently turning a FenceRejectedError into a NotReadyError.

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

describe("a renamed guard", () => {
  it("breaks tsc in the runtime that still names it", () => {
    const dir = copyOfRepo();
    expect(typecheck(dir)).toEqual({ status: 0, output: "" });

    const specPath = join(dir, "spec", "session.machine.json");
    const spec = readFileSync(specPath, "utf8");
    expect(spec).toContain('"fence_is_fresh"');
    writeFileSync(specPath, spec.split('"fence_is_fresh"').join('"fence_is_newer"'));
    const gen = runMeerkat(dir, "generate");
    expect(gen.status, gen.stderr).toBe(0);
    expect(readFileSync(join(dir, "generated", "session.machine.ts"), "utf8")).toContain('"fence_is_newer"');

    const after = typecheck(dir);
    expect(after.status).not.toBe(0);
    expect(after.output).toMatch(/runtime\/control\.ts\(\d+,\d+\): error TS2678: Type '"fence_is_fresh"' is not comparable/);
  }, 240_000);
});

import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { REPO, runMeerkat, tempDir } from "./helpers/paths.js";

/** Runs the CLI in `cwd` and returns its exit code and output. */
const meerkat = runMeerkat;

describe("generate --check (drift)", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir("drift");
    cpSync(join(REPO, "spec"), join(dir, "spec"), { recursive: true });
    const gen = meerkat(dir, "generate");
    expect(gen.status, gen.stderr).toBe(0);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("passes on a freshly generated tree", () => {
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("in sync");
  });

  it("fails naming a generated file edited by hand", () => {
    appendFileSync(join(dir, "generated/examples/turnstile.machine.ts"), "// a hand edit\n");
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale\s+generated\/examples\/turnstile\.machine\.ts/);
    expect(r.stderr).toContain("fix: npx meerkat generate");
  });

  it("fails naming a stray file in generated/", () => {
    writeFileSync(join(dir, "generated/examples/leftover.machine.ts"), "export {};\n");
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/orphaned\s+generated\/examples\/leftover\.machine\.ts/);
  });

  it("fails naming the output of a spec edited without regenerating", () => {
    const specPath = join(dir, "spec/examples/counter.machine.json");
    writeFileSync(specPath, readFileSync(specPath, "utf8").replace('"openings < 2"', '"openings <= 1"'));
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale\s+generated\/examples\/counter\.machine\.ts/);
    expect(r.stderr).not.toContain("turnstile.machine.ts");
    // Regenerating fixes it.
    expect(meerkat(dir, "generate").status).toBe(0);
    expect(meerkat(dir, "generate", "--check").status).toBe(0);
  });

  it("fails naming a missing generated file", () => {
    rmSync(join(dir, "generated/examples/counter.machine.ts"));
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing\s+generated\/examples\/counter\.machine\.ts/);
  });

  it("reports spec errors instead of drift, with exit 1 and no stack trace", () => {
    const specPath = join(dir, "spec/examples/counter.machine.json");
    writeFileSync(specPath, readFileSync(specPath, "utf8").replace('"openings < 2"', '"openings < "'));
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/spec\/examples\/counter\.machine\.json:\d+:\d+ error\[expr-syntax\]/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
  });

  it("exits 2 on usage errors", () => {
    expect(meerkat(dir, "generate", "--no-such-flag").status).toBe(2);
    expect(meerkat(dir, "generate", "--spec", "missing-dir").status).toBe(2);
    expect(meerkat(dir, "no-such-command").status).toBe(2);
  });
});

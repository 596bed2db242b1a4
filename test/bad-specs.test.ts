// The bad-spec corpus: every fixture under test/fixtures/bad-specs/ breaks a small valid spec in
// exactly one place, and expected.json says which diagnostic the checker must report first, and
// where. Composition cases live in their own folder beside the (valid) machines they refer to;
// policy table cases share policies/, beside the (valid) session machine they are checked against.

import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import type { DiagnosticCode } from "../generator/diagnostics.js";
import { loadSpecs } from "../generator/load.js";
import { REPO, runMeerkat, tempDir } from "./helpers/paths.js";

const CORPUS = join(REPO, "test", "fixtures", "bad-specs");
const COMPOSITIONS = "compositions";
const POLICIES = "policies";

interface Expectation {
  readonly code: DiagnosticCode;
  readonly pointer: string;
  readonly line: number;
  readonly column: number;
}

const expected = JSON.parse(readFileSync(join(CORPUS, "expected.json"), "utf8")) as Record<string, Expectation>;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const rel = (p: string) => relative(CORPUS, p).split(sep).join("/");
const specFiles = walk(CORPUS).filter((p) => p.endsWith(".machine.json") || p.endsWith(".composition.json") || p.endsWith(".policy.json"));
/** Valid machines that composition and policy cases refer to: not fixtures themselves. */
const isSupport = (r: string) => (r.startsWith(`${COMPOSITIONS}/`) || r.startsWith(`${POLICIES}/`)) && r.endsWith(".machine.json");
const fixtures = specFiles.map(rel).filter((r) => !isSupport(r));
const supportDirs = [...new Set(specFiles.map(rel).filter(isSupport).map((r) => r.slice(0, r.lastIndexOf("/"))))];

/** Every code of the DiagnosticCode union, read from its source so a new code needs a fixture. */
function diagnosticCodes(): string[] {
  const src = readFileSync(join(REPO, "generator", "diagnostics.ts"), "utf8");
  const union = /export type DiagnosticCode\s*=([^;]*);/.exec(src);
  if (!union?.[1]) throw new Error("DiagnosticCode union not found in generator/diagnostics.ts");
  return [...union[1].matchAll(/"([a-z-]+)"/g)].map((m) => m[1] ?? "");
}

const cases = Object.entries(expected).map(([file, e]) => ({ file, ...e }));

describe("bad-spec corpus", () => {
  it("has at least 45 fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(45);
  });

  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(Object.keys(expected).sort()).toEqual([...fixtures].sort());
  });

  it("covers every diagnostic code except io", () => {
    const codes = diagnosticCodes();
    expect(codes.length).toBeGreaterThan(10);
    const covered = new Set(cases.map((c) => c.code));
    const missing = codes.filter((c) => c !== "io" && !covered.has(c as DiagnosticCode));
    expect(missing).toEqual([]);
    const unknown = [...covered].filter((c) => !codes.includes(c));
    expect(unknown).toEqual([]);
  });

  it("keeps the machines beside composition and policy cases valid, so each case has one mistake", () => {
    expect(supportDirs.length).toBeGreaterThan(0);
    for (const dir of supportDirs) {
      const machines = readdirSync(join(CORPUS, dir))
        .filter((n) => n.endsWith(".machine.json"))
        .map((n) => join(CORPUS, dir, n));
      const { diagnostics } = loadSpecs(machines, REPO);
      expect(diagnostics, dir).toEqual([]);
    }
  });

  it.each(cases)("$file: $code at $pointer ($line:$column)", ({ file, code, pointer, line, column }) => {
    const { diagnostics } = loadSpecs([join(CORPUS, file)], REPO);
    expect(diagnostics.length).toBeGreaterThan(0);
    const first = diagnostics[0];
    expect({ code: first?.code, pointer: first?.pointer, line: first?.line, column: first?.column }).toEqual({ code, pointer, line, column });
    expect(first?.file.endsWith(basename(file))).toBe(true);
  });
});

describe("meerkat generate on a bad spec", () => {
  const out = tempDir("bad-specs-cli");

  /** Runs the CLI on a directory holding just this fixture (a copy, so no other fixture is loaded). */
  function generate(file: string): { status: number | null; stderr: string; shown: string } {
    const dir = join(out, basename(file, ".json"));
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(CORPUS, file), join(dir, basename(file)));
    const res = runMeerkat(REPO, "generate", "--spec", dir, "--out", join(out, "generated"));
    return { status: res.status, stderr: res.stderr, shown: relative(REPO, join(dir, basename(file))).split(sep).join("/") };
  }

  function expectNoStackTrace(stderr: string): void {
    expect(stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    expect(stderr).not.toMatch(/\.ts:\d+/);
    expect(stderr).not.toContain("node:internal");
  }

  it.each([
    ["a JSON syntax error", "json-trailing-comma.machine.json"],
    ["a schema violation", "schema-from-not-array.machine.json"],
  ])("reports %s with file:line:col and its code, and exits 1", (_what, file) => {
    const e = expected[file];
    if (!e) throw new Error(`no expectation for ${file}`);
    const { status, stderr, shown } = generate(file);
    expect(status).toBe(1);
    expect(stderr).toContain(`${shown}:${e.line}:${e.column} error[${e.code}]`);
    expectNoStackTrace(stderr);
  });

  it("reports an expression error with file:line:col, its code and a caret under the mistake", () => {
    const file = "expr-chained-comparison.machine.json";
    const e = expected[file];
    if (!e) throw new Error(`no expectation for ${file}`);
    const { status, stderr, shown } = generate(file);
    expect(status).toBe(1);
    expect(stderr).toContain(`${shown}:${e.line}:${e.column} error[${e.code}]`);
    expect(stderr).toMatch(/^ {4}0 <= opens < 3\n {4} {11}\^$/m);
    expectNoStackTrace(stderr);
  });
});

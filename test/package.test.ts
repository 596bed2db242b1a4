// The whole path of a user: the packed tarball installed into a fresh project outside this
// checkout, `meerkat init`, an edited spec, generate, check, a TypeScript program compiled by the
// project's own tsc importing the generated machine and the runtime, a broken invariant whose
// trace `meerkat replay` re-runs, and user mistakes answered without a stack trace.
//
// The install is offline and touches nothing outside the project: the tarball is unpacked into
// node_modules/meerkat-control-plane with its bin linked (what npm does for a tarball), and its
// production dependencies (package-lock.json entries not marked dev) are linked from this
// checkout's node_modules. `npm install <tarball> --offline` cannot be used here: it needs the
// registry metadata of every dependency in the npm cache (`npm ci` only fills it with tarballs),
// and through links it would run dependency install scripts in the shared node_modules.

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "./helpers/paths.js";

const LONG = 600_000; // a safety net only: packing builds dist/ (about a minute on a loaded 2-core machine)

let project = "";
let tarball = "";
const ran: string[] = [];

function sh(cwd: string, cmd: string, args: readonly string[]) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MEERKAT_CACHE_DIR: join(project, ".cache") } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `npx meerkat <line>` in the project, as the README writes it, and records the line. */
function meerkat(line: string) {
  ran.push(`npx meerkat ${line}`);
  return sh(project, process.execPath, [join(project, "node_modules", ".bin", "meerkat"), ...line.split(/\s+/).filter(Boolean)]);
}

function expectNoStack(r: { stderr: string }) {
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toMatch(/ERR_[A-Z_]+/);
}

/** Links the tarball's production dependencies (and the user's own typescript and @types/node). */
function linkDependencies(nodeModules: string) {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const source = realpathSync(join(REPO, "node_modules"));
  const link = (name: string) => {
    const from = join(source, name);
    if (!existsSync(from)) return; // an optional dependency for another platform
    mkdirSync(dirname(join(nodeModules, name)), { recursive: true });
    symlinkSync(from, join(nodeModules, name), "dir");
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = key.slice("node_modules/".length);
    if (!key.startsWith("node_modules/") || name.includes("/node_modules/") || entry.dev === true || entry.devOptional === true) continue;
    link(name);
  }
  for (const tool of ["typescript", "@types/node", "undici-types"]) if (!existsSync(join(nodeModules, tool))) link(tool);
}

beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), "meerkat-package-"));
  project = join(base, "user-project");
  mkdirSync(project);
  // One pack (its prepack script builds dist/), one install.
  const pack = sh(REPO, "npm", ["pack", "--silent", "--pack-destination", base]);
  expect(pack.code, pack.stderr).toBe(0);
  tarball = join(base, readdirSync(base).find((f) => f.endsWith(".tgz")) ?? "no tarball");
  const installed = join(project, "node_modules", "meerkat-control-plane");
  mkdirSync(installed, { recursive: true });
  const untar = sh(project, "tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  expect(untar.code, untar.stderr).toBe(0);
  mkdirSync(join(project, "node_modules", ".bin"));
  symlinkSync("../meerkat-control-plane/bin/meerkat.mjs", join(project, "node_modules", ".bin", "meerkat"));
  linkDependencies(join(project, "node_modules"));
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "user-project", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
}, LONG);

afterAll(() => {
  if (project) rmSync(dirname(project), { recursive: true, force: true });
});

describe("the package in a user's project", () => {
  it("ships the build and no sources: the bin runs dist/ without tsx", () => {
    const root = join(project, "node_modules", "meerkat-control-plane");
    expect(existsSync(join(root, "dist", "cli", "main.js"))).toBe(true);
    expect(existsSync(join(root, "dist", "kernel", "index.d.ts"))).toBe(true);
    expect(existsSync(join(root, "cli"))).toBe(false);
  });

  it("init, edit, generate, check, compile with the user's tsc, run; a broken invariant replays", () => {
    const init = meerkat("init spec");
    expect(init.code, init.stderr).toBe(0);
    const specFile = join(project, "spec", "turnstile.machine.json");
    const spec = JSON.parse(readFileSync(specFile, "utf8")) as { $schema: string; invariants: Record<string, string> };
    expect(existsSync(resolve(dirname(specFile), spec.$schema))).toBe(true);
    expect(spec.$schema).toContain("node_modules/meerkat-control-plane/spec/schema/machine.schema.json");

    // The user's edit: one more invariant that holds.
    spec.invariants["at_most_three"] = "coins <= 3";
    writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
    const one = meerkat("check spec/turnstile.machine.json");
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/spec\/turnstile\.machine\.json\s+ci\s+64\s.*\bok$/m);

    const gen = meerkat("generate --spec spec --out generated");
    expect(gen.code, gen.stderr).toBe(0);
    const generated = readFileSync(join(project, "generated", "turnstile.machine.ts"), "utf8");
    expect(generated).toContain('from "meerkat-control-plane/kernel";');
    expect(generated).toContain("at_most_three");
    const all = meerkat("check --all");
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/turnstile-audit\.composition\.json\s+ci\s.*\bok$/m);
    expect(meerkat("generate --check").code).toBe(0);

    mkdirSync(join(project, "src"));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "nodenext", target: "es2022", strict: true, outDir: "build", types: ["node"], skipLibCheck: true }, include: ["src", "generated"] }),
    );
    writeFileSync(
      join(project, "src", "main.ts"),
      [
        'import { initialState, transition, type TurnstileState } from "../generated/turnstile.machine.js";',
        'import { createRuntime, type Executor } from "meerkat-control-plane/runtime";',
        "const executor: Executor = { apply: async () => undefined };",
        "const runtime = createRuntime({ executor });",
        "let state: TurnstileState = initialState();",
        'const fired = transition(state, { kind: "Coin", coin: "c1" });',
        'if (!fired.ok) throw new Error("refused");',
        "state = fired.state;",
        "console.log(JSON.stringify({ phase: state.phase, coins: state.coins, snapshot: typeof runtime.snapshot }));",
        "",
      ].join("\n"),
    );
    const tsc = sh(project, process.execPath, [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."]);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    const run = sh(project, process.execPath, [join(project, "build", "src", "main.js")]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ phase: "Unlocked", coins: 1, snapshot: "function" });

    // A broken invariant: the check fails with a trace, and replay re-runs it.
    spec.invariants["at_most_three"] = "coins < 2";
    writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
    // generated/ is now behind the spec: check says so and how to fix it, then checks once regenerated.
    const stale = meerkat("check spec/turnstile.machine.json");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("out of sync");
    expect(stale.stderr).toContain("fix: npx meerkat generate");
    expectNoStack(stale);
    expect(meerkat("generate --spec spec --out generated").code).toBe(0);
    const bad = meerkat("check spec/turnstile.machine.json");
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stdout).toContain("invariant at_most_three");
    const trace = ".tmp/traces/Turnstile.ci.invariant.at_most_three.json";
    expect(bad.stdout).toContain(`meerkat replay ${trace}`);
    const replay = meerkat(`replay ${trace}`);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain("reproduced");
  }, LONG);

  it("answers user mistakes with a message and exit code, never a stack trace", () => {
    const missing = meerkat("generate --spec no-such-folder");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file or directory");
    expectNoStack(missing);

    const inModules = meerkat("generate --out node_modules/generated");
    expect(inModules.code).toBe(2);
    expect(inModules.stderr).toContain("inside node_modules");
    expectNoStack(inModules);

    const twice = join(project, "twice");
    mkdirSync(twice);
    cpSync(join(project, "spec", "counter.machine.json"), join(twice, "a.machine.json"));
    cpSync(join(project, "spec", "counter.machine.json"), join(twice, "b.machine.json"));
    const dup = meerkat("generate --spec twice --out twice-generated");
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("error[duplicate-name]");
    expectNoStack(dup);
    expect(existsSync(join(project, "twice-generated"))).toBe(false);

    // The case of the issue: code generated elsewhere, checked from another folder.
    const elsewhere = meerkat("check --spec twice/../spec --out generated --all");
    expect([0, 1]).toContain(elsewhere.code);
    expectNoStack(elsewhere);

    const notSpec = meerkat("check package.json");
    expect(notSpec.code).toBe(2);
    expectNoStack(notSpec);
  }, LONG);

  it("runs every command of the README section 'Use it in your project'", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const section = readme.split(/^## /m).find((s) => s.startsWith("Use it in your project")) ?? "";
    const commands = [...section.matchAll(/^(npx meerkat [^#\n]*?)\s*(?:#.*)?$/gm)].map((m) => (m[1] ?? "").trim());
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const c of commands) expect(ran).toContain(c);
    expect(section).toContain("npm install --save-dev meerkat-control-plane");
  });
});

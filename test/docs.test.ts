// Contract docs: `meerkat generate` writes docs/machines/<spec path>.md per machine (and
// .composition.md / .policy.md), byte-stable and drift-checked like the generated code.

import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { buildOutputs } from "../generator/pipeline.js";
import { REPO, runMeerkat, tempDir } from "./helpers/paths.js";

const opts = { root: REPO, specDir: "spec", outDir: "generated", docsDir: "docs/machines" };

function docsOf(outputs: ReturnType<typeof buildOutputs>): ReadonlyMap<string, string> {
  const docs = outputs.files.get(join(REPO, "docs", "machines"));
  if (!docs) throw new Error("no docs output");
  return docs;
}

/** The lines of the first ```mermaid block, without the fences. */
function mermaid(doc: string): string[] {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(doc);
  if (!m?.[1]) throw new Error("no mermaid block");
  return m[1].split("\n").map((l) => l.trim());
}

describe("contract docs", () => {
  const outputs = buildOutputs(opts);
  const docs = docsOf(outputs);
  const turnstile = docs.get("examples/turnstile.md") ?? "";

  it("writes one doc per machine, composition and policy table, plus an index", () => {
    expect(outputs.diagnostics).toEqual([]);
    expect([...docs.keys()].sort()).toEqual(
      [
        "README.md",
        "default.policy.md",
        "examples/alternating-bit.md",
        "examples/counter.md",
        "examples/die-hard-any-start.md",
        "examples/die-hard.md",
        "examples/hour-clock.md",
        "examples/mailroom.md",
        "examples/playlist.md",
        "examples/token-tour.md",
        "examples/turnstile-audit.composition.md",
        "examples/turnstile.md",
        "examples/two-phase-messages.md",
        "examples/two-phase.md",
        "meerkat-mob-seam.composition.md",
        "lease.md",
        "mob.md",
        "ops.md",
        "session-turn.composition.md",
        "session.md",
        "turn.md",
      ].sort(),
    );
    const index = docs.get("README.md") ?? "";
    for (const path of docs.keys()) if (path !== "README.md") expect(index, path).toContain(`](${path})`);
  });

  it("writes out each guard with its name and expression, each update and each emit", () => {
    expect(turnstile).toContain("### Transition `InsertCoin`");
    expect(turnstile).toContain("1. `not_full`: `coins < 3`");
    expect(turnstile).toContain("2. `fresh`: `!seen.contains(coin)`");
    expect(turnstile).toContain("```text\ncoins = coins + 1\nlastCoin = some(coin)\nseen.add(coin)\n```");
    expect(turnstile).toContain("- `Refunded` when `!seen.contains(coin)`: coin = `coin`");
    expect(turnstile).toContain("- **From:** any non-terminal phase (`Locked`, `Unlocked`)");
  });

  it("lists invariants and witnesses with their expressions, fields with types and initial values", () => {
    expect(turnstile).toContain("- `unlocked_has_coin`: `phase != Unlocked || lastCoin != none`");
    expect(turnstile).toContain("- `can_break`: `phase == Broken`");
    expect(turnstile).toContain("| `lastCoin` | `Option<CoinId>` | `none` |  |");
    expect(turnstile).toContain("| `Status` | — | query only |");
  });

  it("draws the phase graph: initial and terminal markers, one labelled edge per phase pair", () => {
    expect(mermaid(turnstile)).toEqual([
      "stateDiagram-v2",
      "[*] --> Locked",
      "Locked --> Unlocked: InsertCoin",
      "Unlocked --> Unlocked: ExtraCoin",
      "Unlocked --> Locked: PassThrough",
      "Locked --> Broken: Break",
      "Unlocked --> Broken: Break",
      "Broken --> [*]",
    ]);
  });

  it("groups the transitions that share an edge into one label", () => {
    const session = docs.get("session.md") ?? "";
    const edges = mermaid(session).filter((l) => l.startsWith("Running --> Idle:"));
    expect(edges).toEqual(["Running --> Idle: CommitToIdle, FailToIdle, RollbackToIdle, FailAfterBoundaryToIdle, AbandonRunToIdle"]);
  });

  it("draws a composition's routes and entry inputs as a flowchart and lists the bindings", () => {
    const comp = docs.get("examples/turnstile-audit.composition.md") ?? "";
    expect(mermaid(comp)).toEqual([
      "flowchart LR",
      'env(["environment"])',
      'i_gate["gate: Turnstile"]',
      'i_audit["audit: Counter"]',
      'env -->|"Coin, Push, Kick"| i_gate',
      'env -->|"Close"| i_audit',
      'i_gate -->|"report_opening: Opened → Opened"| i_audit',
    ]);
    expect(comp).toContain("  - `coins` = `coins`");
    expect(comp).toContain("| `gate` | [Turnstile](turnstile.md) |");
    expect(comp).toContain("- `audit_never_ahead`: `audit.openings <= 2`");
  });

  it("renders the policy table with every resolved cell", () => {
    const policy = docs.get("default.policy.md") ?? "";
    expect(policy.split("\n").filter((l) => /^\| `[a-z_]+` \| (idle|running) \|/.test(l))).toHaveLength(54);
    expect(policy).toContain("| `operation` | idle | Queue | `operation_queue` | **rejected:** operation inputs carry no handling mode |");
  });

  it("is byte-stable, starts every file with a do-not-edit header, and matches the committed docs/machines/", () => {
    expect(docsOf(buildOutputs(opts))).toEqual(docs);
    for (const [path, text] of docs) {
      expect(text.startsWith("<!-- Generated by `meerkat generate` from "), path).toBe(true);
      expect(readFileSync(join(REPO, "docs", "machines", path), "utf8"), path).toBe(text);
    }
  });
});

const meerkat = runMeerkat;

describe("generate --check covers the docs (drift)", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("docs-drift");
    cpSync(join(REPO, "spec"), join(dir, "spec"), { recursive: true });
    const gen = meerkat(dir, "generate");
    expect(gen.status, gen.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the docs beside the generated code and passes --check on a fresh tree", () => {
    expect(existsSync(join(dir, "docs/machines/examples/turnstile.md"))).toBe(true);
    expect(existsSync(join(dir, "generated/default.policy.ts"))).toBe(true);
    expect(meerkat(dir, "generate", "--check").status).toBe(0);
  });

  it("fails naming a doc edited by hand, a stray doc and a missing doc, with the fix command", () => {
    const edited = join(dir, "docs/machines/examples/turnstile.md");
    const original = readFileSync(edited, "utf8");
    appendFileSync(edited, "\nA hand edit.\n");
    writeFileSync(join(dir, "docs/machines/notes.md"), "# stray\n");
    rmSync(join(dir, "docs/machines/examples/counter.md"));
    const r = meerkat(dir, "generate", "--check");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale\s+docs\/machines\/examples\/turnstile\.md/);
    expect(r.stderr).toMatch(/orphaned\s+docs\/machines\/notes\.md/);
    expect(r.stderr).toMatch(/missing\s+docs\/machines\/examples\/counter\.md/);
    expect(r.stderr).not.toContain("generated/");
    expect(r.stderr).toContain("fix: npx meerkat generate");
    // Regenerating restores the doc and removes the stray one.
    expect(meerkat(dir, "generate").status).toBe(0);
    expect(readFileSync(edited, "utf8")).toBe(original);
    expect(existsSync(join(dir, "docs/machines/notes.md"))).toBe(false);
    expect(meerkat(dir, "generate", "--check").status).toBe(0);
  });

  it("names a spec change in the doc it affects", () => {
    const specPath = join(dir, "spec/examples/counter.machine.json");
    const original = readFileSync(specPath, "utf8");
    writeFileSync(specPath, original.replace('"openings < 2"', '"openings <= 1"'));
    const r = meerkat(dir, "generate", "--check");
    writeFileSync(specPath, original);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale\s+docs\/machines\/examples\/counter\.md/);
    expect(r.stderr).toMatch(/stale\s+generated\/examples\/counter\.machine\.ts/);
    expect(r.stderr).not.toContain("turnstile.md");
  });

  it("honours --docs and names it in the fix command", () => {
    const gen = meerkat(dir, "generate", "--docs", "contracts");
    expect(gen.status, gen.stderr).toBe(0);
    expect(existsSync(join(dir, "contracts/examples/turnstile.md"))).toBe(true);
    appendFileSync(join(dir, "contracts/examples/turnstile.md"), "edit\n");
    const r = meerkat(dir, "generate", "--check", "--docs", "contracts");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale\s+contracts\/examples\/turnstile\.md/);
    expect(r.stderr).toContain("fix: npx meerkat generate --docs contracts");
  });

  it("refuses a docs directory inside the code directory", () => {
    const r = meerkat(dir, "generate", "--docs", "generated/docs");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("must not contain one another");
  });
});

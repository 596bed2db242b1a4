// The HTML report in a real browser: Debian's Chromium driven headless by playwright-core, pages
// opened from file:// with every non-file request refused and recorded. Opens the report of a
// shipped spec, the report `meerkat check` writes for a mutated spec with a violation (clicking
// through its trace: the highlighted edge and the changed field on screen), and the session
// machine's report with a runtime event log (recording how long the page takes to render).
// Screenshots and figures go to a temp folder printed at the end.

import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionRuntimeKernel } from "../generated/session.machine.js";
import type { AnyKernel } from "../kernel/descriptor.js";
import { exploreCounting, writeReport } from "../report/index.js";
import { BIN, REPO, tempDir } from "./helpers/paths.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Runs the CLI (or another script) in a child process without blocking the other runs. */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let work: string;
let shots: string;
let context: BrowserContext;
const blocked: string[] = [];
let shippedHtml: string;
let mutatedHtml: string;
let sessionHtml: string;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: bash .ci/run installs Debian's chromium`).toBe(true);
  work = tempDir("report-browser");
  shots = mkdtempSync(join(tmpdir(), "meerkat-report-shots-"));
  // A mutated copy of the shipped examples: ExtraCoin loses its `fresh` guard, so a coin counted
  // twice breaks coins_counted (coins <= seen.size) after two steps.
  mkdirSync(join(work, "spec"), { recursive: true });
  cpSync(join(REPO, "spec", "examples"), join(work, "spec", "examples"), { recursive: true });
  const file = join(work, "spec", "examples", "turnstile.machine.json");
  const text = readFileSync(file, "utf8");
  const mutated = text.replace('"guards": { "fresh": "!seen.contains(coin)" },\n      "updates": ["if coins', '"updates": ["if coins');
  expect(mutated).not.toBe(text);
  writeFileSync(file, mutated);
  const specDir = relative(REPO, join(work, "spec"));
  const outDir = relative(REPO, join(work, "generated"));
  const events = join(work, "events.jsonl");
  const [gen, shipped, log] = await Promise.all([
    run([BIN, "generate", "--spec", specDir, "--out", outDir]),
    run([BIN, "report", "spec/examples/turnstile.machine.json", "-o", join(work, "shipped.html")]),
    run(["node_modules/tsx/dist/cli.mjs", "examples/basic.ts"], { MEERKAT_EVENT_LOG: events }),
  ]);
  expect(gen.code, gen.stderr).toBe(0);
  expect(shipped.code, shipped.stderr).toBe(0);
  expect(log.code, log.stderr).toBe(0);
  const [check, session] = await Promise.all([
    run([BIN, "check", join(specDir, "examples", "turnstile.machine.json"), "--spec", specDir, "--out", outDir, "--trace-dir", join(work, "traces")]),
    // In this process (one CLI start-up less), bounded so CI stays fast: the coverage counts
    // cover the first 5,000 states.
    writeReport(join(work, "session.html"), {
      target: { kind: "machine", kernel: sessionRuntimeKernel as unknown as AnyKernel },
      specFile: "spec/session.machine.json",
      ...exploreCounting({ kind: "machine", kernel: sessionRuntimeKernel as unknown as AnyKernel }, { profile: "ci", maxStates: 5000 }),
      events: { text: readFileSync(events, "utf8"), file: "events.jsonl" },
    }),
  ]);
  expect(check.code, check.stderr).toBe(1);
  const reported = /^report: (\S+)/m.exec(check.stdout);
  expect(reported, check.stdout).not.toBeNull();
  mutatedHtml = join(REPO, (reported as RegExpExecArray)[1] as string);
  expect(mutatedHtml.startsWith(join(work, "traces"))).toBe(true);
  expect(session.bytes).toBeGreaterThan(0);
  shippedHtml = join(work, "shipped.html");
  sessionHtml = join(work, "session.html");

  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "meerkat-chromium-")), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 850 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    blocked.push(url);
    return route.abort();
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  // eslint-disable-next-line no-console
  console.log(`report screenshots: ${shots}`);
});

async function open(file: string, hash = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${pathToFileURL(file).href}${hash}`);
  await page.waitForSelector("body[data-ready=true]");
  return { page, errors };
}

describe("the HTML report in Chromium", () => {
  it("is one small file with no request leaving the page", () => {
    for (const f of [shippedHtml, mutatedHtml, sessionHtml]) {
      expect(statSync(f).size).toBeLessThan(5 * 1024 * 1024);
      const html = readFileSync(f, "utf8");
      expect(html).toContain("default-src 'none'");
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    }
  });

  it("shows a shipped spec's diagram and coverage", async () => {
    const { page, errors } = await open(shippedHtml);
    await expect.poll(() => page.locator("[data-testid=verdict]").textContent()).toBe("ok");
    expect(await page.locator("[data-testid=phase]").count()).toBe(3);
    expect(await page.locator(".phase.terminal").getAttribute("data-phase")).toBe("Broken");
    // Every transition fired: each coverage row carries a count above zero.
    await page.click("[data-testid=tab-coverage]");
    const counts = await page.locator("[data-testid=transition-coverage] tr td:nth-child(3)").allTextContents();
    expect(counts).toHaveLength(4);
    for (const c of counts) expect(Number(c.replace(/,/g, ""))).toBeGreaterThan(0);
    // Search finds a transition by name and marks it on the diagram.
    await page.fill("[data-testid=search]", "pass");
    await page.click("[data-testid=search-result] >> text=PassThrough");
    await expect.poll(() => page.locator(".occ.found").getAttribute("data-transition")).toBe("PassThrough");
    expect(await page.locator(".occ.found").isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, "shipped-turnstile.png") });
    expect(errors).toEqual([]);
  });

  it("steps through the counterexample of a mutated spec", async () => {
    const { page, errors } = await open(mutatedHtml);
    await expect.poll(() => page.locator("[data-testid=verdict]").textContent()).toBe("FAIL (1)");
    expect(await page.locator("[data-testid=trace-select] option").first().textContent()).toContain("invariant coins_counted");
    expect(await page.locator("[data-testid=step-counter]").textContent()).toBe("step 0 / 2");

    await page.click("[data-testid=step-next]");
    expect(await page.locator("[data-testid=step-counter]").textContent()).toBe("step 1 / 2");
    expect(await page.locator("[data-testid=step-transition]").textContent()).toBe("InsertCoin");
    // InsertCoin changes phase: its edge Locked -> Unlocked is the highlighted one.
    const edge = page.locator(".edge.active");
    expect(await edge.count()).toBe(1);
    expect([await edge.getAttribute("data-from"), await edge.getAttribute("data-to")]).toEqual(["p:Locked", "p:Unlocked"]);
    expect(await page.locator(".occ.active").getAttribute("data-transition")).toBe("InsertCoin");
    expect(await page.locator(".occ.active").isVisible()).toBe(true);
    expect(await page.locator(".phase.current").getAttribute("data-phase")).toBe("Unlocked");
    await page.screenshot({ path: join(shots, "mutated-step-1.png") });

    await page.click("[data-testid=step-next]");
    expect(await page.locator("[data-testid=step-counter]").textContent()).toBe("step 2 / 2");
    expect(await page.locator("[data-testid=step-trigger]").textContent()).toBe("Coin");
    expect(await page.locator("[data-testid=step-payload]").textContent()).toBe('{"coin":"CoinId#1"}');
    expect(await page.locator(".occ.active").getAttribute("data-transition")).toBe("ExtraCoin");
    expect(await page.locator(".edge.active").count()).toBe(0);
    // The changed field is marked with its old value; the unchanged ones are not.
    const coins = page.locator("[data-testid=state] tr[data-field=coins]");
    expect(await coins.getAttribute("class")).toContain("changed");
    expect(await coins.locator("td.v").textContent()).toBe("12");
    expect(await coins.isVisible()).toBe(true);
    expect(await page.locator("[data-testid=state] tr[data-field=seen]").getAttribute("class")).not.toContain("changed");
    // The violated invariant with its expression and the values it reads.
    const inv = page.locator("[data-testid=invariant-box]");
    expect(await inv.textContent()).toContain("coins_counted is false here");
    expect(await page.locator("[data-testid=invariant-source]").textContent()).toBe("coins <= seen.size");
    expect(await inv.locator("[data-testid=invariant-value]").allTextContents()).toEqual(["2", '["CoinId#1"]']);
    await page.screenshot({ path: join(shots, "mutated-step-2.png") });

    await page.click("[data-testid=step-prev]");
    expect(await page.locator("[data-testid=step-counter]").textContent()).toBe("step 1 / 2");
    expect(await page.locator(".occ.active").getAttribute("data-transition")).toBe("InsertCoin");
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate("window.__report.step")).toBe(2);
    expect(page.url()).toMatch(/#trace=0&step=2$/);
    expect(errors).toEqual([]);
  });

  it("renders the session machine and steps through a runtime event log", async () => {
    const started = performance.now();
    const { page, errors } = await open(sessionHtml);
    const openMs = performance.now() - started;
    // A string: the page's types (window, PerformanceNavigationTiming) are not in the Node program.
    const timing = (await page.evaluate(
      `(() => { const nav = performance.getEntriesByType("navigation")[0]; return { renderMs: window.__report.renderMs, loadEventEnd: nav.loadEventEnd, domContentLoaded: nav.domContentLoadedEventEnd }; })()`,
    )) as { renderMs: number; loadEventEnd: number; domContentLoaded: number };
    const figures = { openMs: Math.round(openMs), scriptMs: Math.round(timing.renderMs), domContentLoadedMs: Math.round(timing.domContentLoaded), loadMs: Math.round(timing.loadEventEnd), bytes: statSync(sessionHtml).size };
    writeFileSync(join(shots, "session-render.json"), `${JSON.stringify(figures, null, 2)}\n`);
    // eslint-disable-next-line no-console
    console.log(`session machine page: ${JSON.stringify(figures)}`);

    expect(await page.locator("[data-testid=phase]").count()).toBe(7);
    expect(await page.locator("[data-testid=transition]").count()).toBeGreaterThan(53);
    expect(await page.locator(".phase.terminal").getAttribute("data-phase")).toBe("Destroyed");
    // The runtime traces: one per session of the example, bob's among them.
    const options = await page.locator("[data-testid=trace-select] option").allTextContents();
    const bob = options.findIndex((o) => o.startsWith("runtime session bob"));
    expect(bob).toBeGreaterThanOrEqual(0);
    await page.selectOption("[data-testid=trace-select]", String(bob));
    // Step to the run's start: the loop's LoopOpensRun moves the session from Attached to Running.
    const rows = await page.locator("[data-testid=step-row]").allTextContents();
    const prepare = rows.findIndex((r) => r.includes("→ LoopOpensRun"));
    expect(prepare).toBeGreaterThan(0);
    for (let i = 0; i < prepare; i++) await page.click("[data-testid=step-next]");
    expect(await page.locator("[data-testid=step-transition]").textContent()).toBe("LoopOpensRun");
    const edge = page.locator(".edge.active");
    expect([await edge.getAttribute("data-from"), await edge.getAttribute("data-to")]).toEqual(["p:Attached", "p:Running"]);
    expect(await page.locator(".occ.active").isVisible()).toBe(true);
    expect(await page.locator("[data-testid=state] tr.changed[data-field=phase] td.v").textContent()).toBe("AttachedRunning");
    await page.screenshot({ path: join(shots, "session-runtime.png") });
    // Search in the 53-transition machine.
    await page.fill("[data-testid=search]", "CommitToIdle");
    await page.press("[data-testid=search]", "Enter");
    await expect.poll(() => page.locator(".occ.found").count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("sent no request anywhere", () => {
    expect(blocked).toEqual([]);
  });
});

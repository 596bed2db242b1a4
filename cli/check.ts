// `meerkat check [spec files...] [--all]`: validate the specs, require generated code in sync, then
// explore every selected spec under a check profile and report violations with trace files.

import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { findSpecFiles, UsageError } from "../generator/load.js";
import type { SpecModel } from "../generator/model.js";
import {
  ExploreSetupError,
  exploreComposition,
  exploreCompositionParallel,
  exploreMachine,
  exploreMachineParallel,
  UnknownProfileError,
  boundedText,
  type ExploreOptions,
  type ExploreProgress,
  type ExploreResult,
  type Trace,
} from "../properties/explorer/index.js";
import { exploreCounting, writeReport } from "../report/index.js";
import { buildOrReport } from "./outputs.js";
import { loadSources } from "./check-sources.js";
import { GeneratedImportError, importCachedKernel, type LoadedKernel } from "./generated-cache.js";
import { ExitCode, type Io } from "./io.js";

export interface CheckArgs {
  readonly specs: readonly string[];
  readonly all: boolean;
  readonly profile?: string;
  readonly json: boolean;
  readonly maxStates?: number;
  /** Overrides every profile's symmetry (--symmetry / --no-symmetry); undefined: as the profile says. */
  readonly symmetry?: boolean;
  readonly showWitness: boolean;
  readonly traceDir: string;
  readonly specDir: string;
  readonly outDir: string;
  /** False when --out was not given: then "generated" is checked for drift only when it exists. */
  readonly outExplicit?: boolean;
  readonly root: string;
  /** Write an HTML report here (with fire counts); a failing check writes one beside its traces anyway. */
  readonly report?: string;
  /** Worker threads exploring in parallel (default 1: the serial engine). */
  readonly workers?: number;
}

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

/** The profile to use for a spec, or an error message (unknown profile). */
function chooseProfile(spec: SpecModel, wanted: string | undefined, all: boolean): string | { error: string } {
  const names = spec.profiles.map((p) => p.name);
  if (wanted === undefined) return names.includes("ci") ? "ci" : (names[0] as string);
  if (names.includes(wanted)) return wanted;
  if (all) return names[0] as string;
  return { error: `${spec.file} has no check profile "${wanted}" (known profiles: ${names.join(", ")})` };
}

export interface CheckedSpec {
  readonly spec: string;
  readonly result: ExploreResult;
  /** Trace file per violation (same order as result.violations; null when it has no trace). */
  readonly traceFiles: readonly (string | null)[];
  readonly witnessFiles: readonly (string | null)[];
  /** The HTML report written for this spec, if any. */
  readonly reportFile?: string;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

function writeTrace(dir: string, trace: Trace, root: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${safe(trace.machine)}.${safe(trace.profile)}.${safe(trace.kind)}.${safe(trace.name)}.json`);
  writeFileSync(file, `${JSON.stringify(trace, null, 2)}\n`);
  return toPosix(relative(root, file));
}

/** A progress bar on stderr for runs longer than two seconds, when stderr is a terminal. */
function progressReporter(label: string): { onProgress?: (p: ExploreProgress) => void; stop(): void } {
  if (!process.stderr.isTTY) return { stop: () => undefined };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    onProgress: (p) => {
      if (bar === null) {
        if (Date.now() - started < 2000) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${label} [{bar}] {value} states | frontier {frontier} | depth {depth} | {rate} states/s`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.states + p.frontier, p.states, { frontier: p.frontier, depth: p.depth, rate: Math.round(p.rate) });
        return;
      }
      bar.setTotal(p.states + p.frontier);
      bar.update(p.states, { frontier: p.frontier, depth: p.depth, rate: Math.round(p.rate) });
    },
    stop: () => {
      if (bar !== null) bar.stop();
    },
  };
}

export async function checkCommand(args: CheckArgs, io: Io): Promise<number> {
  if (!args.all && args.specs.length === 0) {
    io.err("meerkat check: give spec files to check, or --all\n");
    return ExitCode.Usage;
  }
  let files: string[] | undefined;
  if (!args.all) {
    try {
      files = findSpecFiles(args.specs.map((p) => resolve(args.root, p)));
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`meerkat: ${e.message}\n`);
        return ExitCode.Usage;
      }
      throw e;
    }
  }
  const sources = loadSources({ root: args.root, specDir: args.specDir, outDir: args.outDir, outExplicit: args.outExplicit ?? true, ...(files ? { files } : {}) }, io);
  if (typeof sources === "number") return sources;

  let selected: SpecModel[];
  if (files === undefined) selected = [...sources.specs];
  else {
    selected = [];
    for (const f of files.map((f) => toPosix(relative(args.root, f)) || f)) {
      const spec = sources.specs.find((s) => s.file === f);
      if (!spec) {
        io.err(`meerkat check: ${f} defines no machine or composition to check\n`);
        return ExitCode.Usage;
      }
      selected.push(spec);
    }
  }

  const plan: { spec: SpecModel; profile: string }[] = [];
  for (const spec of selected) {
    const p = chooseProfile(spec, args.profile, args.all);
    if (typeof p !== "string") {
      io.err(`meerkat check: ${p.error}\n`);
      return ExitCode.Usage;
    }
    plan.push({ spec, profile: p });
  }

  const checked: CheckedSpec[] = [];
  const traceDir = resolve(args.root, args.traceDir);
  for (const { spec, profile } of plan) {
    let target;
    try {
      target = await importCachedKernel(sources.code, spec);
    } catch (e) {
      if (e instanceof GeneratedImportError) {
        io.err(`meerkat check: ${e.message}\n`);
        return ExitCode.Failed;
      }
      throw e;
    }
    const progress = progressReporter(spec.name);
    const options = {
      profile,
      ...(args.symmetry !== undefined ? { symmetry: args.symmetry } : {}),
      ...(args.maxStates !== undefined ? { maxStates: args.maxStates } : {}),
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    };
    let result: ExploreResult;
    let fired: ReadonlyMap<string, number> | undefined;
    try {
      if (args.report !== undefined) ({ result, fired } = exploreCounting(target, options));
      else result = await exploreTarget(target, options, args.workers ?? 1);
    } catch (e) {
      if (e instanceof ExploreSetupError || e instanceof UnknownProfileError) {
        io.err(`meerkat check: ${spec.file} [${profile}]: ${e.message}\n`);
        return ExitCode.Usage;
      }
      throw e;
    } finally {
      progress.stop();
    }
    const traceFiles = result.violations.map((v) => (v.trace ? writeTrace(traceDir, v.trace, args.root) : null));
    const witnessFiles = result.witnesses.map((w) => (args.showWitness && w.trace ? writeTrace(traceDir, w.trace, args.root) : null));
    const reportAt = reportPath(args, plan.length, result, traceDir);
    // A failing check's report gets fire counts too when the exploration is quick to redo.
    if (reportAt !== null && fired === undefined && result.durationMs < 10_000) fired = exploreCounting(target, options).fired;
    const reportFile = reportAt === null ? undefined : toPosix(relative(args.root, (await writeReport(reportAt, { target, specFile: spec.file, result, ...(fired ? { fired } : {}) })).file));
    checked.push({ spec: spec.file, result, traceFiles, witnessFiles, ...(reportFile !== undefined ? { reportFile } : {}) });
  }

  if (args.json) io.out(`${JSON.stringify(checked.map(jsonOf), null, 2)}\n`);
  else {
    io.out(renderReport(checked, args.showWitness));
    for (const c of checked) if (c.reportFile !== undefined) io.out(`report: ${c.reportFile}  (${c.spec}; open it in a browser)\n`);
  }
  return checked.every((c) => c.result.ok) ? ExitCode.Ok : ExitCode.Failed;
}

/** "ok", "ok (bounded: ...)" or "FAIL (n)"; the short form of the bound goes in the table. */
function verdictOf(r: ExploreResult): { readonly code: "ok" | "ok-bounded" | "fail"; readonly text: string } {
  if (!r.ok) return { code: "fail", text: `FAIL (${r.violations.length})` };
  if (!r.bounded) return { code: "ok", text: "ok" };
  const parts = [r.bounded.pruned > 0 ? "pruned" : "", r.bounded.beyondMaxDepth > 0 ? `depth ${r.bounded.maxDepth ?? ""}`.trimEnd() : ""].filter(Boolean);
  return { code: "ok-bounded", text: `ok (bounded: ${parts.join(", ")})` };
}

/** --report's file (one per spec when several are checked), or beside the traces of a failing check. */
function reportPath(args: CheckArgs, specs: number, result: ExploreResult, traceDir: string): string | null {
  if (args.report !== undefined) {
    const file = resolve(args.root, args.report);
    if (specs === 1) return file;
    return `${file.endsWith(".html") ? file.slice(0, -".html".length) : file}.${safe(result.machine)}.html`;
  }
  if (result.ok || !result.violations.some((v) => v.trace !== null)) return null;
  return join(traceDir, `${safe(result.machine)}.${safe(result.profile)}.report.html`);
}

function jsonOf(c: CheckedSpec): Record<string, unknown> {
  const r = c.result;
  return {
    spec: c.spec,
    verdict: verdictOf(r).code,
    ...r,
    violations: r.violations.map((v, i) => ({ ...v, traceLength: v.trace ? v.trace.steps.length : null, traceFile: c.traceFiles[i] ?? null })),
    witnesses: r.witnesses.map((w, i) => ({ ...w, traceFile: c.witnessFiles[i] ?? null })),
    reportFile: c.reportFile ?? null,
  };
}

function formatTime(ms: number): string {
  return ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

export function renderReport(checked: readonly CheckedSpec[], showWitness: boolean): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const rows: string[][] = [["spec", "profile", "states", "transitions", "witnesses", "invariants", "depth", "time", "states/s", "verdict"]];
  for (const c of checked) {
    const r = c.result;
    rows.push([
      c.spec,
      r.profile,
      `${n(r.distinctStates)}${r.symmetry ? " (sym)" : ""}`,
      `${r.transitions.fired}/${r.transitions.declared}${r.coverage.leftOut && r.coverage.leftOut.length > 0 ? ` (+${r.coverage.leftOut.length} left out)` : ""}`,
      `${r.witnesses.filter((w) => w.reached).length}/${r.witnesses.length}`,
      String(r.invariantsChecked),
      r.maxDepth !== null && r.depth >= r.maxDepth ? `${r.depth} (max)` : String(r.depth),
      formatTime(r.durationMs),
      n(r.statesPerSecond),
      verdictOf(r).text,
    ]);
  }
  const out = [table(rows)];
  const notes: string[] = [];
  for (const c of checked) {
    if (c.result.initialStates > 1) notes.push(`${c.spec}: ${n(c.result.initialStates)} initial states, each a root of the exploration (counted in the ${n(c.result.distinctStates)} states)`);
    if (c.result.symmetry) notes.push(`${c.spec}: symmetry reduction on; ${n(c.result.distinctStates)} states, one canonical representative per orbit of id renamings (${c.result.canonicalMethod ?? "full"} minimisation)`);
    const cov = c.result.coverage;
    const leftOut = cov.leftOut?.length ?? 0;
    if (leftOut > 0) notes.push(`${c.spec}: ${leftOut} instance transition${leftOut === 1 ? "" : "s"} declared left out of the composition (with reasons; see --json coverage.leftOut)`);
    if (!cov.checked && cov.unreachedPhases.length + cov.unfiredTransitions.length > 0) {
      const parts = [
        cov.unreachedPhases.length > 0 ? `${cov.unreachedPhases.length} instance phase${cov.unreachedPhases.length === 1 ? "" : "s"} never entered` : "",
        cov.unfiredTransitions.length > 0 ? `${cov.unfiredTransitions.length} instance transition${cov.unfiredTransitions.length === 1 ? "" : "s"} never fired` : "",
      ].filter(Boolean);
      notes.push(`${c.spec}: coverage only (not violations in a composition): ${parts.join(", ")} (see --json coverage)`);
    }
    if (c.result.ok && c.result.bounded) {
      const why = c.result.pruned > 0 ? "; pruned: beyond maxCollectionSize (or a collectionSizes bound), the delivery queue or an int bound" : "";
      notes.push(`${c.spec}: bounded verdict: ${boundedText(c.result.bounded)}${why} ("complete": true in the profile makes this fail)`);
    } else if (c.result.pruned > 0) notes.push(`${c.spec}: ${n(c.result.pruned)} successors pruned (beyond the profile's bounds: maxCollectionSize, the delivery queue, or an int bound)`);
  }
  if (notes.length > 0) out.push("", ...notes);
  const failing = checked.filter((c) => !c.result.ok);
  if (failing.length > 0) {
    out.push("", "violations:");
    for (const c of failing) {
      c.result.violations.forEach((v, i) => {
        const file = c.traceFiles[i];
        const where = v.trace && file ? `\n      trace: ${v.trace.steps.length} step${v.trace.steps.length === 1 ? "" : "s"} -> ${file}  (meerkat replay ${file})` : "";
        out.push(`  ${c.spec} [${c.result.profile}] ${v.kind} ${v.name}: ${v.message}${where}`);
      });
    }
  }
  if (showWitness) {
    const lines: string[] = [];
    for (const c of checked) {
      c.result.witnesses.forEach((w, i) => {
        if (!w.trace) return;
        lines.push(`  ${c.spec} witness ${w.name} (${w.source}): ${w.trace.steps.length} step${w.trace.steps.length === 1 ? "" : "s"} -> ${c.witnessFiles[i] ?? "-"}`);
        w.trace.steps.forEach((s, j) => {
          const payload = Object.entries(s.payload).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
          lines.push(`      ${j + 1}. ${s.instance ? `${s.instance}.` : ""}${s.trigger}${payload ? `(${payload})` : ""}${s.route ? ` via ${s.route}` : ""} -> ${s.transition ?? "refused"}`);
        });
      });
    }
    if (lines.length > 0) out.push("", "witnesses:", ...lines);
  }
  return `${out.join("\n")}\n`;
}

/**
 * `check --all` with default profiles and human output, in the working directory (what `start`
 * runs after generating; the generator pipeline resolves spec paths against the working directory).
 */
export function checkAll(io: Io): Promise<number> {
  return checkCommand(
    { specs: [], all: true, json: false, showWitness: false, traceDir: ".tmp/traces", specDir: "spec", outDir: "generated", outExplicit: false, root: process.cwd() },
    io,
  );
}

/** Explores serially, or with worker threads that load the kernel from where it was imported. */
function exploreTarget(target: LoadedKernel, options: ExploreOptions, workers: number): ExploreResult | Promise<ExploreResult> {
  if (workers > 1 && target.source) {
    const par = { workers, source: { subject: target.kind, ...target.source } };
    return target.kind === "machine" ? exploreMachineParallel(target.kernel, options, par) : exploreCompositionParallel(target.kernel, options, par);
  }
  return target.kind === "machine" ? exploreMachine(target.kernel, options) : exploreComposition(target.kernel, options);
}

function parseCount(v: string, flag = "--max-states"): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got "${v}"`);
  return n;
}

export function registerCheck(program: Command, io: Io, result: { code: number }): void {
  program
    .command("check")
    .description("explore every reachable state of the specs and check invariants, determinism, deadlocks and witnesses")
    .argument("[specs...]", "spec files to check")
    .option("--all", "check every spec under the spec directory")
    .option("--profile <name>", "check profile (default: ci if the spec has it, else its first)")
    .option("--json", "print one JSON document with every result")
    .option("--max-states <n>", "stop with a state-limit violation after this many distinct states")
    .option("--symmetry", "treat identifier values as interchangeable (symmetry reduction), whatever the profile says")
    .option("--no-symmetry", "turn the profile's symmetry reduction off")
    .option("--show-witness", "print and write a trace for every reached witness")
    .option("--trace-dir <dir>", "where to write trace files", ".tmp/traces")
    .option("--report <file>", "write an HTML report (diagram, coverage with fire counts, trace stepper)")
    .option("--spec <dir>", "directory of spec files", "spec")
    .option("--out <dir>", "generated code that must be in sync with --spec (default: generated, if it exists)")
    .option("--workers <n>", "explore with this many worker threads (same results as 1, faster on several cores)", "1")
    .action(
      async (
        specs: string[],
        opts: { all?: boolean; profile?: string; json?: boolean; maxStates?: string; workers: string; symmetry?: boolean; showWitness?: boolean; traceDir: string; report?: string; spec: string; out?: string },
      ) => {
        let maxStates: number | undefined;
        let workers: number;
        try {
          maxStates = opts.maxStates !== undefined ? parseCount(opts.maxStates) : undefined;
          workers = parseCount(opts.workers, "--workers");
        } catch (e) {
          io.err(`meerkat check: ${(e as Error).message}\n`);
          result.code = ExitCode.Usage;
          return;
        }
        result.code = await checkCommand(
          {
            specs,
            all: opts.all === true,
            ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
            json: opts.json === true,
            ...(maxStates !== undefined ? { maxStates } : {}),
            ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
            showWitness: opts.showWitness === true,
            traceDir: opts.traceDir,
            ...(opts.report !== undefined ? { report: opts.report } : {}),
            workers,
            specDir: opts.spec,
            outDir: opts.out ?? "generated",
            outExplicit: opts.out !== undefined,
            root: process.cwd(),
          },
          io,
        );
      },
    );
}

// The exhaustive explorer behind `meerkat check`: breadth-first exploration of a machine or a
// composition under one of its check profiles, with every check and shortest traces.

import type { AnyKernel, CompositionKernel, ProfileDesc } from "../../kernel/descriptor.js";
import { judgeCompositionCoverage } from "./composition-coverage.js";
import { compositionSystem } from "./composition-system.js";
import { explore } from "./engine.js";
import { exploreParallel, type ParallelOptions } from "./parallel.js";
import { exploreCompiledPartitioned } from "./parallel-partitioned.js";
import { machineSystem } from "./machine-system.js";
import { SymmetryUnsoundError } from "./errors.js";
import { selectProfile } from "./profile.js";
import { DEFAULT_MAX_STATES, type ExploreOptions, type ExploreResult, type SuccessorPath } from "./result.js";
import { compiledRun } from "./compiled/index.js";
import { exploreCompiled, type CompiledRun } from "./compiled/engine.js";

export { ExploreSetupError, SymmetryUnsoundError, UnknownProfileError } from "./errors.js";
export { compositionSystem, type ComposedState } from "./composition-system.js";
export { machineSystem } from "./machine-system.js";
export { replayTrace, type ReplayResult, type ReplayRow } from "./replay.js";
export { boundedText, DEFAULT_MAX_STATES } from "./result.js";
export type { Bounded, SuccessorPath, ExploreOptions, ExploreProgress, ExploreResult, Violation, ViolationKind, WitnessResult } from "./result.js";
export type { StepResult, System } from "./system.js";
export type { ParallelOptions } from "./parallel.js";
export type { SystemSource } from "./parallel-protocol.js";
export type { Trace, TraceStep } from "./trace.js";

export function exploreMachine(kernel: AnyKernel, options: ExploreOptions): ExploreResult {
  const profile = selectProfile(`machine ${kernel.machine}`, kernel.profiles, options.profile);
  const opts = engineOptions(options, profile.maxStates, profile.symmetry);
  if (opts.symmetry) refuseOrderDependent(kernel);
  const path = successorPath(kernel, profile, opts.symmetry, options);
  if ("machine" in path) return { ...exploreCompiled(path, opts), successors: COMPILED };
  return { ...explore(machineSystem(kernel, profile), opts), successors: path };
}

const COMPILED: SuccessorPath = { path: "compiled", reason: null };

/** The compiled run of a machine, or why it is explored by the generic kernel interpreter. */
function successorPath(kernel: AnyKernel, profile: ProfileDesc, symmetry: boolean, options: ExploreOptions): SuccessorPath | CompiledRun {
  if (symmetry) return { path: "generic", reason: "symmetry reduction" };
  if (options.successors === "generic") return { path: "generic", reason: "asked for" };
  return compiledRun(kernel, profile);
}

export function exploreComposition(kernel: CompositionKernel<unknown>, options: ExploreOptions): ExploreResult {
  const profile = selectProfile(`composition ${kernel.composition}`, kernel.profiles, options.profile);
  const opts = engineOptions(options, profile.maxStates, profile.symmetry);
  if (opts.symmetry) for (const k of Object.values(kernel.instances)) refuseOrderDependent(k);
  return judgeCompositionCoverage(explore(compositionSystem(kernel, profile), opts), kernel.leftOut);
}

/**
 * exploreMachine with `par.workers` worker threads (each loads the kernel from `par.source`): the
 * same result as one worker, faster on several cores. One worker, or stopOnViolation (which ends
 * at a point only the serial order defines), explores serially.
 */
export async function exploreMachineParallel(kernel: AnyKernel, options: ExploreOptions, par: ParallelOptions): Promise<ExploreResult> {
  if (par.workers <= 1 || options.stopOnViolation) return exploreMachine(kernel, options);
  const profile = selectProfile(`machine ${kernel.machine}`, kernel.profiles, options.profile);
  const opts = engineOptions(options, profile.maxStates, profile.symmetry);
  if (opts.symmetry) refuseOrderDependent(kernel);
  const path = successorPath(kernel, profile, opts.symmetry, options);
  if ("machine" in path) return { ...(await exploreCompiledPartitioned(path, opts, par.workers)), successors: COMPILED };
  return { ...(await exploreParallel(machineSystem(kernel, profile), opts, par)), successors: path };
}

/** exploreComposition with worker threads (see exploreMachineParallel). */
export async function exploreCompositionParallel(kernel: CompositionKernel<unknown>, options: ExploreOptions, par: ParallelOptions): Promise<ExploreResult> {
  if (par.workers <= 1 || options.stopOnViolation) return exploreComposition(kernel, options);
  const profile = selectProfile(`composition ${kernel.composition}`, kernel.profiles, options.profile);
  const opts = engineOptions(options, profile.maxStates, profile.symmetry);
  if (opts.symmetry) for (const k of Object.values(kernel.instances)) refuseOrderDependent(k);
  return judgeCompositionCoverage(await exploreParallel(compositionSystem(kernel, profile), opts, par), kernel.leftOut);
}

/** Symmetry is sound only when renaming ids commutes with every transition. */
function refuseOrderDependent(kernel: AnyKernel): void {
  const loop = kernel.orderDependentLoops?.[0];
  if (loop) throw new SymmetryUnsoundError(kernel.specFile, loop.pointer, loop.transition, `loops over ${loop.idType} ids in id order and depends on that order (${loop.reason})`);
}

function engineOptions(o: ExploreOptions, profileMax: number | null, profileSymmetry: boolean) {
  return {
    maxStates: o.maxStates ?? profileMax ?? DEFAULT_MAX_STATES,
    symmetry: o.symmetry ?? profileSymmetry,
    ...(o.canonical ? { canonical: o.canonical } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.stopOnViolation ? { stopOnViolation: o.stopOnViolation } : {}),
  };
}

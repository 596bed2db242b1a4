// Builds the pipeline outputs for a command, turning spec and usage errors into their exit codes.

import { formatDiagnostics } from "../generator/diagnostics.js";
import { loadSpecs, UsageError, type LoadResult } from "../generator/load.js";
import { buildOutputs, type Outputs, type PipelineOptions } from "../generator/pipeline.js";
import { ExitCode, type Io } from "./io.js";

/** The outputs, or the exit code after printing why there are none (1 spec errors, 2 usage). */
export function buildOrReport(opts: PipelineOptions, io: Io): Outputs | number {
  let outputs: Outputs;
  try {
    outputs = buildOutputs(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`meerkat: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  if (outputs.diagnostics.length > 0) {
    io.err(`${formatDiagnostics(outputs.diagnostics)}\n`);
    return ExitCode.Failed;
  }
  return outputs;
}

/** Loads and checks spec files, or returns the exit code after printing why not (1 spec errors, 2 usage). */
export function loadOrReport(paths: readonly string[], root: string, io: Io): LoadResult | number {
  let loaded: LoadResult;
  try {
    loaded = loadSpecs(paths, root);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`meerkat: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
  if (loaded.diagnostics.length > 0) {
    io.err(`${formatDiagnostics(loaded.diagnostics)}\n`);
    return ExitCode.Failed;
  }
  return loaded;
}

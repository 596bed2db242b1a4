// Public API of the generator (`meerkat-control-plane/generator`): load and check spec files,
// build the generated code (and docs) in memory, write it, or compare it with what is on disk.

export { loadSpecs, findSpecFiles, UsageError, MACHINE_SUFFIX, COMPOSITION_SUFFIX, POLICY_SUFFIX } from "./load.js";
export type { LoadResult } from "./load.js";
export { buildOutputs, writeOutputs, checkOutputs, kernelImportFor } from "./pipeline.js";
export type { Outputs, PipelineOptions } from "./pipeline.js";
export { generateFiles, outputPathFor } from "./emit/index.js";
export type { GenerateOptions } from "./emit/index.js";
export { formatDiagnostic, formatDiagnostics, SpecErrors } from "./diagnostics.js";
export type { Diagnostic, DiagnosticCode } from "./diagnostics.js";
export type { SpecModel, MachineModel, CompositionModel, PolicyModel } from "./model.js";
export { KERNEL_SPECIFIER, PACKAGE_NAME } from "./toolchain.js";

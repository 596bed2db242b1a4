// HTML reports of a check: the diagram, coverage, and a stepper for counterexamples and runtime logs.

export { buildReport, type BuiltReport, type ReportInputs } from "./build.js";
export { exploreCounting, type CountedResult, type CountOptions } from "./count.js";
export { ReportInputError } from "./errors.js";
export type { ReportTarget } from "./graph.js";
export type { ReportData } from "./model.js";
export { readTraceFile } from "./trace-file.js";
export { writeReport, type WrittenReport } from "./write.js";

// Typed errors for report inputs a user gave (a trace file, an event log): what is wrong and where.

export class ReportInputError extends Error {
  override readonly name = "ReportInputError";
  constructor(
    readonly code: "bad-trace" | "bad-event-log" | "trace-mismatch",
    /** The file, and the line (event logs) or JSON pointer (traces) when known. */
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

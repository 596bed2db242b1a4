// Typed errors the explorer throws for problems with its inputs (never for findings in the model:
// those are violations in the result).

export class UnknownProfileError extends Error {
  readonly code = "UnknownProfile";
  constructor(
    readonly subject: string,
    readonly profile: string,
    readonly known: readonly string[],
  ) {
    super(`${subject} has no check profile "${profile}" (known profiles: ${known.join(", ") || "none"})`);
  }
}

/** The profile makes some type too large to enumerate or encode, or leaves an id type without a domain. */
export class ExploreSetupError extends Error {
  readonly code = "ExploreSetup";
}

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

/** Symmetry was asked for a machine whose transitions depend on the order of ids (see generator/loop-order.ts). */
export class SymmetryUnsoundError extends ExploreSetupError {
  readonly reason = "SymmetryUnsound";
  constructor(
    readonly specFile: string,
    readonly pointer: string,
    readonly transition: string,
    detail: string,
  ) {
    super(`symmetry reduction is unsound here: ${specFile} at ${pointer}: transition ${transition} ${detail}; drop symmetry (--no-symmetry) or make the loop order-insensitive`);
  }
}

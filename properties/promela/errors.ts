// Typed errors of the Promela export and the SPIN runner. Findings in the model (violations) are
// never errors: they come back in the SPIN result.

/** The machine uses a construct the Promela export does not translate. */
export class PromelaUnsupportedError extends Error {
  readonly code = "PromelaUnsupported";
  constructor(
    message: string,
    /** JSON pointer of the spec part that uses the construct, once known (see `locatedAt`). */
    readonly pointer?: string,
  ) {
    super(message);
  }
}

/** Runs `f`; a PromelaUnsupportedError from it gets the JSON pointer of the spec part being exported. */
export function locatedAt<T>(pointer: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PromelaUnsupportedError && e.pointer === undefined) {
      throw new PromelaUnsupportedError(`${what} (at ${pointer}) is not supported by the SPIN export: ${e.message}`, pointer);
    }
    throw e;
  }
}

/** The requested profile is not one of the machine's check profiles. */
export class PromelaProfileError extends Error {
  readonly code = "UnknownProfile";
  constructor(
    readonly machine: string,
    readonly profile: string,
    readonly known: readonly string[],
  ) {
    super(`machine ${machine} has no check profile "${profile}" (known profiles: ${known.join(", ") || "none"})`);
  }
}

/** A tool SPIN verification needs (spin or gcc) is not on the PATH. */
export class SpinNotInstalledError extends Error {
  readonly code = "SpinNotInstalled";
  constructor(readonly tool: "spin" | "gcc") {
    super(`${tool} is not installed (or not on PATH); install it with: apt-get update -qq && apt-get install -y spin gcc`);
  }
}

/** Records and tuples have no Promela translation (yet): refused wherever one would be stored. */
export function compoundUnsupported(t: { readonly kind: "record" | "tuple"; readonly name?: string }): never {
  throw new PromelaUnsupportedError(`${t.kind} type${t.name ? ` ${t.name}` : ""}: records and tuples are checked by meerkat check only`);
}

// Runtime bugs the conformance properties found. While a bug is open the reference model mimics the
// runtime's behaviour in exactly that situation (so the rest of the property keeps running), and
// test/conformance-known-bugs.test.ts demonstrates it with its shrunk counterexample as an
// `it.fails` test. Once the runtime is fixed the entry's status becomes "fixed" (the model then
// expects the fixed behaviour everywhere) and the test becomes a plain regression test.

export type KnownBug =
  | "dedup-joins-reused-input-id"
  | "refused-bind-registers"
  | "binding-values-unchecked"
  | "untyped-errors-on-ill-typed-arguments"
  | "close-keeps-loop-running";

export interface KnownBugInfo {
  readonly status: "open" | "fixed";
  readonly summary: string;
  readonly expected: string;
  readonly actual: string;
}

export const KNOWN_BUGS: Readonly<Record<KnownBug, KnownBugInfo>> = {
  "dedup-joins-reused-input-id": {
    status: "fixed",
    summary:
      "Idempotency keys are resolved through the input id (runtime/ledger.ts lookupKey: keys → inputId → `records.has(inputId)`). Once a keyed input is terminal its id may be reused by a new, unrelated input; a later duplicate of the old key is then reported as live and its completion joins the new input's waiters.",
    expected: "accept(key k1) after the k1 input was consumed → Deduplicated{existingId}, no completion (the key's owner is terminal)",
    actual: "Deduplicated{existingId} with a completion that waits for (and is resolved by) the unrelated live input that reused the id",
  },
  "refused-bind-registers": {
    status: "fixed",
    summary:
      "prepareBindings / prepareLocalSessionBindings on an unregistered session first commits RegisterSession (control.ts ensureRegistered), then the binding is refused (FenceRejected) — the refused call leaves the session registered, contradicting \"a refused call changes nothing\".",
    expected: "FenceRejected and the session still unregistered (registered=false, no ReRegister committed)",
    actual: "FenceRejected, but ReRegister was committed: registered=true",
  },
  "binding-values-unchecked": {
    status: "fixed",
    summary:
      "prepareBindings does not check the binding against the spec's domains (Fence int 0..2147483647, Generation int 0..65535): negative, fractional, out-of-range and non-finite numbers enter the machine state; NaN surfaces as MachineInvariantViolated.",
    expected: "a typed refusal (e.g. FenceRejected or an invalid-argument error) and no state change",
    actual: "fence -5 / generation 0.5 / generation 2147483648 are bound and become the session's newest fence and generation",
  },
  "untyped-errors-on-ill-typed-arguments": {
    status: "fixed",
    summary:
      "Arguments that violate the TypeScript signature (callers in plain JavaScript, or data from the wire) are not checked: null options/bindings/specs throw TypeError; setSilentIntents(\"abc\") is taken as a 3-element list; ops.register({ kind: \"Nope\" }) registers an op of a kind the spec does not have.",
    expected: "a typed RuntimeError (InputInvalid-like) and no state change",
    actual: "TypeError: Cannot read properties of null (reading 'fence') from destroy(id, null); registerSession(undefined) creates a session keyed undefined",
  },
  "close-keeps-loop-running": {
    status: "fixed",
    summary:
      "close() interrupts the run in flight and terminates every waiter, but the session loop keeps going: when the interrupted run settles, finishRun returns to the pump, whose next pass opens a new run for the next queued input and calls executor.apply after close().",
    expected: "after close() no new executor call is made",
    actual: "a second executor call (the next queued input) starts after close()",
  },
};

/** The bugs the model mimics by default (all open ones). */
export const OPEN_BUGS: ReadonlySet<KnownBug> = new Set((Object.keys(KNOWN_BUGS) as KnownBug[]).filter((b) => KNOWN_BUGS[b].status === "open"));

/** The open bugs except `bug` (to demonstrate one bug without the others getting in the way). */
export function openBugsExcept(bug: KnownBug): ReadonlySet<KnownBug> {
  return new Set([...OPEN_BUGS].filter((b) => b !== bug));
}

// The outcome of applying one trigger to a machine state: a pure value, never an exception.
// Generated modules instantiate the name parameters with their own literal unions (transition,
// guard, phase and trigger names), so code that switches on a refusal's guard stops compiling
// when the spec renames that guard.

export interface Fired<S, TName extends string, E> {
  readonly ok: true;
  readonly transition: TName;
  readonly state: S;
  readonly effects: readonly E[];
}

export type Refusal<TName extends string, G extends string = string, P extends string = string, K extends string = string> =
  | { readonly ok: false; readonly code: "NoMatchingTransition"; readonly phase: P; readonly trigger: K }
  | {
      readonly ok: false;
      readonly code: "GuardRejected";
      readonly phase: P;
      readonly trigger: K;
      readonly transition: TName;
      readonly guard: G;
    }
  | {
      readonly ok: false;
      readonly code: "AmbiguousTransition";
      readonly phase: P;
      readonly trigger: K;
      readonly transitions: readonly TName[];
    };

export type TransitionResult<S, TName extends string, E, G extends string = string, P extends string = string, K extends string = string> =
  | Fired<S, TName, E>
  | Refusal<TName, G, P, K>;

export function describeRefusal(r: Refusal<string>): string {
  switch (r.code) {
    case "NoMatchingTransition":
      return `no transition handles ${r.trigger} in phase ${r.phase}`;
    case "GuardRejected":
      return `${r.trigger} in phase ${r.phase}: guard "${r.guard}" of ${r.transition} is false`;
    case "AmbiguousTransition":
      return `${r.trigger} in phase ${r.phase}: transitions ${r.transitions.join(", ")} are all enabled`;
  }
}

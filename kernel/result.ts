// The outcome of applying one trigger to a machine state: a pure value, never an exception.

export interface Fired<S, TName extends string, E> {
  readonly ok: true;
  readonly transition: TName;
  readonly state: S;
  readonly effects: readonly E[];
}

export type Refusal<TName extends string> =
  | { readonly ok: false; readonly code: "NoMatchingTransition"; readonly phase: string; readonly trigger: string }
  | {
      readonly ok: false;
      readonly code: "GuardRejected";
      readonly phase: string;
      readonly trigger: string;
      readonly transition: TName;
      readonly guard: string;
    }
  | {
      readonly ok: false;
      readonly code: "AmbiguousTransition";
      readonly phase: string;
      readonly trigger: string;
      readonly transitions: readonly TName[];
    };

export type TransitionResult<S, TName extends string, E> = Fired<S, TName, E> | Refusal<TName>;

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

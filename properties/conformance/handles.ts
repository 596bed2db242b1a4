// The observable result of a step and the executor hook counts, shared by the reference model, the
// real world and the projection that compares them (its own file so none of them imports another
// for a type).

export type HandleState =
  | { readonly state: "pending" }
  | { readonly state: "ok"; readonly value: unknown }
  | { readonly state: "error"; readonly code: string };

/** Counts of executor hooks the runtime must call. */
export interface HookCounters {
  cancelRequests: number;
  stopped: number;
  recycled: number;
}

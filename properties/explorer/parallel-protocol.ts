// Messages between the parallel coordinator (parallel.ts) and its workers (parallel-worker.ts).
// Every position is the state's index in the coordinator's store (BFS order), so the coordinator
// can merge results exactly as the serial engine would have met them.

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { CanonicalOptions } from "./canonical.js";
import type { FinalTag } from "./findings.js";
import type { ViolationKind } from "./result.js";

/** Where a worker finds the system to explore: the generated module and its kernel export. */
export interface SystemSource {
  readonly subject: "machine" | "composition";
  /** file: URL of the generated module. */
  readonly moduleUrl: string;
  /** Name of the kernel export in that module. */
  readonly exportName: string;
}

export interface WorkerSetup {
  readonly source: SystemSource;
  /** The profile as the coordinator explores it (it may differ from the module's, e.g. in benchmarks). */
  readonly profile: ProfileDesc;
  readonly symmetry: boolean;
  readonly canonical?: CanonicalOptions;
}

/** Expand the states start..start+keys.length-1 of one BFS level. */
export interface ChunkRequest {
  readonly id: number;
  readonly start: number;
  readonly keys: Float64Array | readonly string[];
  /** False at maxDepth: successors are only keyed (to count those left unexplored). */
  readonly expand: boolean;
  /** Invariants and witnesses already found: no need to evaluate them again. */
  readonly broken: Uint8Array;
  readonly witnessed: Uint8Array;
}

export interface WorkerFinding {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  /** Store index of the state. */
  readonly at: number;
  /** Violating choice, or -1 for a finding about the state. */
  readonly choice: number;
  readonly tag: FinalTag | null;
  /** Invariant number for invariants (orders several broken in one state), else 0. */
  readonly order: number;
}

export interface ChunkResult {
  readonly id: number;
  /** Steps tried per state. */
  readonly tried: Int32Array;
  /** First choice per state (choicesFrom). */
  readonly from: Int32Array;
  /** One entry per step that fired, in (state, choice) order: local state, choice, transition, key. */
  readonly succState: Int32Array;
  readonly succChoice: Int32Array;
  readonly succTransition: Int32Array;
  /** Successor keys; OUT_OF_DOMAIN / OVER_BOUND (negative) for successors that cannot be stored. */
  readonly succKeys: Float64Array | readonly (string | number)[];
  readonly succCount: number;
  /** First finding per kind and name in this chunk. */
  readonly findings: readonly WorkerFinding[];
  /** [witness, store index] of the first state of the chunk where each open witness holds. */
  readonly witnesses: readonly (readonly [number, number])[];
  /** Phases entered by some state of the chunk. */
  readonly phases: Uint8Array;
}

export type ToWorker = { readonly type: "chunk"; readonly chunk: ChunkRequest } | { readonly type: "stop" };
export type FromWorker = { readonly type: "ready" } | { readonly type: "result"; readonly result: ChunkResult } | { readonly type: "error"; readonly message: string };

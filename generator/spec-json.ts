// The shape of spec files once they have passed their JSON Schema (spec/schema/*.schema.json).

export type NamedTypeJson =
  | { kind: "id"; description?: string }
  | { kind: "int"; min: number; max: number; description?: string }
  | { kind: "enum"; values: string[]; terminal?: string[]; description?: string }
  /** Field name -> type expression, in declared order. */
  | { kind: "record"; fields: Record<string, string>; description?: string }
  /** Item type expressions, in order. */
  | { kind: "tuple"; items: string[]; description?: string };

export type PayloadsJson = Record<string, Record<string, string>>;

export interface EmitJson {
  effect: string;
  when?: string;
  [field: string]: string | undefined;
}

export interface TransitionJson {
  name: string;
  description?: string;
  from: string[] | "any";
  on: string;
  /** Inline `{ name: expression }`, or a list of shared guard names and single-entry inline objects. */
  guards?: Record<string, string> | (string | Record<string, string>)[];
  updates?: string[];
  to?: string;
  emit?: EmitJson[];
}

export interface ProfileJson {
  description?: string;
  domains?: Record<string, number>;
  maxDepth?: number;
  maxCollectionSize?: number;
  /** Per-field collection bounds, overriding maxCollectionSize for the named fields. */
  collectionSizes?: Record<string, number>;
  ints?: Record<string, { min?: number; max?: number }>;
  maxStates?: number;
  allowDeadlockIn?: string[];
  symmetry?: boolean;
  complete?: boolean;
}

export interface CheckJson {
  profiles?: Record<string, ProfileJson>;
  witnesses?: Record<string, string>;
}

/** A field's initial value: one constant expression, or a choice (every choice gives an initial state). */
export type FieldInitJson = string | { oneOf: string[] | string };

export interface MachineJson {
  $schema?: string;
  machine: string;
  version: number;
  description?: string;
  types?: Record<string, NamedTypeJson>;
  state: {
    phases: string[];
    initial: string;
    terminal?: string[];
    fields?: Record<string, { type: string; init?: FieldInitJson; description?: string }>;
  };
  inputs: PayloadsJson;
  signals?: PayloadsJson;
  queryOnly?: string[];
  /** Shared named guards, referenced by name from transitions. */
  guards?: Record<string, string>;
  /** Shared named expressions over the state, read by name from any expression. */
  definitions?: Record<string, string>;
  /** Named id constants: name → id type. Each is a fixed value of its type, spelled as its name. */
  constants?: Record<string, string>;
  persistence?: Record<string, "persisted" | "transient">;
  /** The error codes refusals carry: declared codes, the default, and codes per guard and per phase. */
  refusals?: RefusalsJson;
  effects?: PayloadsJson;
  transitions: TransitionJson[];
  invariants?: Record<string, string>;
  check?: CheckJson;
}

export interface RefusalsJson {
  codes: string[];
  default: string;
  guards?: Record<string, string>;
  phases?: Record<string, string>;
}

export interface RouteJson {
  name: string;
  description?: string;
  from: string;
  to: string;
  bind?: Record<string, string>;
}

/** An entry input with an environment assumption: injected only where `when` holds. */
export interface EntryJson {
  input: string;
  when?: string;
  description?: string;
}

/** Instance transitions a composition deliberately does not exercise, with the reason. */
export interface LeftOutJson {
  transitions: string[];
  reason: string;
}

export interface CompositionJson {
  $schema?: string;
  composition: string;
  version: number;
  description?: string;
  instances: Record<string, { machine: string; description?: string }>;
  entry?: (string | EntryJson)[];
  routes: RouteJson[];
  leftOut?: LeftOutJson[];
  invariants?: Record<string, string>;
  check?: CheckJson;
}

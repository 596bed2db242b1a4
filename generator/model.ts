// The checked spec: what the emitters and docs consume. Everything here has been resolved and
// type-checked; emitters never re-validate.

import type { ProfileDesc } from "../kernel/descriptor.js";
import type { TypeDesc } from "../kernel/types.js";
import type { TExpr, TStmt } from "./expr/typed.js";
import type { OrderDependence } from "./loop-order.js";

/** A `for` loop over ids whose body depends on the visiting order, where it is in the spec. */
export interface OrderDependentLoop {
  /** JSON pointer of the update string that holds it. */
  readonly pointer: string;
  readonly source: string;
  readonly transition: string;
  readonly loopVar: string;
  readonly dependence: OrderDependence;
}

export interface Named<T> {
  readonly name: string;
  readonly value: T;
}

export interface Predicate {
  readonly name: string;
  readonly source: string;
  readonly expr: TExpr;
}

export interface FieldModel {
  readonly name: string;
  readonly typeText: string;
  readonly type: TypeDesc;
  readonly initSource: string;
  /** The initial value (the first choice when there are several). */
  readonly init: TExpr;
  /** Every initial value in order, when the spec gives a choice (`oneOf`): several initial states. */
  readonly choices?: readonly TExpr[];
  readonly description?: string;
}

export interface TriggerModel {
  readonly kind: "input" | "signal";
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly typeText: string; readonly type: TypeDesc }[];
}

export interface EmitModel {
  readonly effect: string;
  readonly when: Predicate | null;
  readonly fields: readonly { readonly name: string; readonly source: string; readonly expr: TExpr }[];
}

export interface TransitionModel {
  readonly name: string;
  readonly description?: string;
  readonly from: readonly string[];
  readonly on: string;
  readonly guards: readonly Predicate[];
  readonly updateSources: readonly string[];
  readonly updates: readonly TStmt[];
  /** null: stay in the phase it fired from. */
  readonly to: string | null;
  readonly emits: readonly EmitModel[];
}

export interface MachineModel {
  readonly kind: "machine";
  /** Spec path relative to the repository (or working) root, with forward slashes. */
  readonly file: string;
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly types: readonly Named<TypeDesc>[];
  readonly phaseType: TypeDesc & { kind: "enum" };
  readonly initialPhase: string;
  readonly terminalPhases: readonly string[];
  readonly fields: readonly FieldModel[];
  readonly triggers: readonly TriggerModel[];
  readonly queryOnly: readonly string[];
  /** Per trigger, whether the runtime stores its outcome; null when the spec does not say. */
  readonly persistence: Readonly<Record<string, "persisted" | "transient">> | null;
  /** The error code of each refusal (spec: refusals); null when the spec does not say. */
  readonly refusals: RefusalsModel | null;
  /** Enums with declared terminal values. */
  readonly enumFacts: readonly { readonly name: string; readonly values: readonly string[]; readonly terminal: readonly string[] }[];
  readonly effects: readonly TriggerModel[];
  readonly transitions: readonly TransitionModel[];
  /** `for` loops whose outcome depends on the order they visit ids in (symmetry must be off). */
  readonly orderDependentLoops: readonly OrderDependentLoop[];
  readonly invariants: readonly Predicate[];
  readonly witnesses: readonly Predicate[];
  readonly profiles: readonly ProfileDesc[];
  /** Shared named expressions (`definitions`), by name with their source, for the contract doc. */
  readonly definitions?: readonly { readonly name: string; readonly source: string }[];
  /** Named id constants (`constants`), in declaration order: each is the id whose value is its name. */
  readonly idConstants?: readonly { readonly name: string; readonly type: string }[];
}

/** Checked refusal codes: every name in them is a declared code, guard or phase. */
export interface RefusalsModel {
  readonly codes: readonly string[];
  readonly default: string;
  /** Guard name → code, for the guards that do not refuse with the default. */
  readonly guards: Readonly<Record<string, string>>;
  /** Phase → code: every refusal in that phase carries it, whatever the guard. */
  readonly phases: Readonly<Record<string, string>>;
}

export interface RouteModel {
  readonly name: string;
  readonly description?: string;
  readonly from: { readonly instance: string; readonly effect: string };
  readonly to: { readonly instance: string; readonly trigger: string; readonly kind: "input" | "signal" };
  readonly bind: readonly { readonly field: string; readonly source: string; readonly expr: TExpr }[];
}

/** An input the environment may inject; with `when`, only in composed states where it holds. */
export interface EntryModel {
  readonly instance: string;
  readonly trigger: string;
  readonly when?: { readonly source: string; readonly expr: TExpr };
  readonly description?: string;
}

/** Instance transitions (qualified: "instance.Transition") the composition leaves to each machine's own check. */
export interface LeftOutModel {
  readonly transitions: readonly string[];
  readonly reason: string;
}

export interface CompositionModel {
  readonly kind: "composition";
  readonly file: string;
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly instances: readonly { readonly name: string; readonly machine: MachineModel }[];
  readonly entry: readonly EntryModel[];
  readonly routes: readonly RouteModel[];
  readonly leftOut: readonly LeftOutModel[];
  readonly invariants: readonly Predicate[];
  readonly witnesses: readonly Predicate[];
  readonly profiles: readonly ProfileDesc[];
}

export type SpecModel = MachineModel | CompositionModel;

/** The decision columns of a policy table that take enum values (recordTranscript is boolean). */
export const POLICY_ENUM_COLUMNS = ["applyMode", "wakeMode", "queueMode", "consumePoint", "drainPolicy", "routingDisposition"] as const;
export type PolicyEnumColumn = (typeof POLICY_ENUM_COLUMNS)[number];
export const POLICY_STATES = ["idle", "running"] as const;
export type PolicyState = (typeof POLICY_STATES)[number];
/** "none": the input carries no handling mode. */
export const POLICY_MODES = ["none", "Queue", "Steer"] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

export type PolicyDecisionModel = { readonly name: string; readonly description?: string; readonly recordTranscript: boolean } & {
  readonly [C in PolicyEnumColumn]: string;
};

/** Facts derived from a decision for one cell (they depend on the handling mode, too). */
export interface PolicyDerived {
  readonly lane: string;
  readonly admission: string;
  readonly enqueueFront: boolean;
  readonly consumeOnAccept: boolean;
  /** May start a run by itself (admission.drivesLoop, judged on the idle cell when so declared). */
  readonly drivesLoop: boolean;
}

export type PolicyOutcome = { readonly ok: true; readonly decision: string; readonly derived: PolicyDerived } | { readonly ok: false; readonly reason: string };

export interface PolicyCellModel {
  readonly kind: string;
  readonly state: PolicyState;
  readonly mode: PolicyMode;
  /** The row that decides the cell. */
  readonly row: string;
  readonly outcome: PolicyOutcome;
}

export interface PolicyRowModel {
  readonly name: string;
  readonly description?: string;
  readonly kinds: readonly string[] | "*";
  readonly modes: readonly PolicyMode[] | "*";
  /** Per state: a decision name, or a rejection reason. */
  readonly outcomes: Partial<Record<PolicyState, { readonly decision: string } | { readonly reject: string }>>;
}

export interface PolicyModel {
  readonly kind: "policy";
  readonly file: string;
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly kinds: readonly { readonly name: string; readonly description: string }[];
  readonly columns: Readonly<Record<PolicyEnumColumn, { readonly description?: string; readonly values: readonly { readonly name: string; readonly description: string }[] }>>;
  readonly recordTranscriptDescription: string;
  readonly decisions: readonly PolicyDecisionModel[];
  readonly rows: readonly PolicyRowModel[];
  /** Every cell, in kind order, then idle before running, then none, Queue, Steer. */
  readonly cells: readonly PolicyCellModel[];
  readonly admission: {
    readonly machine: string;
    readonly machineFile: string;
    readonly trigger: string;
    readonly lane: { readonly field: string; readonly type: string; readonly values: readonly string[]; readonly byRouting: Readonly<Record<string, string>> };
    readonly class: {
      readonly field: string;
      readonly type: string;
      readonly values: readonly string[];
      readonly byMode: Readonly<Partial<Record<"Queue" | "Steer", string>>>;
      readonly byWake: Readonly<Record<string, string>>;
    };
    readonly front: { readonly field: string; readonly queueModes: readonly string[] } | null;
    readonly consumeOnAccept: { readonly applyModes: readonly string[]; readonly consumePoints: readonly string[] };
  } & PolicyFactsModel;
  readonly inputs: PolicyInputsModel;
}

/** A named value with its description. */
export interface NamedValue {
  readonly name: string;
  readonly description: string;
}

/** A fact with one value per input kind: the default, and the kinds that differ. */
export interface PerKindFact {
  readonly description?: string;
  readonly values: readonly NamedValue[];
  readonly default: string;
  readonly byKind: Readonly<Record<string, string>>;
}

/** What an override sets on a resolved decision. */
export interface OverrideSet {
  readonly applyMode?: string;
  readonly wakeMode?: string;
  readonly admission?: string;
  readonly drivesLoop?: boolean;
}

/** A semantic rejection checked before the table: matches when every condition given holds. */
export interface PolicyRejectionModel {
  readonly name: string;
  readonly description?: string;
  readonly code: string;
  readonly durabilities?: readonly string[];
  readonly sources?: readonly string[];
  readonly kinds?: readonly string[];
  readonly handlingModeGiven?: boolean;
  readonly blank?: string;
  readonly detail: string;
}

/** The admission facts beyond the table's derived columns (spec `admission`, checked). */
export interface PolicyFactsModel {
  readonly drivesLoop: { readonly description?: string; readonly wakeModes: readonly string[]; readonly drainPolicies: readonly string[]; readonly judgedAs: "idle" | "own" };
  readonly boundary: { readonly description?: string; readonly values: readonly NamedValue[]; readonly byApply: Readonly<Record<string, string>> };
  readonly executionKind: PerKindFact;
  readonly applyIntent: PerKindFact;
  readonly defaultHandlingMode: { readonly description?: string; readonly byKind: Readonly<Record<string, "Queue" | "Steer">> };
  readonly rejections: readonly PolicyRejectionModel[];
  readonly policyRejection: { readonly description?: string; readonly code: string; readonly byKind: Readonly<Record<string, string>> };
  readonly overrides: {
    readonly silentIntent: { readonly description?: string; readonly kinds: readonly string[]; readonly field: string; readonly set: OverrideSet };
    readonly withoutWake: { readonly description?: string; readonly set: OverrideSet };
  };
}

/** A JSON Schema fragment as written in the spec. */
export type SchemaJson = { readonly [key: string]: unknown };

/** The shapes of the input kinds (spec `inputs`, checked). */
export interface PolicyInputsModel {
  readonly description?: string;
  readonly schemaId: string;
  readonly header: string;
  readonly types: Readonly<Record<string, SchemaJson>>;
  readonly kinds: Readonly<Record<string, { readonly required: readonly string[]; readonly properties: Readonly<Record<string, SchemaJson>> }>>;
}

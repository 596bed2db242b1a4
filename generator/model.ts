// The checked spec: what the emitters and docs consume. Everything here has been resolved and
// type-checked; emitters never re-validate.

import type { ProfileDesc } from "../kernel/descriptor.js";
import type { TypeDesc } from "../kernel/types.js";
import type { TExpr, TStmt } from "./expr/typed.js";

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
  readonly init: TExpr;
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
  readonly effects: readonly TriggerModel[];
  readonly transitions: readonly TransitionModel[];
  readonly invariants: readonly Predicate[];
  readonly witnesses: readonly Predicate[];
  readonly profiles: readonly ProfileDesc[];
}

export interface RouteModel {
  readonly name: string;
  readonly description?: string;
  readonly from: { readonly instance: string; readonly effect: string };
  readonly to: { readonly instance: string; readonly trigger: string; readonly kind: "input" | "signal" };
  readonly bind: readonly { readonly field: string; readonly source: string; readonly expr: TExpr }[];
}

export interface CompositionModel {
  readonly kind: "composition";
  readonly file: string;
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly instances: readonly { readonly name: string; readonly machine: MachineModel }[];
  readonly entry: readonly { readonly instance: string; readonly trigger: string }[];
  readonly routes: readonly RouteModel[];
  readonly invariants: readonly Predicate[];
  readonly witnesses: readonly Predicate[];
  readonly profiles: readonly ProfileDesc[];
}

export type SpecModel = MachineModel | CompositionModel;

// Public API of the runtime control plane. See runtime/README.md.

export { createRuntime, ControlPlane } from "./runtime.js";
export type { RuntimeOptions, SessionBindings, SessionSnapshot, InputSnapshot, RecoveryReport, RunOperation } from "./runtime.js";
export type { BindingRequest } from "./control.js";
export type { AcceptResult } from "./admission.js";
export type { CompletionOutcome } from "./completion.js";
export type { RuntimeLimits, RuntimeObserver, SignalDispatcher, RoutedEffect } from "./core.js";
export type { Executor, ApplyContext, RunPrimitive, RunOutput, BoundaryVerdict } from "./executor.js";
export type { RuntimeEvent, RuntimeEventBody, RuntimeEventType, RuntimeEventListener } from "./events.js";
export * from "./errors.js";
export * from "./input.js";
export type {
  PolicyDecision,
  PolicyResolution,
  PolicyResolver,
  Lane,
  AdmissionClass,
  ApplyMode,
  WakeMode,
  QueueMode,
  ConsumePoint,
  DrainPolicy,
  RoutingDisposition,
  Boundary,
} from "./policy.js";
export { defaultPolicy } from "./default-policy.js";
export { MemoryStore, persistedPhase } from "./store.js";
export type { RuntimeStore, StoredInputRow, StoredBinding, BoundaryReceipt, PersistedPhase } from "./store.js";
export type { InputTerminalOutcome } from "./ledger.js";
export { OpsRegistry } from "./ops.js";
export { OPS_LIMIT_MAX, DEFAULT_OPS_LIMITS } from "./ops-limits.js";
export type { OpsLimits } from "./ops-limits.js";
export type { OpSpec, OpOutcome, OpKind, OpStatus, TerminalOpStatus, CompletionEntry } from "./ops.js";
export { validateInput } from "./validate.js";
export { MobSeam } from "./seam.js";
export type { MobSeamOptions, MobCommandResult } from "./seam.js";
export { SeamRefusedError } from "./seam-errors.js";
export { SqliteStore, defaultStorePath, SQLITE_SCHEMA_VERSION } from "./sqlite-store.js";
export type { SqliteStoreOptions } from "./sqlite-store.js";
export * from "./store-errors.js";

// The spec's type domains as a check on live machine states: every field of a runtime's machine
// state must hold a value of its declared type (ints within their range, enum values, …). The check
// is the kernel's own snapshot decoder (kernel/instance.ts), so the spec owns the domains. The
// runtime must never let a caller's value outside a domain into the machine (fences, generations,
// runtime ids, op kinds).

import { decodeState, encodeState, SnapshotRejectedError, type MachineKernel } from "../../kernel/index.js";

export function domainProblems<S extends { readonly phase: string }>(kernel: MachineKernel<S, unknown, unknown, string>, state: S): string[] {
  try {
    decodeState(kernel, { machine: kernel.machine, version: kernel.version, state: encodeState(kernel.fields, state) });
    return [];
  } catch (e) {
    if (e instanceof SnapshotRejectedError) return e.problems.map((p) => `${p.pointer.replace(/^\/state\//, "")}: ${p.message}`);
    return [`the state cannot be encoded with its spec types: ${e instanceof Error ? e.message : String(e)}`];
  }
}

// The spec's type domains as a check on live machine states: every field of a runtime's machine
// state must hold a value of its declared type (ints within their range, enum values, …). The check
// is the kernel's own snapshot decoder (kernel/instance.ts), so the spec owns the domains. The
// runtime must never let a caller's value outside a domain into the machine (fences, generations,
// runtime ids, op kinds).

import { sessionRuntimeKernel } from "../../generated/session.machine.js";
import { decodeState, encodeState, SnapshotRejectedError, type MachineKernel } from "../../kernel/index.js";
import type { ControlPlane } from "../../runtime/index.js";

export function domainProblems<S extends { readonly phase: string }>(kernel: MachineKernel<S, unknown, unknown, string>, state: S): string[] {
  try {
    decodeState(kernel, { machine: kernel.machine, version: kernel.version, state: encodeState(kernel.fields, state) });
    return [];
  } catch (e) {
    if (e instanceof SnapshotRejectedError) return e.problems.map((p) => `${p.pointer.replace(/^\/state\//, "")}: ${p.message}`);
    return [`the state cannot be encoded with its spec types: ${e instanceof Error ? e.message : String(e)}`];
  }
}

/** The broken invariants and out-of-domain fields of every session machine of a runtime, each naming its session. */
export function sessionProblems(rt: Pick<ControlPlane, "sessionIds" | "machineState">): string[] {
  return rt.sessionIds().flatMap((sid) => {
    const s = rt.machineState(sid);
    const broken = sessionRuntimeKernel.invariants.filter((inv) => !inv.holds(s)).map((inv) => `invariant ${inv.name} broken`);
    return [...broken, ...domainProblems(sessionRuntimeKernel, s)].map((p) => `session ${JSON.stringify(sid)}: ${p}`);
  });
}

// JSON renderings of triggers, effects and refusals for traces (values via kernel/codec.ts toJson).

import { toJson } from "../../kernel/codec.js";
import type { AnyEffect, EffectDesc, FieldDesc, TriggerDesc } from "../../kernel/descriptor.js";
import type { Refusal } from "../../kernel/result.js";
import type { Value } from "../../kernel/types.js";
import type { JsonObject } from "./trace.js";

export function recordJson(fields: readonly FieldDesc[], record: Readonly<Record<string, unknown>>): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) out[f.name] = toJson(f.type, record[f.name] as Value);
  return out;
}

export function effectJson(descs: ReadonlyMap<string, EffectDesc>, e: AnyEffect): JsonObject {
  const desc = descs.get(e.effect);
  return { effect: e.effect, ...(desc ? recordJson(desc.fields, e) : {}) };
}

export function refusalJson(r: Refusal<string>): JsonObject {
  const base: JsonObject = { code: r.code, phase: r.phase, trigger: r.trigger };
  if (r.code === "GuardRejected") return { ...base, transition: r.transition, guard: r.guard };
  if (r.code === "AmbiguousTransition") return { ...base, transitions: [...r.transitions] };
  return base;
}

export function triggerFields(triggers: readonly TriggerDesc[], kind: string): readonly FieldDesc[] {
  return triggers.find((t) => t.name === kind)?.fields ?? [];
}

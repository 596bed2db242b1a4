// A composition's left-out declarations: each names an existing instance transition
// ("instance.Transition") once, with a reason. Errors point at the offending name.

import { pointerOf } from "./diagnostics.js";
import { editDistance } from "./expr/check.js";
import type { LeftOutModel, MachineModel } from "./model.js";
import type { LeftOutJson } from "./spec-json.js";
import type { Reporter } from "./check-common.js";

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = editDistance(c.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/**
 * `instances`: the instances whose machine resolved; `declared`: every instance name of the file
 * (an instance of an unknown machine was reported already and is not reported again here).
 */
export function checkLeftOut(
  r: Reporter,
  json: readonly LeftOutJson[] | undefined,
  instances: ReadonlyMap<string, MachineModel>,
  declared: ReadonlySet<string>,
): LeftOutModel[] {
  const out: LeftOutModel[] = [];
  const seenAt = new Map<string, string>();
  (json ?? []).forEach((group, gi) => {
    const names: string[] = [];
    group.transitions.forEach((text, ti) => {
      const pointer = pointerOf("leftOut", gi, "transitions", ti);
      const dot = text.indexOf(".");
      const inst = text.slice(0, dot);
      const name = text.slice(dot + 1);
      const m = instances.get(inst);
      if (!m) {
        if (!declared.has(inst)) r.error("unknown-instance", `no instance named "${inst}"`, pointer, `instances: ${[...declared].join(", ")}`);
        return;
      }
      if (!m.transitions.some((t) => t.name === name)) {
        const near = closest(name, m.transitions.map((t) => t.name));
        r.error("unknown-transition", `${m.name} (instance ${inst}) has no transition "${name}"`, pointer, near ? `did you mean "${inst}.${near}"?` : undefined);
        return;
      }
      const earlier = seenAt.get(text);
      if (earlier !== undefined) {
        r.error("duplicate-name", `${text} is declared left out twice (first at ${earlier})`, pointer);
        return;
      }
      seenAt.set(text, pointer);
      names.push(text);
    });
    out.push({ transitions: names, reason: group.reason });
  });
  return out;
}

// Routed deliveries waiting in a composition's queue: which route, and the consumer's trigger the
// route built from the producer's effect. A dense codec over all of them (a tagged union of the
// consumer triggers' payloads) lets the queue be part of the state key.

import type { AnyTrigger, FieldDesc } from "../../kernel/descriptor.js";
import type { Value } from "../../kernel/types.js";
import { denseOf, OUT_OF_DOMAIN, type Dense, type DenseContext } from "./dense.js";
import { ExploreSetupError } from "./errors.js";
import { mixCode, type FeatureSink, type Renaming } from "./renaming.js";

export interface Delivery {
  readonly route: number;
  readonly trigger: AnyTrigger;
}

export interface RouteShape {
  readonly name: string;
  /** Consumer trigger name and its payload fields. */
  readonly trigger: string;
  readonly fields: readonly FieldDesc[];
}

export function deliveryDense(routes: readonly RouteShape[], ctx: DenseContext): Dense<Delivery> {
  const parts = routes.map((r) => {
    const denses = r.fields.map((f) => denseOf(f.type, ctx));
    const size = denses.reduce((a, d) => a * d.size, 1);
    return { route: r, names: r.fields.map((f) => f.name), denses, size };
  });
  const offsets: number[] = [0];
  for (const p of parts) offsets.push((offsets[offsets.length - 1] as number) + p.size);
  const size = offsets[parts.length] as number;
  if (!(size <= Number.MAX_SAFE_INTEGER)) throw new ExploreSetupError("routed payloads have too many values to encode under this profile");
  const hasIds = parts.some((p) => p.denses.some((d) => d.hasIds));
  const partOf = (d: Delivery) => {
    const p = parts[d.route];
    if (!p) throw new ExploreSetupError(`no route number ${d.route}`);
    return p;
  };
  return {
    size,
    describe: "delivery",
    hasIds,
    collection: false,
    index: (d) => {
      const p = parts[d.route];
      if (!p) return OUT_OF_DOMAIN;
      let acc = 0;
      for (let j = 0; j < p.denses.length; j++) {
        const dn = p.denses[j] as Dense<unknown>;
        const i = dn.index(d.trigger[p.names[j] as string]);
        if (i < 0) return i;
        acc = acc * dn.size + i;
      }
      return (offsets[d.route] as number) + acc;
    },
    value: (i) => {
      let route = 0;
      while ((offsets[route + 1] as number) <= i) route++;
      const p = parts[route] as (typeof parts)[number];
      let acc = i - (offsets[route] as number);
      const trigger: Record<string, unknown> & { kind: string } = { kind: p.route.trigger };
      for (let j = p.denses.length - 1; j >= 0; j--) {
        const dn = p.denses[j] as Dense<unknown>;
        const digit = acc % dn.size;
        trigger[p.names[j] as string] = dn.value(digit);
        acc = (acc - digit) / dn.size;
      }
      return { route, trigger };
    },
    idFeatures: (d: Delivery, code: number, sink: FeatureSink) => {
      const p = partOf(d);
      const c = mixCode(code, d.route);
      p.denses.forEach((dn, j) => dn.idFeatures(d.trigger[p.names[j] as string] as Value, mixCode(c, j), sink));
    },
    rename: (d: Delivery, r: Renaming) => {
      const p = partOf(d);
      const trigger: Record<string, unknown> & { kind: string } = { kind: d.trigger.kind };
      p.denses.forEach((dn, j) => {
        trigger[p.names[j] as string] = dn.rename(d.trigger[p.names[j] as string] as Value, r);
      });
      return { route: d.route, trigger };
    },
  };
}

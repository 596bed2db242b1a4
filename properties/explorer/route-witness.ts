// A witness per route: a reachable composed state in which the route carries a delivery (its
// producer emitted the effect; the delivery is the queue's next steps). A refused delivery is a
// route-refused violation of its own, so a reached route witness shows the route in use.

import type { RouteDesc } from "../../kernel/descriptor.js";
import type { Delivery } from "./delivery.js";
import type { NamedCheck } from "./system.js";

export const ROUTE_WITNESS_PREFIX = "route:";

export function routeWitnesses(routes: readonly Pick<RouteDesc<unknown, unknown>, "name" | "from" | "to">[]): NamedCheck<{ readonly queue: readonly Delivery[] }>[] {
  return routes.map((r, ri) => ({
    name: `${ROUTE_WITNESS_PREFIX}${r.name}`,
    source: `route ${r.name} delivers ${r.from.instance}.${r.from.effect} as ${r.to.instance}.${r.to.trigger}`,
    holds: (s) => s.queue.some((d) => d.route === ri),
  }));
}

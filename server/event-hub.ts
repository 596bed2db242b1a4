// One subscription to the runtime's event bus (and to the agent's events, if any) fanned out to the
// SSE clients, with a bounded replay buffer so a client reconnecting with Last-Event-ID misses
// nothing recent. Clients are counted so tests can see that a disconnect leaves nothing behind.

import type { ControlPlane, RuntimeEvent } from "../runtime/index.js";

/** Something that reports agent activity (text deltas, tool calls): the AI SDK executor does. */
export interface AgentEventSourceLike {
  on(listener: (event: { readonly sessionId: string; readonly type: string }) => void): () => void;
}

export type HubEvent = { readonly kind: "runtime"; readonly event: RuntimeEvent } | { readonly kind: "agent"; readonly event: { readonly sessionId: string; readonly type: string } };

export type HubClient = (e: HubEvent) => void;

export class EventHub {
  readonly #clients = new Set<{ readonly sessionId: string | null; readonly send: HubClient }>();
  readonly #replay: RuntimeEvent[] = [];
  readonly #unsubscribe: Array<() => void> = [];

  constructor(
    runtime: ControlPlane,
    agent: AgentEventSourceLike | null,
    readonly replayLimit = 1024,
  ) {
    this.#unsubscribe.push(
      runtime.on((event) => {
        this.#replay.push(event);
        if (this.#replay.length > this.replayLimit) this.#replay.shift();
        this.#fanOut({ kind: "runtime", event });
      }),
    );
    if (agent !== null) this.#unsubscribe.push(agent.on((event) => this.#fanOut({ kind: "agent", event })));
  }

  /** Subscribes a client (one session, or all with null); returns the unsubscribe. */
  subscribe(sessionId: string | null, send: HubClient): () => void {
    const client = { sessionId, send };
    this.#clients.add(client);
    return () => {
      this.#clients.delete(client);
    };
  }

  /** Buffered runtime events after `seq` (for Last-Event-ID). */
  replayAfter(seq: number, sessionId: string | null): RuntimeEvent[] {
    return this.#replay.filter((e) => e.seq > seq && (sessionId === null || e.sessionId === sessionId));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#clients.clear();
  }

  #fanOut(e: HubEvent): void {
    const sessionId = e.event.sessionId;
    for (const c of this.#clients) {
      if (c.sessionId !== null && c.sessionId !== sessionId) continue;
      try {
        c.send(e);
      } catch {
        // one broken client must not stop the others
      }
    }
  }
}

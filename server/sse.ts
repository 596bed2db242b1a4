// A session's typed events as Server-Sent Events: `id` is the runtime event's seq (so Last-Event-ID
// resumes from the replay buffer), `event` its type, `data` the event as JSON. Agent events (text
// deltas, tool calls) carry no id. A client that stops reading is disconnected instead of being
// buffered for without bound.

import type { FastifyReply, FastifyRequest } from "fastify";
import type { EventHub, HubEvent } from "./event-hub.js";

export interface SseOptions {
  readonly heartbeatMs: number;
  /** Bytes queued in the socket beyond which a slow client is dropped. */
  readonly maxBufferedBytes: number;
}

function frame(e: HubEvent): string {
  const data = JSON.stringify(e.event);
  return e.kind === "runtime" ? `id: ${e.event.seq}\nevent: ${e.event.type}\ndata: ${data}\n\n` : `event: ${e.event.type}\ndata: ${data}\n\n`;
}

/** `open` holds an ender per live stream, so a closing server can end them (they are never idle). */
export function streamEvents(request: FastifyRequest, reply: FastifyReply, hub: EventHub, sessionId: string | null, options: SseOptions, open: Set<() => void>): void {
  const lastEventId = Number.parseInt(String(request.headers["last-event-id"] ?? ""), 10);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(": connected\n\n");
  let closed = false;
  const send = (e: HubEvent): void => {
    if (closed) return;
    if (res.writableLength > options.maxBufferedBytes) {
      finish();
      res.destroy();
      return;
    }
    res.write(frame(e));
  };
  // Subscribe before replaying, dropping duplicates by seq, so nothing falls between the two.
  let replayedUpTo = Number.isFinite(lastEventId) ? lastEventId : -1;
  const unsubscribe = hub.subscribe(sessionId, (e) => {
    if (e.kind === "runtime" && e.event.seq <= replayedUpTo) return;
    send(e);
  });
  if (Number.isFinite(lastEventId)) {
    for (const event of hub.replayAfter(lastEventId, sessionId)) {
      send({ kind: "runtime", event });
      replayedUpTo = event.seq;
    }
  }
  const heartbeat = setInterval(() => {
    if (!closed) res.write(": ping\n\n");
  }, options.heartbeatMs);
  heartbeat.unref();
  function finish(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
  }
  const end = (): void => {
    finish();
    res.end();
  };
  open.add(end);
  res.on("close", () => {
    open.delete(end);
    finish();
  });
  res.on("error", finish);
}

// Test clients for the HTTP surface: JSON requests over Node's fetch, and an SSE reader over the
// fetch body (eventsource-parser).

import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";

export interface Client {
  readonly base: string;
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null }): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>;
}

export function client(base: string, token: string | null): Client {
  return {
    base,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const t = options.token === undefined ? token : options.token;
      if (t !== null) headers["authorization"] = `Bearer ${t}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers["content-type"] ??= "application/json";
      const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>) };
    },
  };
}

export interface SseStream {
  /** The next message (event, id, data), in order. */
  next(): Promise<EventSourceMessage>;
  /** Reads until a message satisfies `pred`; returns every message read. */
  until(pred: (m: EventSourceMessage) => boolean): Promise<EventSourceMessage[]>;
  close(): void;
}

export async function openSse(url: string, token: string | null, headers: Record<string, string> = {}): Promise<SseStream & { status: number }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { ...headers, ...(token === null ? {} : { authorization: `Bearer ${token}` }) }, signal: controller.signal });
  if (res.body === null) throw new Error("no body");
  const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  const next = async (): Promise<EventSourceMessage> => {
    const r = await reader.read();
    if (r.done) throw new Error("stream ended");
    return r.value;
  };
  return {
    status: res.status,
    next,
    async until(pred) {
      const seen: EventSourceMessage[] = [];
      for (;;) {
        const m = await next();
        seen.push(m);
        if (pred(m)) return seen;
      }
    },
    close: () => controller.abort(),
  };
}

export const prompt = (id: string, text: string, extra: Record<string, unknown> = {}) => ({ kind: "prompt", header: { id, durability: "Durable", source: { kind: "Operator" }, ...extra }, text });

// The HTTP surface with real clients: the server on 127.0.0.1 (port 0), driven with Node's fetch and
// an SSE reader. Auth, inputs and idempotency, bad bodies, long polls, the event stream and its
// disconnects, control operations, 500 concurrent requests, /openapi.json, and the logs.

import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, RunCancelledError, type ApplyContext, type ControlPlane, type Executor } from "../runtime/index.js";
import { createServer, type MeerkatServer } from "../server/index.js";
import { INPUT_SCHEMA } from "../server/schemas.js";
import { serveCommand, type ServeArgs } from "../cli/serve.js";
import { client, openSse, prompt, type Client } from "./http-client.js";

const TOKEN = "test-token-8b1f";

/** Answers with the prompt text; a prompt "hold" waits until released or interrupted. */
function gatedExecutor() {
  const held: Array<() => void> = [];
  let started: (() => void) | null = null;
  const executor: Executor = {
    async apply(_runId, primitive, ctx: ApplyContext) {
      const texts = primitive.inputs.map((i) => (i.kind === "prompt" ? i.text : i.kind));
      if (texts.includes("hold")) {
        started?.();
        await new Promise<void>((resolve, reject) => {
          held.push(resolve);
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason ?? new RunCancelledError()));
        });
      }
      return { result: { echo: texts } };
    },
  };
  return {
    executor,
    release: () => held.splice(0).forEach((r) => r()),
    whenStarted: () =>
      new Promise<void>((resolve) => {
        started = resolve;
      }),
  };
}

interface Setup {
  server: MeerkatServer;
  runtime: ControlPlane;
  api: Client;
  logs: string[];
  gate: ReturnType<typeof gatedExecutor>;
}

const open: Setup[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    s.gate.release();
    await s.server.close();
    await s.runtime.close();
  }
});

async function setup(options: { bodyLimit?: number } = {}): Promise<Setup> {
  const gate = gatedExecutor();
  const runtime = createRuntime({ executor: gate.executor });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString("utf8").split("\n").filter((l) => l.length > 0));
      cb();
    },
  });
  const server = await createServer({ runtime, auth: { token: TOKEN }, logger: { level: "info", stream }, ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }) });
  const url = await server.listen();
  const s = { server, runtime, api: client(url, TOKEN), logs, gate };
  open.push(s);
  return s;
}

async function session(api: Client, sessionId: string): Promise<void> {
  const r = await api.request("POST", "/sessions", { body: { sessionId } });
  expect(r.status).toBe(201);
}

const completion = (api: Client, sessionId: string, inputId: string, waitMs = 20_000) => api.request("GET", `/sessions/${encodeURIComponent(sessionId)}/inputs/${encodeURIComponent(inputId)}/completion?waitMs=${waitMs}`);

describe("HTTP surface", { timeout: 30_000 }, () => {
  it("requires the bearer token except on /healthz and /openapi.json", async () => {
    const { api } = await setup();
    const missing = await api.request("GET", "/sessions", { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect(missing.json).toMatchObject({ code: "Unauthorized", status: 401, type: expect.stringContaining("Unauthorized") });
    expect((await api.request("GET", "/sessions", { token: "wrong" })).json).toMatchObject({ code: "Unauthorized", detail: "the bearer token is not the server's" });
    // A refused request never reaches the runtime.
    expect((await api.request("POST", "/sessions", { token: null, body: { sessionId: "x" } })).status).toBe(401);
    expect((await api.request("GET", "/sessions")).json).toEqual({ sessions: [] });
    expect((await api.request("GET", "/healthz", { token: null })).status).toBe(200);
    expect((await api.request("GET", "/openapi.json", { token: null })).status).toBe(200);
  });

  it("accepts an input, long-polls its completion, and snapshots the session", async () => {
    const { api } = await setup();
    await session(api, "s1");
    const r = await api.request("POST", "/sessions/s1/inputs", { body: prompt("p1", "hello") });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ outcome: "Accepted", inputId: "p1", completion: "/sessions/s1/inputs/p1/completion" });
    expect(r.headers.get("location")).toBe("/sessions/s1/inputs/p1/completion");
    const c = await completion(api, "s1", "p1");
    expect(c.status).toBe(200);
    expect(c.json).toEqual({ inputId: "p1", done: true, phase: null, outcome: { kind: "Completed", result: { echo: ["hello"] } } });
    const snap = await api.request("GET", "/sessions/s1");
    expect(snap.json).toMatchObject({ sessionId: "s1", phase: "Attached", inputs: [] });
    expect((await api.request("GET", "/sessions/nope")).json).toMatchObject({ code: "SessionNotFound", status: 404, sessionId: "nope" });
    expect((await completion(api, "s1", "never-sent")).json).toMatchObject({ code: "InputNotFound", status: 404 });
  });

  it("a duplicate Idempotency-Key is deduplicated onto the first input; two different keys are refused", async () => {
    const { api, gate } = await setup();
    await session(api, "s");
    const started = gate.whenStarted();
    const first = await api.request("POST", "/sessions/s/inputs", { body: prompt("a1", "hold"), headers: { "idempotency-key": "order-17" } });
    expect(first.status).toBe(202);
    await started;
    const again = await api.request("POST", "/sessions/s/inputs", { body: prompt("a2", "hold"), headers: { "idempotency-key": "order-17" } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ outcome: "Deduplicated", inputId: "a2", existingId: "a1", completion: "/sessions/s/inputs/a1/completion" });
    const conflict = await api.request("POST", "/sessions/s/inputs", { body: prompt("a3", "x", { idempotencyKey: "other" }), headers: { "idempotency-key": "order-17" } });
    expect(conflict.json).toMatchObject({ status: 422, code: "IdempotencyKeyConflict" });
    gate.release();
    expect((await completion(api, "s", "a1")).json).toMatchObject({ done: true, outcome: { kind: "Completed", result: { echo: ["hold"] } } });
    // Only one input ever ran.
    expect((await api.request("GET", "/sessions/s/inputs/a2")).json).toMatchObject({ code: "InputNotFound" });
  });

  it("refuses malformed, invalid and oversized bodies with problem documents; nothing is admitted", async () => {
    const { api, runtime } = await setup({ bodyLimit: 2048 });
    await session(api, "s");
    const bad = await api.request("POST", "/sessions/s/inputs", { rawBody: '{"kind": "prompt", ' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: "MalformedBody", instance: "/sessions/s/inputs" });
    const invalid = await api.request("POST", "/sessions/s/inputs", { body: { kind: "prompt", header: { id: "", durability: "Sometimes", source: { kind: "Operator" } }, text: 3 } });
    expect(invalid.status).toBe(422);
    expect(invalid.json["code"]).toBe("InputInvalid");
    const pointers = (invalid.json["problems"] as Array<{ pointer: string; in: string }>).map((p) => `${p.in}:${p.pointer}`);
    expect(pointers).toEqual(expect.arrayContaining(["body:/header/id", "body:/header/durability", "body:/text"]));
    const big = await api.request("POST", "/sessions/s/inputs", { body: prompt("big", "x".repeat(4096)) });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ code: "PayloadTooLarge" });
    const proto = await api.request("POST", "/sessions/s/inputs", { rawBody: '{"__proto__": {"x": 1}}' });
    expect(proto.json).toMatchObject({ status: 400, code: "MalformedBody" });
    const wrongType = await api.request("POST", "/sessions/s/inputs", { rawBody: "kind=prompt", headers: { "content-type": "text/plain" } });
    expect(wrongType.json).toMatchObject({ status: 415, code: "UnsupportedMediaType" });
    const badControl = await api.request("POST", "/sessions/s/retire", { body: { fence: -1 } });
    expect(badControl.json).toMatchObject({ status: 400, code: "InvalidArgument", problems: [{ in: "body", pointer: "/fence" }] });
    expect(runtime.snapshot("s").inputs).toEqual([]);
    expect((await api.request("GET", "/nowhere")).json).toMatchObject({ status: 404, code: "RouteNotFound" });
  });

  it("control operations: runtime refusals keep their code; interrupt cancels the run; destroy ends the session", async () => {
    const { api, gate } = await setup();
    await session(api, "s");
    expect((await api.request("POST", "/sessions/s/cancel-after-boundary")).json).toMatchObject({ status: 409, code: "NotReady", sessionId: "s" });
    const started = gate.whenStarted();
    await api.request("POST", "/sessions/s/inputs", { body: prompt("h", "hold") });
    await started;
    const poll = completion(api, "s", "h");
    const i = await api.request("POST", "/sessions/s/interrupt", { body: {} });
    expect(i.status).toBe(200);
    expect(i.json["runId"]).toEqual(expect.any(String));
    expect((await poll).json).toMatchObject({ done: true, outcome: { kind: "Cancelled" } });
    expect((await api.request("POST", "/sessions/s/interrupt", { body: { runId: "run-x" } })).json).toMatchObject({ code: "NotReady" });
    expect((await api.request("POST", "/sessions/s/silent-intents", { body: { intents: ["fyi"] } })).status).toBe(200);
    expect((await api.request("POST", "/sessions/s/recycle")).json).toMatchObject({ inputsTransferred: 0, snapshot: { sessionId: "s" } });
    expect((await api.request("POST", "/sessions/s/retire", { body: {} })).json).toMatchObject({ snapshot: { phase: "Retired" } });
    expect((await api.request("POST", "/sessions/s/destroy")).json).toMatchObject({ snapshot: { phase: "Destroyed" } });
    expect((await api.request("POST", "/sessions/s/inputs", { body: prompt("late", "x") })).json).toMatchObject({ status: 410, code: "SessionDestroyed" });
    expect((await api.request("GET", "/sessions/s/recovery-report")).json).toEqual({ report: null });
  });

  it("streams a session's typed events over SSE; Last-Event-ID resumes; a client that disconnects mid-stream leaves nothing behind", async () => {
    const { api, server, gate } = await setup();
    await session(api, "s");
    const sse = await openSse(`${api.base}/sessions/s/events`, TOKEN);
    expect(sse.status).toBe(200);
    await api.request("POST", "/sessions/s/inputs", { body: prompt("e1", "hi") });
    const seen = await sse.until((m) => m.event === "run.completed");
    const types = seen.map((m) => m.event);
    expect(types).toEqual(expect.arrayContaining(["input.accepted", "input.queued", "run.started", "input.staged", "input.consumed", "run.completed"]));
    const accepted = seen.find((m) => m.event === "input.accepted");
    expect(JSON.parse(accepted?.data ?? "{}")).toMatchObject({ type: "input.accepted", inputId: "e1", sessionId: "s" });
    expect(seen.every((m) => m.id !== undefined && Number(m.id) > 0)).toBe(true);
    sse.close();

    // Resume after the accepted event: everything after it is replayed, in order.
    const resumed = await openSse(`${api.base}/sessions/s/events`, TOKEN, { "last-event-id": String(accepted?.id) });
    const replay = await resumed.until((m) => m.event === "run.completed");
    expect(replay.map((m) => m.id)).toEqual(seen.slice(seen.indexOf(accepted as (typeof seen)[number]) + 1).map((m) => m.id));
    resumed.close();

    // Twenty clients drop mid-run; the server keeps serving and unsubscribes every one of them.
    const started = gate.whenStarted();
    await api.request("POST", "/sessions/s/inputs", { body: prompt("e2", "hold") });
    await started;
    const clients = await Promise.all(Array.from({ length: 20 }, () => openSse(`${api.base}/sessions/s/events`, TOKEN)));
    const health = async () => (await api.request("GET", "/healthz")).json;
    expect((await health())["streams"]).toBe(20);
    for (const c of clients) c.close();
    while ((await health())["streams"] !== 0) await new Promise((r) => setTimeout(r, 10));
    expect(server.hub.clientCount).toBe(0);
    gate.release();
    expect((await completion(api, "s", "e2")).json).toMatchObject({ done: true, outcome: { kind: "Completed" } });
    expect((await api.request("GET", "/sessions/unknown/events")).json).toMatchObject({ code: "SessionNotFound" });
  });

  it("serves 500 concurrent requests: inputs across 20 sessions, then their long polls", async () => {
    const { api } = await setup();
    const sessions = Array.from({ length: 20 }, (_, i) => `c${i}`);
    await Promise.all(sessions.map((s) => session(api, s)));
    const posts = await Promise.all(Array.from({ length: 500 }, (_, n) => api.request("POST", `/sessions/c${n % 20}/inputs`, { body: prompt(`i${n}`, `n${n}`), headers: { "idempotency-key": `k${n}` } })));
    expect(posts.filter((p) => p.status === 202)).toHaveLength(500);
    const polls = await Promise.all(Array.from({ length: 500 }, (_, n) => completion(api, `c${n % 20}`, `i${n}`)));
    expect(polls.map((p) => p.json["outcome"])).toEqual(Array.from({ length: 500 }, (_, n) => ({ kind: "Completed", result: { echo: [`n${n}`] } })));
  });

  it("/openapi.json describes every route, with the runtime's input schema as the input body", async () => {
    const { api } = await setup();
    const doc = (await api.request("GET", "/openapi.json", { token: null })).json as { openapi: string; paths: Record<string, Record<string, { operationId: string; requestBody?: unknown; security?: unknown }>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.schemas["Input"]).toEqual(INPUT_SCHEMA);
    expect(doc.paths["/sessions/{sessionId}/inputs"]?.["post"]?.requestBody).toEqual({ required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Input" } } } });
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(ops).size).toBe(ops.length);
    expect(ops).toEqual(expect.arrayContaining(["createSession", "acceptInput", "completion", "sessionEvents", "interrupt", "cancelAfterBoundary", "stop", "retire", "reset", "recycle", "recover", "destroy", "snapshot", "bind"]));
    expect(doc.paths["/healthz"]?.["get"]?.security).toEqual([]);
  });

  it("never writes a session id, an input id or a payload to the log", async () => {
    const { api, logs } = await setup();
    const sid = 'SID-MARK\n{"level":30,"msg":"forged"}';
    await session(api, sid);
    const path = `/sessions/${encodeURIComponent(sid)}`;
    await api.request("POST", `${path}/inputs`, { body: prompt("INPUT-MARK", "PAYLOAD-MARK secret") });
    await completion(api, sid, "INPUT-MARK");
    await api.request("POST", `${path}/inputs`, { body: { kind: "prompt", header: { id: "INPUT-MARK-2" }, text: "PAYLOAD-MARK" } });
    await api.request("GET", "/sessions/SID-MARK-unknown");
    await api.request("POST", `${path}/cancel-after-boundary`);
    await api.request("GET", `${path}/nowhere-SID-MARK`);
    expect(logs.length).toBeGreaterThan(10);
    for (const line of logs) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (const mark of ["SID-MARK", "INPUT-MARK", "PAYLOAD-MARK", "forged"]) expect(line).not.toContain(mark);
    }
    expect(logs.some((l) => l.includes('"route":"/sessions/:sessionId/inputs"'))).toBe(true);
    expect(logs.some((l) => l.includes('"code":"SessionNotFound"'))).toBe(true);
  });

  it("meerkat serve refuses to start without a token unless --no-auth, which it warns about", async () => {
    const args: ServeArgs = { host: "127.0.0.1", port: 0, memory: true, tokenEnv: "MEERKAT_TOKEN", auth: true, bodyLimit: 65536, logLevel: "silent" };
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await serveCommand(args, io, { MEERKAT_TOKEN: "" }, () => Promise.resolve("never"))).toBe(2);
    expect(err.join("")).toContain("set the bearer token in $MEERKAT_TOKEN");
    expect(out).toEqual([]);
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    let stop!: (signal: string) => void;
    const running = serveCommand({ ...args, auth: false }, { out: (s) => { out.push(s); const m = /listening on (\S+)/.exec(s); if (m !== null) listening(m[1] as string); }, err: io.err }, {}, () => new Promise((resolve) => (stop = resolve)));
    const base = await url;
    expect(err.join("")).toContain("WARNING: --no-auth");
    expect((await client(base, null).request("GET", "/sessions")).json).toEqual({ sessions: [] });
    stop("SIGTERM");
    expect(await running).toBe(0);
    expect(await serveCommand({ ...args, memory: true, store: "x.sqlite3" }, io, { MEERKAT_TOKEN: "t" })).toBe(2);
    expect(err.join("")).toContain("choose one of --store, --memory and --database-url");
    expect(await serveCommand({ ...args, memory: undefined, databaseUrl: "postgres://u:pw@127.0.0.1/db" }, io, { MEERKAT_TOKEN: "t" })).toBe(1);
    expect(err.join("")).toContain("(StoreUnavailable)");
  });
});

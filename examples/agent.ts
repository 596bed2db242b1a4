// An AI SDK agent behind `meerkat serve` (no network beyond loopback):
//   npm run example:agent
//
// Starts `meerkat serve --agent examples/agent-executor.ts` over a SQLite file with a fresh bearer
// token, then acts as a client: creates a session, opens its event stream, sends a prompt and
// prints the streamed answer and the lifecycle events, long-polls the completion, and stops.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { defaultStorePath } from "../runtime/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const store = defaultStorePath("example-agent");
for (const f of [store, `${store}-wal`, `${store}-shm`]) rmSync(f, { force: true });
const token = randomBytes(16).toString("hex");

const server = spawn(process.execPath, [join(root, "bin", "meerkat.mjs"), "serve", "--port", "0", "--store", store, "--agent", join(root, "examples", "agent-executor.ts"), "--log-level", "warn"], {
  cwd: root,
  env: { ...process.env, MEERKAT_TOKEN: token },
  stdio: ["ignore", "pipe", "inherit"],
});
const base = await new Promise<string>((resolve, reject) => {
  let out = "";
  let listening = false;
  server.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    const m = /listening on (\S+)/.exec(out);
    if (m !== null && !listening) {
      listening = true;
      console.log(out.trim());
      resolve(m[1] as string);
    }
  });
  server.on("exit", (code) => reject(new Error(`meerkat serve exited with ${code}`)));
});

const auth = { authorization: `Bearer ${token}` };
async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, { method, headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.json()) as Record<string, unknown>;
}

await call("POST", "/sessions", { sessionId: "demo" });
const events = await fetch(`${base}/sessions/demo/events`, { headers: auth });
const reader = (events.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();

const accepted = await call("POST", "/sessions/demo/inputs", { kind: "prompt", header: { id: "q1", durability: "Durable", source: { kind: "Operator" } }, text: "What is the weather in Lisbon, and what do meerkats do?" });
console.log(`\nPOST /sessions/demo/inputs -> ${String(accepted["outcome"])} (${String(accepted["completion"])})\n`);

let answer = "";
for (;;) {
  const { value, done } = await reader.read();
  if (done || value === undefined) break;
  const data = JSON.parse(value.data) as Record<string, unknown>;
  if (value.event === "agent.text_delta") {
    answer += String(data["delta"]);
    process.stdout.write(String(data["delta"]));
    continue;
  }
  if (answer.length > 0 && !answer.endsWith("\n")) {
    answer += "\n";
    process.stdout.write("\n");
  }
  const detail = value.event?.startsWith("agent.") ? `${String(data["toolName"] ?? data["finishReason"] ?? "")}` : String(data["inputId"] ?? data["runId"] ?? "");
  console.log(`  [event ${value.id ?? "-"}] ${value.event} ${detail}`);
  if (value.event === "run.completed" || value.event === "run.failed") break;
}
await reader.cancel();

const completion = await call("GET", "/sessions/demo/inputs/q1/completion?waitMs=10000");
console.log(`\nGET …/completion -> ${JSON.stringify(completion["outcome"])}`);
const ops = await call("GET", "/sessions/demo/ops/completions");
console.log(`ops registry feed: ${JSON.stringify((ops["completions"] as Array<{ displayName: string; outcome: { status: string } }>).map((c) => `${c.displayName}: ${c.outcome.status}`))}`);
server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));
if (answer.length === 0) process.exitCode = 1;

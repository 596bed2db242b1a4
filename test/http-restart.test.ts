// `meerkat serve` as a child process over a SQLite file: SIGKILL it with acknowledged inputs queued
// and one mid-run, start it again over the same file, and every acknowledged input completes.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { client, openSse, prompt } from "./http-client.js";
import { BIN, REPO, tempDir } from "./helpers/paths.js";

const TOKEN = "restart-token";
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Starts `meerkat serve` and resolves with its URL once it printed its listening line. */
function serve(store: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--store", store, "--agent", join(REPO, "test", "http-agent.ts"), "--log-level", "warn"], {
    cwd: REPO,
    env: { ...process.env, MEERKAT_TOKEN: TOKEN, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m !== null) resolve({ child, url: m[1] as string, stderr: () => err });
    });
    child.on("exit", (code, signal) => reject(new Error(`serve exited (${code ?? signal}) before listening: ${err}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.on("exit", (code) => resolve(code))));

describe("meerkat serve restart", { timeout: 120_000 }, () => {
  it("acknowledged inputs complete after the server is killed and restarted over the same SQLite file", async () => {
    const store = join(tempDir("http-restart"), "serve.sqlite3");
    const first = await serve(store, { HTTP_AGENT_HOLD: "1" });
    const api1 = client(first.url, TOKEN);
    expect((await api1.request("POST", "/sessions", { body: { sessionId: "erin" } })).status).toBe(201);
    const sse = await openSse(`${first.url}/sessions/erin/events`, TOKEN);
    const ids = ["q1", "q2", "q3", "q4", "q5"];
    for (const id of ids) expect((await api1.request("POST", "/sessions/erin/inputs", { body: prompt(id, `question ${id}`), headers: { "idempotency-key": `key-${id}` } })).status).toBe(202);
    await sse.until((m) => m.event === "run.started");
    sse.close();
    first.child.kill("SIGKILL");
    await exited(first.child);

    const second = await serve(store, {});
    const api2 = client(second.url, TOKEN);
    for (const id of ids) {
      const c = await api2.request("GET", `/sessions/erin/inputs/${id}/completion?waitMs=30000`);
      expect(c.status).toBe(200);
      // Ran after the restart: the outcome is known only as "consumed" (results are not stored).
      expect(c.json).toMatchObject({ inputId: id, done: true, phase: "Consumed" });
    }
    const report = (await api2.request("GET", "/sessions/erin/recovery-report")).json["report"] as { inputsRecovered: number; inputsRequeued: number };
    expect(report.inputsRecovered).toBe(5);
    expect(report.inputsRequeued).toBeGreaterThanOrEqual(1);
    // The client retrying an acknowledged input is deduplicated onto the stored one.
    expect((await api2.request("POST", "/sessions/erin/inputs", { body: prompt("q1-retry", "question q1"), headers: { "idempotency-key": "key-q1" } })).json).toMatchObject({ outcome: "Deduplicated", existingId: "q1" });
    expect((await api2.request("GET", "/sessions/erin/inputs/q3")).json).toMatchObject({ phase: "Consumed", live: false, terminal: { kind: "Consumed" } });
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
  });
});

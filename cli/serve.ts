// `meerkat serve`: the runtime over HTTP (server/). SQLite store by default; a bearer token from
// an environment variable is required unless --no-auth is given (local use only, said loudly).

import { InvalidArgumentError, type Command } from "commander";
// The server (Fastify, the runtime, SQLite) is loaded only when serve runs: other commands stay fast.
import type { StartOptions } from "../server/start.js";
import type { StoreChoice } from "../server/store.js";
import { ExitCode, type Io } from "./io.js";

export interface ServeArgs {
  readonly host: string;
  readonly port: number;
  readonly store?: string;
  readonly memory?: boolean;
  readonly databaseUrl?: string;
  readonly agent?: string;
  readonly tokenEnv: string;
  readonly auth: boolean;
  readonly bodyLimit: number;
  readonly logLevel: string;
}

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    return n;
  };
}

function storeChoice(args: ServeArgs): StoreChoice | string {
  const given = [args.store !== undefined, args.memory === true, args.databaseUrl !== undefined].filter(Boolean).length;
  if (given > 1) return "choose one of --store, --memory and --database-url";
  if (args.databaseUrl !== undefined) return { kind: "postgres", url: args.databaseUrl };
  if (args.memory === true) return { kind: "memory" };
  return args.store === undefined ? { kind: "sqlite" } : { kind: "sqlite", path: args.store };
}

/** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export async function serveCommand(args: ServeArgs, io: Io, env: NodeJS.ProcessEnv = process.env, stopped: () => Promise<string> = untilSignal): Promise<number> {
  const store = storeChoice(args);
  if (typeof store === "string") {
    io.err(`meerkat serve: ${store}\n`);
    return ExitCode.Usage;
  }
  let auth: StartOptions["auth"];
  if (args.auth) {
    const token = env[args.tokenEnv];
    if (token === undefined || token.length === 0) {
      io.err(`meerkat serve: set the bearer token in $${args.tokenEnv} (or pass --no-auth for local use only)\n`);
      return ExitCode.Usage;
    }
    auth = { token };
  } else {
    auth = { disabled: true };
    io.err("meerkat serve: WARNING: --no-auth: every client that can reach this port controls every session. Local use only.\n");
  }
  let started;
  try {
    const { startServer } = await import("../server/start.js");
    started = await startServer({ host: args.host, port: args.port, store, auth, bodyLimit: args.bodyLimit, logger: { level: args.logLevel }, ...(args.agent === undefined ? {} : { agentModule: args.agent }) });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    io.err(`meerkat serve: cannot start: ${e instanceof Error ? e.message : String(e)}${typeof code === "string" ? ` (${code})` : ""}\n`);
    return ExitCode.Failed;
  }
  const r = started.resumed;
  io.out(`meerkat serve: listening on ${started.url} (store: ${started.storeDescription}; agent: ${args.agent ?? "echo"}; sessions resumed: ${r.recovered}, bound: ${r.bound}${r.failed.length > 0 ? `, failed: ${r.failed.length}` : ""})\n`);
  const signal = await stopped();
  io.out(`meerkat serve: ${signal}, closing\n`);
  await started.close();
  return ExitCode.Ok;
}

export function registerServe(program: Command, io: Io, result: { code: number }): void {
  program
    .command("serve")
    .description("serve sessions over HTTP: inputs, long-poll completions, SSE events, control operations, snapshots, /openapi.json")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port (0: any free port)", integer("--port", 0, 65535), 7700)
    .option("--store <file>", "SQLite store file (default .meerkat/default.sqlite3)")
    .option("--memory", "no store: nothing survives a restart")
    .option("--database-url <url>", "PostgreSQL store")
    .option("--agent <module>", "module exporting createExecutor(context) (default: an echo executor)")
    .option("--token-env <name>", "environment variable holding the bearer token", "MEERKAT_TOKEN")
    .option("--no-auth", "serve without a token (local use only)")
    .option("--body-limit <bytes>", "largest request body", integer("--body-limit", 1024, 64 * 1024 * 1024), 256 * 1024)
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent", "info")
    .action(async (opts: ServeArgs) => {
      result.code = await serveCommand(opts, io);
    });
}

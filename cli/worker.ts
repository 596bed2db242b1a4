// `meerkat worker --database-url <url>`: a runtime process over a shared PostgreSQL store. It
// claims sessions with work, drains them with the executor module, logs what it owns (one JSON
// line per event on stdout) and on SIGTERM / SIGINT hands its leases back and exits 0.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import type { Executor } from "../runtime/executor.js";
import type { PostgresStore } from "../runtime/postgres/index.js";
import { ExitCode, type Io } from "./io.js";

export interface WorkerArgs {
  readonly databaseUrl: string;
  readonly schema?: string;
  readonly executor?: string;
  readonly leaseMs?: string;
  readonly owner?: string;
}

/** The executor module's `default` or `executor` export; without a module, a no-op executor. */
async function loadExecutor(file: string | undefined): Promise<Executor> {
  if (file === undefined) return { apply: async () => ({}) };
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown; executor?: unknown };
  const ex = (mod.executor ?? mod.default) as Partial<Executor> | undefined;
  if (ex === undefined || typeof ex.apply !== "function") throw new TypeError(`${file}: exports no executor (a default or \`executor\` export with an apply(runId, primitive, ctx) method)`);
  return ex as Executor;
}

export async function workerCommand(args: WorkerArgs, io: Io): Promise<number> {
  const log = (record: Readonly<Record<string, unknown>>): void => io.out(`${JSON.stringify({ at: Date.now(), ...record })}\n`);
  let executor: Executor;
  try {
    executor = await loadExecutor(args.executor);
  } catch (e) {
    io.err(`meerkat worker: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.Usage;
  }
  const leaseMs = args.leaseMs === undefined ? undefined : Number(args.leaseMs);
  // Loaded on use: every other command must start without the runtime (and its generated code).
  const { PostgresStore, PostgresStoreError } = await import("../runtime/postgres/index.js");
  const { Worker } = await import("../runtime/postgres/worker.js");
  let store: PostgresStore;
  try {
    store = await PostgresStore.connect(args.databaseUrl, { schema: args.schema, leaseMs, owner: args.owner, autoAcquire: false });
  } catch (e) {
    if (e instanceof PostgresStoreError) {
      io.err(`meerkat worker: ${e.message} [${e.code}]\n`);
      return ExitCode.Failed;
    }
    throw e;
  }
  const worker = new Worker({ store, executor, log });
  worker.start();
  log({ event: "started", owner: store.owner, database: store.database, leaseMs: store.leaseMs });
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log({ event: "stopping", signal, owned: worker.owned().size });
      void worker.stop().then(done, done);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  log({ event: "stopped", fencedWrites: store.fencedWrites });
  return ExitCode.Ok;
}

export function registerWorker(program: Command, io: Io, result: { code: number }): void {
  program
    .command("worker")
    .description("run a runtime worker over a shared PostgreSQL store (claims sessions, drains them; SIGTERM hands the leases back)")
    .requiredOption("--database-url <url>", "postgres://user@host:port/database")
    .option("--schema <name>", "PostgreSQL schema holding the store's tables", "meerkat")
    .option("--executor <module>", "a module whose default (or `executor`) export is the Executor; default: a no-op executor")
    .option("--lease-ms <ms>", "lease time to live (heartbeats every third of it)", "1000")
    .option("--owner <name>", "this worker's owner name in lease rows (default host:pid:random)")
    .action(async (opts: WorkerArgs) => {
      result.code = await workerCommand(opts, io);
    });
}

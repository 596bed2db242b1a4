// Everything `meerkat serve` does, callable from code: open the store, load the agent module (or
// the echo executor), create the runtime, resume stored sessions, listen.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Writable } from "node:stream";
import { createRuntime, type ControlPlane, type Executor, type OpsRegistry, type SessionId } from "../runtime/index.js";
import { createServer, type MeerkatServer } from "./app.js";
import type { AuthOptions } from "./auth.js";
import { echoExecutor } from "./echo-executor.js";
import type { AgentEventSourceLike } from "./event-hub.js";
import { openStore, resumeSessions, type ResumeReport, type StoreChoice } from "./store.js";

/** What an --agent module's `createExecutor` receives. */
export interface AgentContext {
  /** The session's ops registry (for long-running tools). */
  readonly ops: (sessionId: SessionId) => OpsRegistry;
}

/** An --agent module exports `createExecutor(context)` (or a default function of the same shape). */
export type AgentFactory = (context: AgentContext) => Executor | Promise<Executor>;

export interface StartOptions {
  readonly host?: string;
  readonly port?: number;
  readonly store: StoreChoice;
  readonly auth: AuthOptions;
  /** A module path (TypeScript works: the CLI runs under tsx). Omitted: the echo executor. */
  readonly agentModule?: string;
  readonly executor?: Executor;
  readonly bodyLimit?: number;
  readonly logger?: false | { readonly level?: string; readonly stream?: Writable };
}

export interface StartedServer {
  readonly url: string;
  readonly server: MeerkatServer;
  readonly runtime: ControlPlane;
  readonly storeDescription: string;
  readonly resumed: ResumeReport;
  close(): Promise<void>;
}

/** The module does not export an agent factory. */
export class AgentModuleError extends Error {
  readonly code = "AgentModuleInvalid" as const;
  constructor(readonly modulePath: string, detail: string) {
    super(`agent module ${modulePath}: ${detail}`);
    this.name = "AgentModuleError";
  }
}

async function loadAgent(modulePath: string, context: AgentContext): Promise<Executor> {
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as { createExecutor?: unknown; default?: unknown };
  const factory = typeof mod.createExecutor === "function" ? mod.createExecutor : mod.default;
  if (typeof factory !== "function") throw new AgentModuleError(modulePath, "exports neither createExecutor(context) nor a default function");
  const executor = (await (factory as AgentFactory)(context)) as Partial<Executor> | null;
  if (executor === null || typeof executor !== "object" || typeof executor.apply !== "function") throw new AgentModuleError(modulePath, "createExecutor did not return an executor (an object with apply)");
  return executor as Executor;
}

function isEventSource(x: unknown): x is AgentEventSourceLike {
  return typeof x === "object" && x !== null && typeof (x as { on?: unknown }).on === "function";
}

export async function startServer(options: StartOptions): Promise<StartedServer> {
  const opened = await openStore(options.store);
  let runtime: ControlPlane | null = null;
  const context: AgentContext = {
    ops: (id) => {
      if (runtime === null) throw new Error("the runtime is not created yet");
      return runtime.ops(id);
    },
  };
  try {
    const executor = options.executor ?? (options.agentModule === undefined ? echoExecutor() : await loadAgent(options.agentModule, context));
    const rt = createRuntime({ executor, ...(opened.store === null ? {} : { store: opened.store }) });
    runtime = rt;
    const resumed = await resumeSessions(rt, opened.store);
    const server = await createServer({
      runtime: rt,
      store: opened.store,
      auth: options.auth,
      agentEvents: isEventSource(executor) ? executor : null,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const url = await server.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
    return {
      url,
      server,
      runtime: rt,
      storeDescription: opened.description,
      resumed,
      async close() {
        await server.close();
        await rt.close();
        await opened.close();
      },
    };
  } catch (e) {
    await runtime?.close();
    await opened.close();
    throw e;
  }
}

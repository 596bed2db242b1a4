// A parallel exploration worker: loads the generated module named in its setup, builds the same
// system as the coordinator and expands the chunks of states it is sent (see expand-chunk.ts).

import { parentPort, workerData } from "node:worker_threads";
import type { AnyKernel, CompositionKernel } from "../../kernel/descriptor.js";
import { compositionSystem } from "./composition-system.js";
import { chunkExpander, type ChunkExpander } from "./expand-chunk.js";
import { keying } from "./keying.js";
import { machineSystem } from "./machine-system.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./parallel-protocol.js";

async function expanderFor(setup: WorkerSetup): Promise<ChunkExpander> {
  const mod = (await import(setup.source.moduleUrl)) as Record<string, unknown>;
  const kernel = mod[setup.source.exportName];
  if (typeof kernel !== "object" || kernel === null) throw new Error(`${setup.source.moduleUrl} exports no ${setup.source.exportName}`);
  if (setup.source.subject === "machine") {
    const sys = machineSystem(kernel as AnyKernel, setup.profile);
    return chunkExpander(sys, keying(sys, setup.symmetry, setup.canonical));
  }
  const sys = compositionSystem(kernel as CompositionKernel<unknown>, setup.profile);
  return chunkExpander(sys, keying(sys, setup.symmetry, setup.canonical));
}

const port = parentPort;
if (port) {
  const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  try {
    const expand = await expanderFor(workerData as WorkerSetup);
    port.on("message", (m: ToWorker) => {
      if (m.type === "stop") {
        port.close();
        return;
      }
      try {
        const result = expand(m.chunk);
        const buffers = [result.tried, result.from, result.succState, result.succChoice, result.succTransition, result.phases].map((a) => a.buffer as ArrayBuffer);
        if (result.succKeys instanceof Float64Array) buffers.push(result.succKeys.buffer as ArrayBuffer);
        send({ type: "result", result }, buffers);
      } catch (e) {
        send({ type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
    send({ type: "ready" });
  } catch (e) {
    send({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
}

// A runtime event log as JSON lines, for `meerkat report --events`: every typed RuntimeEvent, and
// every committed machine transition by its spec name (from the RuntimeObserver) as a
// `machine.transition` record, in the order they happened. Writes are synchronous so the file is
// complete up to the last event even if the process dies.

import { closeSync, openSync, writeSync } from "node:fs";
import type { RuntimeObserver } from "./core.js";
import type { RuntimeEvent, RuntimeEventListener } from "./events.js";

/** A transition record: the observer's view of one committed transition. */
export interface TransitionRecord {
  readonly type: "machine.transition";
  readonly machine: "SessionRuntime" | "OpsLifecycle";
  readonly sessionId: string;
  readonly transition: string;
  readonly at: number;
}

export type EventLogLine = RuntimeEvent | TransitionRecord;

export interface EventLogWriter {
  /** Pass as `createRuntime({ observer })`. */
  readonly observer: RuntimeObserver;
  /** Pass to `runtime.on(listener)`. */
  readonly listener: RuntimeEventListener;
  close(): void;
}

/** Opens (truncates) `path` and returns the observer and listener that append to it. */
export function openEventLog(path: string): EventLogWriter {
  let fd: number | null = openSync(path, "w");
  const write = (line: EventLogLine): void => {
    if (fd !== null) writeSync(fd, `${JSON.stringify(line)}\n`);
  };
  return {
    observer: {
      sessionTransition: (sessionId, transition) => write({ type: "machine.transition", machine: "SessionRuntime", sessionId, transition, at: Date.now() }),
      opsTransition: (sessionId, transition) => write({ type: "machine.transition", machine: "OpsLifecycle", sessionId, transition, at: Date.now() }),
    },
    listener: write,
    close: () => {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

// The crash test's witness log: one JSON line per fact the client or the executor observed, written
// with a plain write(2) so each line is in the kernel before the process can be killed (SIGKILL
// loses nothing the kernel already has).

import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";

export type LogLine =
  /** acceptInput returned Accepted or Deduplicated for this input: the client was acknowledged. */
  | { readonly t: "ack"; readonly s: string; readonly i: string; readonly durable: boolean }
  /** The executor was handed these inputs in this run. */
  | { readonly t: "apply"; readonly s: string; readonly r: string; readonly i: readonly string[]; readonly after: "crash" | "none" }
  /** The workload finished without being killed (the dry run): total store transactions. */
  | { readonly t: "done"; readonly commits: number };

export class WitnessLog {
  readonly #fd: number;
  constructor(path: string) {
    this.#fd = openSync(path, "a");
  }
  write(line: LogLine): void {
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
  }
  close(): void {
    closeSync(this.#fd);
  }
}

/** Reads the log back; a torn last line (impossible with write(2) of one line, but cheap to handle) is skipped. */
export function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const out: LogLine[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // torn tail
    }
  }
  return out;
}

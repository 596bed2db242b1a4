import type { Command } from "commander";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Adds one command to the program; its action stores the exit code in `result.code`. */
export type Registrar = (program: Command, io: Io, result: { code: number }) => void;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

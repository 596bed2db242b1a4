import { mkdirSync, mkdtempSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(REPO, "bin", "meerkat.mjs");

/** A fresh directory under the repository's gitignored .tmp/. */
export function tempDir(prefix: string): string {
  const base = join(REPO, ".tmp", "tests");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

// Compares freshly generated files with what is on disk: stale, missing and orphaned files.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface Drift {
  readonly stale: readonly string[];
  readonly missing: readonly string[];
  readonly orphaned: readonly string[];
}

export function listFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(full).isDirectory()) out.push(...listFiles(full, rel));
    else out.push(rel);
  }
  return out;
}

export function findDrift(expected: ReadonlyMap<string, string>, outDir: string): Drift {
  const onDisk = new Set(listFiles(outDir));
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [rel, text] of expected) {
    if (!onDisk.has(rel)) missing.push(rel);
    else if (readFileSync(join(outDir, rel), "utf8") !== text) stale.push(rel);
  }
  const orphaned = [...onDisk].filter((rel) => !expected.has(rel));
  return { stale, missing, orphaned };
}

export function hasDrift(d: Drift): boolean {
  return d.stale.length + d.missing.length + d.orphaned.length > 0;
}

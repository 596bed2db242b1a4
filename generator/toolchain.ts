// Where the running toolchain lives, and how generated code reaches its kernel. Works the same from
// the TypeScript sources (a checkout, run through tsx) and from the built package (dist/).

import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_NAME = "meerkat-control-plane";

/** The module specifier generated code outside this package imports the kernel by. */
export const KERNEL_SPECIFIER = `${PACKAGE_NAME}/kernel`;

const HERE = dirname(fileURLToPath(import.meta.url));

/** The package root: the nearest directory above this module whose package.json is ours. */
export const TOOLCHAIN_ROOT = findPackageRoot(HERE);

/** The kernel entry beside this module: `kernel/index.ts` in a checkout, `dist/kernel/index.js` when built. */
export const KERNEL_ENTRY = resolve(HERE, "..", "kernel", import.meta.url.endsWith(".ts") ? "index.ts" : "index.js");

/** The folder of the JSON Schemas spec files refer to through `$schema`. */
export const SCHEMA_DIR = join(TOOLCHAIN_ROOT, "spec", "schema");

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const json: unknown = JSON.parse(readFileSync(manifest, "utf8"));
      if (typeof json === "object" && json !== null && (json as { name?: unknown }).name === PACKAGE_NAME) return dir;
    }
    if (dirname(dir) === dir) return resolve(from, "..");
  }
}

export function isWithin(path: string, parent: string): boolean {
  const rel = relative(parent, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** True when some folder on the way from `root` down to `path` is named node_modules. */
export function isInNodeModules(path: string): boolean {
  return resolve(path).split(sep).includes("node_modules");
}

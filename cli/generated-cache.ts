// Code for `meerkat check` and `replay`, generated in memory and loaded without any build step:
// each module transpiled to JavaScript, its kernel import pointing at this toolchain's own kernel
// (the one the explorer uses), written once to a folder named by the hash of its content.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { generateFiles, outputPathFor } from "../generator/emit/index.js";
import type { SpecModel } from "../generator/model.js";
import { KERNEL_ENTRY } from "../generator/toolchain.js";
import type { AnyKernel, CompositionKernel } from "../kernel/descriptor.js";

export type LoadedKernel = ({ readonly kind: "machine"; readonly kernel: AnyKernel } | { readonly kind: "composition"; readonly kernel: CompositionKernel<unknown> }) & {
  /** Where the kernel came from (parallel exploration workers load it again from there). */
  readonly source?: { readonly moduleUrl: string; readonly exportName: string };
};

/** The generated code of a spec could not be loaded (reported without a stack trace). */
export class GeneratedImportError extends Error {
  readonly code = "generated-import";
}

/** Where cached code goes: $MEERKAT_CACHE_DIR, else meerkat-cache in the OS temp folder. */
export function cacheRoot(): string {
  return process.env["MEERKAT_CACHE_DIR"] ?? join(tmpdir(), "meerkat-cache");
}

export interface GeneratedCode {
  readonly dir: string;
  readonly specRoot: string;
  readonly root: string;
}

/** Generates, transpiles and caches the code of `specs` (paths mirror `specRoot`); returns where. */
export function cacheGenerated(specs: readonly SpecModel[], specRoot: string, root: string): GeneratedCode {
  const files = generateFiles(specs, { specRoot, outDir: specRoot, kernelImport: pathToFileURL(KERNEL_ENTRY).href, root });
  const js = new Map<string, string>([["package.json", '{ "type": "module" }\n']]);
  const hash = createHash("sha256");
  for (const [rel, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const out = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
    const name = rel.replace(/\.ts$/, ".js");
    js.set(name, out);
    hash.update(`${name}\0${out}\0`);
  }
  const dir = join(cacheRoot(), hash.digest("hex").slice(0, 24));
  if (!existsSync(dir)) writeAtomically(dir, js);
  return { dir, specRoot, root };
}

/** Writes the folder beside its final place, then renames it: a reader never sees half of it. */
function writeAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const staging = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(staging, rel)), { recursive: true });
    writeFileSync(join(staging, rel), text);
  }
  try {
    renameSync(staging, dir);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // Another process cached the same content first: the same bytes, so use its copy.
    if (!existsSync(dir)) throw e;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null;
}

/** Imports the cached module of a spec and finds its kernel (`<x>Kernel` or `<x>Composition`). */
export async function importCachedKernel(code: GeneratedCode, spec: SpecModel): Promise<LoadedKernel> {
  const path = join(code.dir, outputPathFor(join(code.root, spec.file), code.specRoot).replace(/\.ts$/, ".js"));
  let mod: unknown;
  const moduleUrl = pathToFileURL(path).href;
  try {
    mod = await import(moduleUrl);
  } catch (e) {
    throw new GeneratedImportError(`cannot load the code generated from ${spec.file} (${relative(code.root, path) || path}): ${(e as Error).message}`);
  }
  if (isRecord(mod)) {
    for (const [exportName, value] of Object.entries(mod)) {
      if (!isRecord(value)) continue;
      if (spec.kind === "machine" && value["machine"] === spec.name && typeof value["transition"] === "function") {
        return { kind: "machine", kernel: value as unknown as AnyKernel, source: { moduleUrl, exportName } };
      }
      if (spec.kind === "composition" && value["composition"] === spec.name && isRecord(value["instances"])) {
        return { kind: "composition", kernel: value as unknown as CompositionKernel<unknown>, source: { moduleUrl, exportName } };
      }
    }
  }
  throw new GeneratedImportError(`the code generated from ${spec.file} exports no kernel for ${spec.name}`);
}

// The relative import graph of a folder's TypeScript files (type-only imports and re-exports
// included), and the cycles in it: a test helper for the "no import cycle" rule.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Every `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"` and `import("./x.js")`. */
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^"'`;]*?\sfrom\s)?["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** file → the files of `root` it imports (paths relative to `root`). */
export function importGraph(folder: string): Map<string, string[]> {
  const root = resolve(folder);
  const files = tsFiles(root);
  const inside = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2]!;
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      if (inside.has(target)) targets.push(relative(root, target));
    }
    graph.set(relative(root, file), [...new Set(targets)].sort());
  }
  return graph;
}

/** Each cycle once, as the list of files around it (starting at its smallest name). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(canonical.join(" -> "), canonical);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return [...found.values()];
}

// Issue #11 item 6: no import cycle inside runtime/ (its subfolders included) or
// properties/conformance/, type-only imports and re-exports included.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cycles, importGraph } from "./helpers/import-graph.js";
import { REPO } from "./helpers/paths.js";

describe("import cycles", () => {
  for (const folder of ["runtime", "properties/conformance"]) {
    it(`${folder}/ has none`, () => {
      const graph = importGraph(join(REPO, folder));
      // The graph was really read: files and the imports between them.
      expect(graph.size).toBeGreaterThan(20);
      expect([...graph.values()].reduce((n, targets) => n + targets.length, 0)).toBeGreaterThan(50);
      expect(cycles(graph).map((c) => c.join(" -> "))).toEqual([]);
    });
  }

  it("finds a cycle made of type-only imports and re-exports", () => {
    const graph = new Map<string, string[]>([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
    // The parser sees `import type` and `export … from` edges (the fixture files import each other).
    const fixture = importGraph(join(REPO, "test", "fixtures", "import-cycle"));
    expect(cycles(fixture).map((c) => c.join(" -> "))).toEqual(["a.ts -> b.ts"]);
  });
});

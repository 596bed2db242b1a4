// Issue #11 item 6: no import cycle inside runtime/ (its subfolders included) or
// properties/conformance/, type-only imports and re-exports included; the test doubles live in
// testing/, outside runtime/.

import { existsSync, readFileSync } from "node:fs";
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

  it("runtime/ ships no test double: nothing in it imports testing/", () => {
    const offenders = [...importGraph(join(REPO, "runtime")).keys()].filter((file) => /from\s+["'](\.\.\/)+testing\//.test(readFileSync(join(REPO, "runtime", file), "utf8")));
    expect(offenders).toEqual([]);
    expect(existsSync(join(REPO, "runtime", "testing.ts"))).toBe(false);
    expect(existsSync(join(REPO, "testing", "index.ts"))).toBe(true);
  });

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

import { cpSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOutputs, writeOutputs } from "../generator/pipeline.js";
import { REPO, tempDir } from "./helpers/paths.js";

describe("generate pipeline root", () => {
  it("resolves the spec directory against the root, not the working directory", () => {
    const root = tempDir("root");
    cpSync(join(REPO, "spec", "examples"), join(root, "spec", "examples"), { recursive: true });
    const outputs = buildOutputs({ root, specDir: "spec", outDir: "generated" });
    expect(outputs.diagnostics).toEqual([]);
    // Every example spec in the folder, and nothing else.
    const examples = readdirSync(join(REPO, "spec", "examples")).filter((f) => f.endsWith(".json")).map((f) => `spec/examples/${f}`).sort();
    expect(outputs.specs.map((s) => s.file).sort()).toEqual(examples);
    writeOutputs(outputs);
    expect(existsSync(join(root, "generated", "examples", "turnstile.machine.ts"))).toBe(true);
    expect(existsSync(join(root, "spec", "examples", "turnstile.machine.ts"))).toBe(false);
  });
});

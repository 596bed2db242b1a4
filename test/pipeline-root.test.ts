import { cpSync, existsSync } from "node:fs";
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
    expect(outputs.specs.map((s) => s.file).sort()).toEqual(["spec/examples/counter.machine.json", "spec/examples/die-hard-any-start.machine.json", "spec/examples/die-hard.machine.json", "spec/examples/hour-clock.machine.json", "spec/examples/mailroom.machine.json", "spec/examples/playlist.machine.json", "spec/examples/token-tour.machine.json", "spec/examples/turnstile-audit.composition.json", "spec/examples/turnstile.machine.json", "spec/examples/two-phase.machine.json"]);
    writeOutputs(outputs);
    expect(existsSync(join(root, "generated", "examples", "turnstile.machine.ts"))).toBe(true);
    expect(existsSync(join(root, "spec", "examples", "turnstile.machine.ts"))).toBe(false);
  });
});

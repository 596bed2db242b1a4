// The policy spec owns admission: a change to a copy of spec/default.policy.json, regenerated,
// changes what the runtime decides, and the runtime, the validator and the HTTP server use the
// generated facts and schema themselves (no hand-written copy left to drift).

import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import * as shipped from "../generated/default.policy.js";
import { generateFiles } from "../generator/emit/index.js";
import { loadSpecs } from "../generator/load.js";
import { createRuntime, type Input, type PolicyResolver } from "../runtime/index.js";
import * as runtimeInput from "../runtime/input.js";
import { inputs, ScriptedExecutor } from "../testing/index.js";
import { INPUT_SCHEMA as HTTP_INPUT_SCHEMA } from "../server/schemas.js";
import { REPO, tempDir } from "./helpers/paths.js";

type PolicyModule = typeof shipped;
type Json = { [key: string]: unknown };

/** Generates the policy module from a changed copy of the shipped spec and imports it. */
async function generateChanged(change: (spec: Json) => void): Promise<PolicyModule> {
  const dir = tempDir("policy-copy");
  const spec = JSON.parse(readFileSync(join(REPO, "spec", "default.policy.json"), "utf8")) as Json;
  change(spec);
  writeFileSync(join(dir, "default.policy.json"), JSON.stringify(spec, null, 2));
  copyFileSync(join(REPO, "spec", "session.machine.json"), join(dir, "session.machine.json"));
  const loaded = loadSpecs([dir], dir);
  expect(loaded.diagnostics).toEqual([]);
  const out = join(dir, "out");
  const files = generateFiles(loaded.specs, { specRoot: dir, outDir: out, root: dir }, loaded.policies);
  const code = files.get("default.policy.ts");
  if (code === undefined) throw new Error(`no default.policy.ts among ${[...files.keys()].join(", ")}`);
  const file = join(dir, "default.policy.ts");
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as PolicyModule;
}

const at = (o: Json, ...path: string[]): Json => path.reduce((x, k) => x[k] as Json, o);

/** The admission class of a prompt accepted while a run is in flight, under this resolver. */
async function runningPromptAdmission(policy: PolicyResolver): Promise<string> {
  const exec = new ScriptedExecutor();
  const rt = createRuntime({ executor: exec, policy });
  await rt.prepareLocalSessionBindings("s");
  await rt.acceptInput("s", inputs.prompt("p1"));
  const run = await exec.next();
  const r = await rt.acceptInput("s", inputs.prompt("p2"));
  run.complete();
  if (r.outcome !== "Accepted") throw new Error(`p2 was ${r.outcome}`);
  return r.decision.admission;
}

describe("the policy spec drives admission", { timeout: 60_000 }, () => {
  it("a changed table row changes the runtime's decision", async () => {
    const changed = await generateChanged((spec) => {
      const rows = spec["rows"] as Json[];
      const promptLike = rows.find((r) => r["name"] === "prompt_like");
      if (promptLike === undefined) throw new Error("row prompt_like not found");
      promptLike["running"] = "queue_interrupt";
    });
    expect(await runningPromptAdmission(shipped.resolvePolicy)).toBe("Passive");
    expect(await runningPromptAdmission(changed.resolvePolicy)).toBe("InterruptYielding");
  });

  it("changed admission facts change the generated lookups the runtime calls", async () => {
    const changed = await generateChanged((spec) => {
      at(spec, "admission", "executionKind", "byKind")["prompt"] = "ResumePending";
      at(spec, "admission", "defaultHandlingMode", "byKind")["prompt"] = "Steer";
      at(spec, "admission", "drivesLoop")["drainPolicies"] = [];
      (at(spec, "admission")["rejections"] as Json[]).push({ name: "no_shouting", code: "Shouting", kinds: ["prompt"], blank: "text", detail: "an empty {kind}" });
    });
    const prompt = inputs.prompt("p", "") as Parameters<PolicyModule["effectiveHandlingMode"]>[0];
    expect([shipped.executionKindOf("prompt"), changed.executionKindOf("prompt")]).toEqual(["ContentTurn", "ResumePending"]);
    expect([shipped.effectiveHandlingMode(prompt), changed.effectiveHandlingMode(prompt)]).toEqual([null, "Steer"]);
    // Progress updates drive the loop only through their SteerBatch drain policy.
    const progress = (m: PolicyModule) => {
      const r = m.resolvePolicy("peer_response_progress", true, null);
      return r.ok && r.decision.drivesLoop;
    };
    expect([progress(shipped), progress(changed)]).toEqual([true, false]);
    expect(shipped.admissionRejection(prompt)).toBeNull();
    expect(changed.admissionRejection(prompt)).toEqual({ code: "Shouting", detail: "an empty prompt" });
  });

  it("a changed input shape changes both the Input schema and what it accepts", async () => {
    const changed = await generateChanged((spec) => {
      const prompt = at(spec, "inputs", "kinds", "prompt");
      prompt["required"] = ["text", "language"];
      at(prompt, "properties")["language"] = { type: "string" };
    });
    // One ajv per schema: both carry the same $id.
    const compile = (schema: Json) => new Ajv2020({ strict: true, discriminator: true, allowUnionTypes: true }).compile(schema);
    const input: Input = inputs.prompt("p");
    expect(compile(shipped.INPUT_SCHEMA)(input)).toBe(true);
    const validate = compile(changed.INPUT_SCHEMA);
    expect(validate(input)).toBe(false);
    expect(validate({ ...input, language: "en" })).toBe(true);
  });
});

describe("the runtime and the server use the generated facts", () => {
  it("re-exports the generated lookups and schema instead of restating them", () => {
    expect(runtimeInput.effectiveHandlingMode).toBe(shipped.effectiveHandlingMode);
    expect(runtimeInput.executionKindOf).toBe(shipped.executionKindOf);
    expect(runtimeInput.applyIntentOf).toBe(shipped.applyIntentOf);
    expect(runtimeInput.INPUT_KINDS).toBe(shipped.INPUT_KINDS);
    expect(runtimeInput.INPUT_SCHEMA).toBe(shipped.INPUT_SCHEMA);
    expect(HTTP_INPUT_SCHEMA).toBe(shipped.INPUT_SCHEMA);
  });

  it("validates inputs against the generated schema: every kind of the table has a shape", () => {
    const defs = shipped.INPUT_SCHEMA["$defs"] as Json;
    for (const kind of shipped.INPUT_KINDS) expect(defs[kind], kind).toBeDefined();
    expect((shipped.INPUT_SCHEMA["properties"] as Json)["kind"]).toEqual({ enum: [...shipped.INPUT_KINDS] });
  });
});

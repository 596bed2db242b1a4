#!/usr/bin/env node
// The package build: tsc -p tsconfig.build.json into dist/, then the non-TypeScript files the
// compiled folders read at run time (JSON Schemas and the like) copied beside their modules.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const DIST = "dist";
rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const isAsset = (path) => !path.endsWith(".ts") && !path.endsWith(".md");
let copied = 0;
for (const folder of readdirSync(DIST)) {
  cpSync(folder, join(DIST, folder), {
    recursive: true,
    filter: (src) => {
      if (statSync(src).isDirectory()) return true;
      const keep = isAsset(src);
      if (keep) copied++;
      return keep;
    },
  });
}
console.log(`built ${DIST}/ (${copied} asset file${copied === 1 ? "" : "s"} copied)`);

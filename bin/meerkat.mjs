#!/usr/bin/env node
// The `meerkat` command. In a checkout it runs the TypeScript sources through tsx, so an edit
// takes effect at once; the published package has no sources and runs the build in dist/.
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/cli/main.js"));
}
process.exitCode = await main(process.argv);

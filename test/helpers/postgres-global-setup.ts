// vitest globalSetup of the "postgres" project: the suites need a real PostgreSQL server. With
// MEERKAT_TEST_PG_URL set (CI starts one, or a developer's own server) it is used as it is;
// otherwise the throwaway cluster of scripts/postgres.sh is started under .tmp/pg and stopped again.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "./paths.js";

const SCRIPT = join(REPO, "scripts", "postgres.sh");

export default function setup(): (() => void) | undefined {
  if (process.env.MEERKAT_TEST_PG_URL !== undefined && process.env.MEERKAT_TEST_PG_URL !== "") return undefined;
  const url = execFileSync("bash", [SCRIPT, "start"], { encoding: "utf8" }).trim();
  // Inherited by the test workers, which vitest starts after this setup.
  process.env.MEERKAT_TEST_PG_URL = url;
  return () => {
    execFileSync("bash", [SCRIPT, "stop"], { stdio: "ignore" });
  };
}

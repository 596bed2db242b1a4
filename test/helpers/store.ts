// The store the runtime suites run against. Normally none (an ephemeral runtime); with
// MEERKAT_TEST_STORE=sqlite (the "sqlite" vitest project) every runtime a test builds without an
// explicit store gets a fresh SqliteStore in its own file, so the same assertions also cover the
// durable path (group commit, promise-returning writes). Tests that inspect rows keep their own
// MemoryStore.

import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { RuntimeStore } from "../../runtime/index.js";
import { SqliteStore } from "../../runtime/sqlite-store.js";
import { tempDir } from "./paths.js";
import { freshStore } from "./postgres.js";

export const TEST_STORE_KIND: "none" | "sqlite" | "postgres" =
  process.env.MEERKAT_TEST_STORE === "sqlite" ? "sqlite" : process.env.MEERKAT_TEST_STORE === "postgres" ? "postgres" : "none";

let dir: string | null = null;
let count = 0;

if (TEST_STORE_KIND === "sqlite") {
  // The stores are not closed: a test may leave a run in flight whose late write must not fail on
  // a closed store. Unlinking the files under open connections is safe on POSIX.
  afterAll(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * undefined (no store), a fresh SqliteStore in a temp file when MEERKAT_TEST_STORE=sqlite, or a
 * PostgresStore over a fresh schema when MEERKAT_TEST_STORE=postgres (the "postgres" project).
 */
export function testStore(): RuntimeStore | undefined {
  if (TEST_STORE_KIND === "postgres") return freshStore();
  if (TEST_STORE_KIND !== "sqlite") return undefined;
  dir ??= tempDir("runtime-sqlite");
  count += 1;
  return SqliteStore.open(join(dir, `store-${count}.sqlite3`));
}

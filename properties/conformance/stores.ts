// Store factories for the conformance runs: the in-memory store (a restart reuses the instance) and
// the SQLite store (a restart closes the file and opens it again).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, type RuntimeStore } from "../../runtime/index.js";
import type { StoreFactory } from "./world.js";

export const memoryStore: StoreFactory = {
  name: "memory",
  open: () => new MemoryStore(),
  reopen: (previous) => previous,
};

/** The SQLite store, loaded lazily (runtime/sqlite-store.ts); each open gets a fresh file. */
export async function sqliteStore(): Promise<StoreFactory> {
  const mod = (await import("../../runtime/sqlite-store.js")) as { SqliteStore: { open(path: string): RuntimeStore } };
  const paths = new WeakMap<RuntimeStore, { dir: string; file: string }>();
  return {
    name: "sqlite",
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), "meerkat-conformance-"));
      const file = join(dir, "runtime.db");
      const store = mod.SqliteStore.open(file);
      paths.set(store, { dir, file });
      return store;
    },
    reopen: async (previous) => {
      const where = paths.get(previous);
      if (where === undefined) throw new Error("sqlite store: unknown file");
      await previous.close?.();
      const store = mod.SqliteStore.open(where.file);
      paths.set(store, where);
      return store;
    },
    dispose: async (store) => {
      const where = paths.get(store);
      await store.close?.();
      if (where !== undefined) rmSync(where.dir, { recursive: true, force: true });
    },
  };
}

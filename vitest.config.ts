import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A safety net, not a speed assertion: CLI tests spawn child processes that take far longer on a loaded machine.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: "forks",
    // Three projects: every test as written, and the runtime suites again with each runtime over a
    // SqliteStore and over a PostgresStore (test/helpers/store.ts reads MEERKAT_TEST_STORE). `npm test` counts all.
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"], exclude: ["test/postgres-*.test.ts"] } },
      { extends: true, test: { name: "sqlite", include: ["test/runtime-*.test.ts"], env: { MEERKAT_TEST_STORE: "sqlite" } } },
      // The PostgreSQL suites and the runtime suites again over a PostgresStore, against a real
      // server: MEERKAT_TEST_PG_URL, or the throwaway cluster the globalSetup starts (scripts/postgres.sh).
      {
        extends: true,
        test: {
          name: "postgres",
          include: ["test/postgres-*.test.ts", "test/runtime-*.test.ts"],
          env: { MEERKAT_TEST_STORE: "postgres" },
          globalSetup: ["test/helpers/postgres-global-setup.ts"],
        },
      },
    ],
  },
});

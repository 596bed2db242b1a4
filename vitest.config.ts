import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two projects: every test as written, and the runtime suites again with each runtime over a
    // SqliteStore (test/helpers/store.ts reads MEERKAT_TEST_STORE). `npm test` counts both.
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "sqlite", include: ["test/runtime-*.test.ts"], env: { MEERKAT_TEST_STORE: "sqlite" } } },
    ],
  },
});

// The PostgreSQL store and worker (see runtime/README.md, "PostgreSQL store").
export * from "./errors.js";
export { guardPool, PostgresStore, type ClaimedSession, type PendingSubmission, type PostgresStoreOptions, type SubmitResult } from "./store.js";
export { PG_SCHEMA_VERSION } from "./schema.js";
export { TYPES } from "./connection.js";

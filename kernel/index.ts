export * from "./codec.js";
export * from "./descriptor.js";
export * from "./dispatch.js";
export * from "./instance.js";
export * from "./invariants.js";
export * from "./result.js";
export * from "./types.js";
export * from "./values.js";

// The HTTP surface (`meerkat serve`): Fastify over a ControlPlane. See the README section "Serving sessions over HTTP".

export { createServer, toProblem } from "./app.js";
export type { MeerkatServer, ServerOptions } from "./app.js";
export type { AuthOptions } from "./auth.js";
export type { ProblemDocument, ProblemCode, HttpErrorCode } from "./problems.js";
export { HttpProblem } from "./problems.js";
export { ROUTES } from "./routes.js";
export { openApiDocument } from "./openapi.js";
export { openStore, resumeSessions } from "./store.js";
export type { StoreChoice, OpenedStore } from "./store.js";
export { startServer } from "./start.js";
export type { StartOptions, StartedServer } from "./start.js";

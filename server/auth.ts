// Bearer-token check. Tokens are compared as SHA-256 digests in constant time, so neither the
// length nor a prefix of the token leaks through timing.

import { createHash, timingSafeEqual } from "node:crypto";
import { HttpProblem } from "./problems.js";

export type AuthOptions = { readonly token: string } | { readonly disabled: true };

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** A checker for Authorization headers; throws Unauthorized (401) when the token is missing or wrong. */
export function bearerChecker(options: AuthOptions): (header: string | undefined) => void {
  if ("disabled" in options) return () => undefined;
  if (options.token.length === 0) throw new TypeError("the bearer token must not be empty");
  const expected = digest(options.token);
  return (header) => {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw new HttpProblem("Unauthorized", 401, "this server requires an Authorization: Bearer <token> header");
    if (!timingSafeEqual(digest(match[1] as string), expected)) throw new HttpProblem("Unauthorized", 401, "the bearer token is not the server's");
  };
}

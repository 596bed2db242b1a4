// Shape validation of inputs against the generated INPUT_SCHEMA (from the `inputs` block of
// spec/default.policy.json; ajv, draft 2020-12).

import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { InputInvalidError, type InputProblem } from "./errors.js";
import { INPUT_SCHEMA, type Input } from "./input.js";
import { plainJsonCopy } from "./json-payload.js";

let fast: ValidateFunction | null = null;
let detailed: ValidateFunction | null = null;

function compile(allErrors: boolean): ValidateFunction {
  const ajv = new Ajv2020({ allErrors, strict: true, discriminator: true, allowUnionTypes: true });
  return ajv.compile(INPUT_SCHEMA);
}

/**
 * Checks that the input is plain JSON (the first value that is not: a BigInt, a cycle, a Map, NaN, a
 * function, undefined, … is named by its JSON pointer) and has the input schema's shape; returns a
 * frozen copy, so later changes to the caller's object do not reach the runtime. Throws
 * InputInvalidError naming the session and the input id.
 */
export function validateInput(sessionId: string, raw: unknown): Input {
  const plain = plainJsonCopy(raw);
  if (!plain.ok) throw new InputInvalidError(sessionId, inputIdOf(raw), [plain.problem]);
  const value = plain.value;
  fast ??= compile(false);
  if (fast(value)) return value as Input;
  // Only a refused input pays for the full list of problems.
  detailed ??= compile(true);
  detailed(value);
  throw new InputInvalidError(sessionId, inputIdOf(value), (detailed.errors ?? fast.errors ?? []).map(toProblem));
}

function toProblem(e: ErrorObject): InputProblem {
  return { pointer: e.instancePath, message: e.message ?? e.keyword };
}

function inputIdOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const header = (value as { readonly header?: unknown }).header;
  if (typeof header !== "object" || header === null) return undefined;
  const id = (header as { readonly id?: unknown }).id;
  return typeof id === "string" ? id : undefined;
}

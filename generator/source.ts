// A spec file as text plus a way back from JSON pointers (and offsets inside string values) to
// line and column, so every diagnostic can point into the file the user edits.

import { parseTree, findNodeAtLocation, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import type { Diagnostic, DiagnosticCode } from "./diagnostics.js";

export interface SourceFile {
  /** Path as shown to the user (relative to the working directory when possible). */
  readonly file: string;
  readonly text: string;
  readonly json: unknown;
  readonly root: Node | undefined;
}

export type ParsedSource = { ok: true; source: SourceFile } | { ok: false; diagnostics: Diagnostic[] };

export function parseSource(file: string, text: string): ParsedSource {
  // A UTF-8 byte-order mark (some editors write one) is not part of the JSON; editors do not count it as a column.
  if (text.charCodeAt(0) === 0xfeff) return parseSource(file, text.slice(1));
  if (text.trim() === "") return { ok: false, diagnostics: [{ code: "json-syntax", message: "invalid JSON: the file is empty", file, pointer: "", line: 1, column: 1 }] };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || root === undefined) {
    // Only the first error: the parser's recovery makes the later ones echoes of it.
    const first = errors[0];
    if (!first) return { ok: false, diagnostics: [{ code: "json-syntax", message: "invalid JSON", file, pointer: "", line: 1, column: 1 }] };
    const { offset, message } = describeParseError(text, first);
    return { ok: false, diagnostics: [{ code: "json-syntax", message: `invalid JSON: ${message}`, file, pointer: "", ...lineColumn(text, offset) }] };
  }
  const dupes = duplicateKeys(root, "", file, text);
  if (dupes.length > 0) return { ok: false, diagnostics: dupes };
  return { ok: true, source: { file, text, json: JSON.parse(text) as unknown, root } };
}

/** Words for a parse error, and where to point: at the comma itself for a trailing comma. */
function describeParseError(text: string, e: ParseError): { offset: number; message: string } {
  const code = printParseErrorCode(e.error);
  const at = text[e.offset];
  if ((code === "PropertyNameExpected" || code === "ValueExpected") && (at === "}" || at === "]")) {
    const comma = text.slice(0, e.offset).search(/,\s*$/);
    if (comma >= 0) return { offset: comma, message: `trailing comma before "${at}" (JSON allows no comma after the last item)` };
  }
  if (code === "InvalidCommentToken") return { offset: e.offset, message: "comments are not allowed in JSON" };
  if (code === "InvalidSymbol" && at === "'") return { offset: e.offset, message: "strings and property names need double quotes" };
  const words = code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return { offset: e.offset, message: e.offset >= text.trimEnd().length ? `the file ends too early (${words})` : words };
}

function duplicateKeys(node: Node, pointer: string, file: string, text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (node.type === "object") {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0];
      const valueNode = prop.children?.[1];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      const child = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (seen.has(key)) {
        const { line, column } = lineColumn(text, keyNode.offset);
        out.push({ code: "duplicate-key", message: `key "${key}" appears twice in the same object`, file, pointer: child, line, column });
      }
      seen.add(key);
      if (valueNode) out.push(...duplicateKeys(valueNode, child, file, text));
    }
  } else if (node.type === "array") {
    (node.children ?? []).forEach((c, i) => out.push(...duplicateKeys(c, `${pointer}/${i}`, file, text)));
  }
  return out;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function decodePointer(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Offset in the file of the value at `pointer`; for string values, `inner` is a character offset
 * inside the decoded string and is mapped through any escape sequences.
 */
export function offsetOf(source: SourceFile, pointer: string, inner?: number): number | undefined {
  if (!source.root) return undefined;
  let node = findNodeAtLocation(source.root, decodePointer(pointer));
  // A pointer to a missing property: point at the nearest existing ancestor.
  let p = pointer;
  while (!node && p !== "") {
    p = p.slice(0, p.lastIndexOf("/"));
    node = findNodeAtLocation(source.root, decodePointer(p));
  }
  if (!node) return undefined;
  // For a property key whose value is the target, jsonc gives the value node; fine for columns.
  if (inner === undefined || node.type !== "string") return node.offset;
  const raw = source.text.slice(node.offset + 1, node.offset + node.length - 1);
  let decoded = 0;
  let i = 0;
  while (i < raw.length && decoded < inner) {
    if (raw[i] === "\\") i += raw[i + 1] === "u" ? 6 : 2;
    else i++;
    decoded++;
  }
  return node.offset + 1 + i;
}

/** Builds a located diagnostic; `inner` is an offset inside the string value at `pointer`. */
export function locate(
  source: SourceFile,
  code: DiagnosticCode,
  message: string,
  pointer: string,
  extra: { inner?: number; expr?: Diagnostic["expr"]; hint?: string } = {},
): Diagnostic {
  const offset = offsetOf(source, pointer, extra.inner ?? extra.expr?.start);
  const pos = offset === undefined ? {} : lineColumn(source.text, offset);
  return { code, message, file: source.file, pointer, ...pos, ...(extra.expr ? { expr: extra.expr } : {}), ...(extra.hint ? { hint: extra.hint } : {}) };
}

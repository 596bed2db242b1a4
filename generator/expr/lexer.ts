// Tokens of the expression language. Offsets are character positions in the source string.

import type { Span } from "./ast.js";

export type TokenKind = "int" | "ident" | "punct" | "eof";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly span: Span;
}

export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}

const PUNCT = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "="];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c >= "0" && c <= "9") {
      let j = i;
      while (j < src.length && /[0-9]/.test(src[j] as string)) j++;
      if (j < src.length && /[A-Za-z_]/.test(src[j] as string)) {
        throw new ExprSyntaxError(`a name cannot start with a digit`, [i, j + 1]);
      }
      out.push({ kind: "int", text: src.slice(i, j), span: [i, j] });
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j] as string)) j++;
      out.push({ kind: "ident", text: src.slice(i, j), span: [i, j] });
      i = j;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (p === undefined) {
      const hint = c === "&" || c === "|" ? ` (did you mean "${c}${c}"?)` : "";
      throw new ExprSyntaxError(`unexpected character "${c}"${hint}`, [i, i + 1]);
    }
    out.push({ kind: "punct", text: p, span: [i, i + p.length] });
    i += p.length;
  }
  out.push({ kind: "eof", text: "", span: [src.length, src.length] });
  return out;
}

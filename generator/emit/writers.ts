// Multi-line type and value text as ts-morph writer functions. The printer gives a raw string's
// continuation lines a hanging indent (closing braces included); a writer indents each line at
// its own nesting level, so the output needs no separate formatting pass.

import type { WriterFunction } from "ts-morph";

/**
 * `{ readonly k: T; ... }`: on one line when it fits in `width` (and no type spans lines), else one
 * field per line, or, when `packed` (a trigger's or effect's payload), as many fields per line as
 * fit in `packed` columns.
 */
export function objectType(fields: readonly (readonly [string, string])[], width = 110, packed?: number): string | WriterFunction {
  if (fields.length === 0) return "Readonly<Record<never, never>>";
  const flat = `{ ${fields.map(([k, t]) => `readonly ${k}: ${t}`).join("; ")} }`;
  if (flat.length <= width && !flat.includes("\n")) return flat;
  const lines: string[] = [];
  for (const [k, t] of fields) {
    const field = `readonly ${k}: ${t};`;
    const last = lines.length - 1;
    if (packed !== undefined && last >= 0 && !field.includes("\n") && 2 + (lines[last] as string).length + 1 + field.length <= packed) lines[last] += ` ${field}`;
    else lines.push(field);
  }
  return (w) => {
    w.write("{").newLine();
    w.indent(() => {
      for (const line of lines) w.writeLine(line);
    });
    w.write("}");
  };
}

/**
 * `{ k: v, ... }` over several lines. Values may span lines; their continuation lines are written
 * relative to the entry's own indentation.
 */
export function objectLiteral(entries: readonly (readonly [string, string])[]): WriterFunction {
  return (w) => {
    w.write("{").newLine();
    w.indent(() => {
      for (const [k, v] of entries) w.write(k === v ? `${k},` : `${k}: ${v},`).newLine();
    });
    w.write("}");
  };
}

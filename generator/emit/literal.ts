// Prints plain data as a TypeScript literal (unquoted keys where they are identifiers), broken over
// lines where it would be too wide (see layout.ts).

import { dataDoc, render } from "./layout.js";

/** `indent`: the column the literal starts at, roughly (the printer indents continuation lines). */
export function literal(value: unknown, indent = 4): string {
  // The first line follows a property key: leave room for one.
  return render(dataDoc(value), indent, indent + 24);
}

// Lays out generated literals within a line width: a list or object stays on one line when it
// fits, otherwise each item goes on its own line, recursively. Generated files are committed and
// reviewed, so one changed guard must change one line, not rewrite a 7,000-character one.

/** Text, or a bracketed list of items printed flat or one item per line. */
export type Doc = string | { readonly open: string; readonly close: string; readonly items: readonly Doc[]; readonly sep?: string; readonly flat?: string; readonly pack?: boolean; readonly hang?: boolean };

/** The widest generated line we aim for (the printer adds its own indentation on top). */
export const WIDTH = 156;

export function list(open: string, items: readonly Doc[], close: string): Doc {
  return { open, close, items };
}

/**
 * Operands joined by an infix operator (`a && b`), broken before none of them: a broken chain ends
 * each line but the last with the operator, so the code reads top to bottom.
 */
export function chain(open: string, items: readonly Doc[], op: string, close: string): Doc {
  return { open, close, items, sep: ` ${op} ` };
}

/** Call or parameter lists `(a, b)`: broken one per line, without a trailing comma. */
export function args(open: string, items: readonly Doc[], close: string): Doc {
  return { open, close, items, sep: ", " };
}

/** Type arguments `Name<A, B>`: broken one per line, without the trailing comma TypeScript refuses there. */
export function typeArgs(name: string, items: readonly string[]): Doc {
  return { open: `${name}<`, close: ">", items, sep: ", " };
}

/**
 * A string literal; a long one may break into `"..." +` pieces at spaces (flat, it is one literal),
 * so a long reason or source text stays a readable paragraph.
 */
export function stringDoc(text: string, piece = 130): Doc {
  const flat = JSON.stringify(text);
  if (flat.length <= piece) return flat;
  const pieces: string[] = [];
  let current = "";
  for (const word of text.split(/(?<= )/)) {
    if (current !== "" && current.length + word.length > piece) {
      pieces.push(current);
      current = word;
    } else current += word;
  }
  pieces.push(current);
  return { open: "", close: "", items: pieces.map((x) => JSON.stringify(x)), sep: " + ", flat };
}

/** `{ k: v, ... }`; keys that are identifiers stay unquoted; a key `...x` is a spread (its value ignored). */
export function object(entries: readonly (readonly [string, Doc])[]): Doc {
  return list("{ ", entries.map(([k, v]) => (k.startsWith("...") ? k : prefixed(`${propertyKey(k)}: `, v))), " }");
}

/**
 * Prints a doc whose first line starts at column `column` (after whatever text precedes it on that
 * line) inside a statement indented by `indent`; a broken doc's items go at `indent + 2`.
 */
export function render(doc: Doc, indent = 0, column = indent, width = WIDTH): string {
  const flat = flatten(doc);
  if (typeof doc === "string" || column + flat.length <= width || doc.items.length === 0) return flat;
  const inner = indent + 2;
  const pad = " ".repeat(inner);
  if (doc.hang === true && doc.sep === undefined) return hanging(doc, indent, column, width);
  if (doc.pack === true && doc.sep === undefined) return packed(doc, indent, width);
  if (doc.sep !== undefined && /^ (\|\||&&) $/.test(doc.sep)) return packedChain(doc, indent, width);
  const last = doc.items.length - 1;
  const end = (i: number) => (doc.sep === undefined ? "," : i < last && doc.sep.trim() !== "" ? (doc.sep.trim() === "," ? "," : ` ${doc.sep.trim()}`) : "");
  const items = doc.items.map((item, i) => `${pad}${render(item, inner, inner, width)}${end(i)}`);
  const close = doc.close.trimStart();
  return `${doc.open.trimEnd()}\n${items.join("\n")}${close === "" ? "" : `\n${" ".repeat(indent)}${close}`}`;
}

/** A broken list of short items, as many per line as fit (names, scalars: nothing a diff needs one per line). */
function packed(doc: Exclude<Doc, string>, indent: number, width: number): string {
  const inner = indent + 2;
  const pad = " ".repeat(inner);
  const lines: string[] = [];
  let line = "";
  for (const item of doc.items) {
    const text = `${flatten(item)},`;
    if (alone(text)) {
      // A function or a nested structure gets lines of its own (see `alone`).
      if (line !== "") lines.push(pad + line);
      lines.push(pad + (inner + text.length <= width ? text : `${render(item, inner, inner, width)},`));
      line = "";
      continue;
    }
    if (line !== "" && inner + line.length + 1 + text.length <= width) line += ` ${text}`;
    else {
      if (line !== "") lines.push(pad + line);
      line = inner + text.length <= width ? text : `${render(item, inner, inner, width)},`;
    }
  }
  if (line !== "") lines.push(pad + line);
  return `${doc.open.trimEnd()}\n${lines.join("\n")}\n${" ".repeat(indent)}${doc.close.trimStart()}`;
}

/**
 * A broken `a && b && c`: as many operands per line as fit, each line but the last ending with
 * the operator; an operand too wide for a line of its own is broken on lines of its own.
 */
function packedChain(doc: Exclude<Doc, string>, indent: number, width: number): string {
  const inner = indent + 2;
  const op = (doc.sep as string).trim();
  const lines: string[] = [];
  let line = "";
  doc.items.forEach((item, i) => {
    const tail = i < doc.items.length - 1 ? ` ${op}` : "";
    const t = flatten(item);
    if (inner + t.length + tail.length > width) {
      if (line !== "") lines.push(`${line} ${op}`);
      lines.push(`${render(item, inner, inner, width)}${tail}`);
      line = "";
    } else if (line === "") line = t;
    else if (inner + line.length + op.length + 2 + t.length + tail.length <= width) line += ` ${op} ${t}`;
    else {
      lines.push(`${line} ${op}`);
      line = t;
    }
  });
  if (line !== "") lines.push(line);
  const pad = " ".repeat(inner);
  const close = doc.close.trimStart();
  return `${doc.open.trimEnd()}\n${lines.map((l) => pad + l).join("\n")}${close === "" ? "" : `\n${" ".repeat(indent)}${close}`}`;
}

/**
 * Whether a packed item takes lines of its own: a function (`=>`), or an item holding objects
 * nested two deep (`properties: { kind: { ... } }`); an object of scalars still packs.
 */
function alone(text: string): boolean {
  if (text.includes("=>")) return true;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' && text[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if (ch === "{" && ++depth >= 2) return true;
    if (ch === "}") depth--;
  }
  return false;
}

/**
 * A table row (`[name, source, reads, holds]`) that breaks: its items packed from the opening
 * bracket on and the closing one ending the last line, so a row costs two lines, not four; a
 * function starts a line, and an item too wide for a line is broken on lines of its own.
 * Only for arrays: the TypeScript formatter puts a broken object literal's braces on lines of their own.
 */
function hanging(doc: Exclude<Doc, string>, indent: number, column: number, width: number): string {
  const inner = indent + 2;
  const close = doc.close.trimStart();
  const lines: string[] = [];
  let line = "";
  const room = () => (lines.length === 0 ? width - column - doc.open.length : width - inner);
  doc.items.forEach((item, i) => {
    const end = i < doc.items.length - 1 ? "," : close;
    const text = `${flatten(item)}${end}`;
    if (line !== "" && !alone(text) && line.length + 1 + text.length <= room()) {
      line += ` ${text}`;
      return;
    }
    if (line !== "") lines.push(line);
    line = "";
    if (text.length <= room()) line = text;
    else {
      if (lines.length === 0) lines.push("");
      // A broken string's pieces start on a line of their own already.
      lines.push(`${render(item, inner, inner, width).replace(/^\n */, "")}${end}`);
    }
  });
  if (line !== "") lines.push(line);
  const pad = " ".repeat(inner);
  return `${doc.open}${lines.map((l, i) => (i === 0 ? l : `\n${pad}${l}`)).join("")}`;
}

/** The same row, its items packed from the opening bracket on when it breaks (see `hanging`). */
export function hangingList(doc: Doc): Doc {
  return typeof doc === "string" ? doc : { ...doc, hang: true };
}

/** The same list, its items packed several to a line when it breaks. */
export function packedList(doc: Doc): Doc {
  return typeof doc === "string" ? doc : { ...doc, pack: true };
}

function flatten(doc: Doc): string {
  if (typeof doc === "string") return doc;
  if (doc.flat !== undefined) return `${doc.open}${doc.flat}${doc.close}`;
  if (doc.items.length === 0) return `${doc.open.trim()}${doc.close.trim()}`;
  return `${doc.open}${doc.items.map(flatten).join(doc.sep ?? ", ")}${doc.close}`;
}

/** `prefix` glued to the first line of a doc. */
export function prefixed(prefix: string, doc: Doc): Doc {
  return typeof doc === "string" ? prefix + doc : { ...doc, open: prefix + doc.open };
}

function propertyKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

/** Plain data (JSON-like) as a doc. */
export function dataDoc(value: unknown): Doc {
  if (typeof value === "string") return stringDoc(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "undefined";
  if (Array.isArray(value)) {
    const items = list("[", value.map(dataDoc), "]");
    return value.every((v) => v === null || typeof v !== "object") ? packedList(items) : items;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return packedList(object(entries.map(([k, v]) => [k, dataDoc(v)] as const)));
}

/**
 * Items joined by `sep`, wrapped onto indented continuation lines of at most `width` characters;
 * the first line starts at column `first` (after the text before it).
 */
export function fill(items: readonly string[], sep: string, width = WIDTH, first = 0): string {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const room = lines.length === 0 ? width - first : width - 2;
    if (line !== "" && line.length + sep.length + item.length > room) {
      lines.push(line + sep.trimEnd());
      line = item;
    } else line = line === "" ? item : line + sep + item;
  }
  lines.push(line);
  return lines.join("\n  ");
}

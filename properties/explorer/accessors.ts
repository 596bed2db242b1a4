// Fast reads and writes of a state's fields. The explorer touches every field of every successor;
// generic loops (`s[name]` with changing names) hit slow megamorphic property access, so for
// identifier-like field names the two loops are compiled once into straight-line functions
// (`o[1] = s["coins"]; ...`, `return { "phase": v[0], "coins": v[1], ... }`). Names are
// JSON-quoted and checked against the spec's identifier pattern; anything else takes the loops.

export interface RecordAccess {
  /** out[i] = record[keys[i]]. */
  read(record: Readonly<Record<string, unknown>>, out: unknown[]): void;
  /** A new record with record[keys[i]] = values[i], always with the same shape. */
  make(values: readonly unknown[]): Record<string, unknown>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function recordAccess(keys: readonly string[]): RecordAccess {
  if (keys.every((k) => IDENT.test(k))) {
    const q = keys.map((k) => JSON.stringify(k));
    const read = new Function("s", "o", q.map((k, i) => `o[${i}] = s[${k}];`).join("\n")) as RecordAccess["read"];
    const make = new Function("v", `return { ${q.map((k, i) => `${k}: v[${i}]`).join(", ")} };`) as RecordAccess["make"];
    return { read, make };
  }
  return {
    read: (s, o) => {
      for (let i = 0; i < keys.length; i++) o[i] = s[keys[i] as string];
    },
    make: (v) => {
      const s: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) s[keys[i] as string] = v[i];
      return s;
    },
  };
}

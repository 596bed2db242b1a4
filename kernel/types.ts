// Runtime descriptions of spec types. Generated modules export these so that the explorer, the
// snapshot codec and input validation can walk values without knowing the machine.

export type TypeDesc =
  | { readonly kind: "bool" }
  | { readonly kind: "int"; readonly name: string; readonly min: number; readonly max: number }
  | { readonly kind: "enum"; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: "id"; readonly name: string }
  | { readonly kind: "option"; readonly of: TypeDesc }
  | { readonly kind: "set"; readonly of: TypeDesc }
  | { readonly kind: "seq"; readonly of: TypeDesc }
  | { readonly kind: "map"; readonly key: TypeDesc; readonly value: TypeDesc }
  /** A named record: its fields in declared order. Nominal (two record types never mix). */
  | { readonly kind: "record"; readonly name: string; readonly fields: readonly { readonly name: string; readonly type: TypeDesc }[] }
  /** A tuple: structural (a declared name is an alias). */
  | { readonly kind: "tuple"; readonly name?: string; readonly items: readonly TypeDesc[] };

/** A value of any spec type, as generated code represents it. */
export type Value =
  | boolean
  | number
  | string
  | null
  | ReadonlySet<Value>
  | ReadonlyMap<Value, Value>
  /** A Seq or a tuple (kernel/intern.ts interns tuples, so equal tuples are one object). */
  | readonly Value[]
  | RecordValue;

/** A record value: interned (kernel/intern.ts), so records with equal fields are one object. */
export type RecordValue = { readonly [field: string]: Value };

export function describeType(t: TypeDesc): string {
  switch (t.kind) {
    case "bool":
      return "bool";
    case "int":
    case "enum":
    case "id":
      return t.name;
    case "option":
      return `Option<${describeType(t.of)}>`;
    case "set":
      return `Set<${describeType(t.of)}>`;
    case "seq":
      return `Seq<${describeType(t.of)}>`;
    case "map":
      return `Map<${describeType(t.key)}, ${describeType(t.value)}>`;
    case "record":
      return t.name;
    case "tuple":
      return t.name ?? `(${t.items.map(describeType).join(", ")})`;
  }
}

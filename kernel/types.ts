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
  | { readonly kind: "map"; readonly key: TypeDesc; readonly value: TypeDesc };

/** A value of any spec type, as generated code represents it. */
export type Value =
  | boolean
  | number
  | string
  | null
  | ReadonlySet<Value>
  | ReadonlyMap<Value, Value>
  | readonly Value[];

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
  }
}

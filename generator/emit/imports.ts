// The one place generated modules' kernel import is written, so where the kernel lives (a
// relative path today) is decided once for every emitter.

import { StructureKind, type ImportDeclarationStructure } from "ts-morph";

/** `import { a, type B, ... } from "<specifier>";`, names sorted. */
export function kernelImport(specifier: string, values: Iterable<string>, types: Iterable<string>): ImportDeclarationStructure {
  const named = [...[...new Set(values)].map((name) => ({ name })), ...[...new Set(types)].map((name) => ({ name, isTypeOnly: true }))];
  return { kind: StructureKind.ImportDeclaration, moduleSpecifier: specifier, namedImports: named.sort((a, b) => a.name.localeCompare(b.name)) };
}

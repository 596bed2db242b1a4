// Where a value lives in the Promela model. A Store lays a spec type out over flat Promela arrays
// ("cells"); nested parts (map entries, seq slots) sit at computed offsets, so Map<K, Seq<E>> is
// two or three arrays, not an array of structs. `viewOf` reads a store as a View, `writeView`
// stores a View canonically (unused slots hold the filler, so equal values are equal vectors).

import type { ProfileDesc } from "../../kernel/descriptor.js";
import type { TypeDesc } from "../../kernel/types.js";
import { compoundUnsupported, PromelaUnsupportedError } from "./errors.js";
import { assign, cond, ifElse, offset, type PStmt } from "./pml.js";
import { scalarDomain, type PromelaType, type ScalarDomain } from "./scalar.js";
import { pick, range, scalar, type Ix, type View } from "./view.js";

export interface Cell {
  readonly name: string;
  /** Number of slots; 1 means a plain variable. */
  readonly count: number;
  readonly type: PromelaType;
  /** Hidden cells are scratch space outside the state vector. */
  readonly hidden: boolean;
  readonly fill: number;
  /** State cells: the initial encoding of every slot. Non-uniform initial contents are split into one variable per slot. */
  readonly init?: readonly number[];
}

export type Store =
  | { readonly k: "scalar"; readonly dom: ScalarDomain; readonly cell: Cell }
  | { readonly k: "option"; readonly has: Cell; readonly of: Store }
  | { readonly k: "set"; readonly size: number; readonly bits: Cell }
  | { readonly k: "seq"; readonly cap: number; readonly len: Cell; readonly elems: Cell; readonly elemDom: ScalarDomain }
  | { readonly k: "map"; readonly size: number; readonly has: Cell; readonly val: Store };

export interface StoreShape {
  readonly profile: ProfileDesc;
  /** Slots per Seq (the state's maxCollectionSize, or the larger scratch capacity). */
  readonly seqCap: number;
  readonly hidden: boolean;
}

export function buildStore(t: TypeDesc, base: string, shape: StoreShape, mult = 1): Store {
  const cell = (name: string, count: number, type: PromelaType, fill: number): Cell => ({
    name,
    count,
    type: shape.hidden ? "int" : type,
    hidden: shape.hidden,
    fill,
  });
  switch (t.kind) {
    case "bool":
    case "int":
    case "enum":
    case "id": {
      const dom = scalarDomain(t, shape.profile);
      return { k: "scalar", dom, cell: cell(base, mult, dom.storage, dom.lo) };
    }
    case "option":
      return { k: "option", has: cell(`${base}__has`, mult, "bit", 0), of: buildStore(t.of, `${base}__v`, shape, mult) };
    case "set": {
      const dom = scalarDomain(elementType(t.of), shape.profile);
      return { k: "set", size: dom.size, bits: cell(base, mult * dom.size, "bit", 0) };
    }
    case "seq": {
      const dom = scalarDomain(elementType(t.of), shape.profile);
      const cap = shape.seqCap;
      return { k: "seq", cap, len: cell(`${base}__len`, mult, cap <= 255 ? "byte" : "short", 0), elems: cell(base, mult * Math.max(1, cap), dom.storage, dom.lo), elemDom: dom };
    }
    case "map": {
      const dom = scalarDomain(elementType(t.key), shape.profile);
      return { k: "map", size: dom.size, has: cell(`${base}__has`, mult * dom.size, "bit", 0), val: buildStore(t.value, `${base}__v`, shape, mult * dom.size) };
    }
    case "record":
    case "tuple":
      return compoundUnsupported(t);
  }
}

function elementType(t: TypeDesc): Extract<TypeDesc, { kind: "bool" | "int" | "enum" | "id" }> {
  if (t.kind === "record" || t.kind === "tuple") return compoundUnsupported(t);
  if (t.kind === "option" || t.kind === "set" || t.kind === "seq" || t.kind === "map") throw new PromelaUnsupportedError(`collection elements and map keys must be scalar`);
  return t;
}

/** Every cell of a store, outermost first. */
export function cellsOf(s: Store): Cell[] {
  switch (s.k) {
    case "scalar":
      return [s.cell];
    case "option":
      return [s.has, ...cellsOf(s.of)];
    case "set":
      return [s.bits];
    case "seq":
      return [s.len, s.elems];
    case "map":
      return [s.has, ...cellsOf(s.val)];
  }
}

/** Rebuilds a store with every cell replaced (used to attach initial contents). */
export function mapCells(s: Store, f: (c: Cell) => Cell): Store {
  switch (s.k) {
    case "scalar":
      return { ...s, cell: f(s.cell) };
    case "option":
      return { ...s, has: f(s.has), of: mapCells(s.of, f) };
    case "set":
      return { ...s, bits: f(s.bits) };
    case "seq":
      return { ...s, len: f(s.len), elems: f(s.elems) };
    case "map":
      return { ...s, has: f(s.has), val: mapCells(s.val, f) };
  }
}

export function isSplit(c: Cell): boolean {
  return c.count > 1 && c.init !== undefined && c.init.some((v) => v !== c.init?.[0]);
}

export function cellRead(c: Cell, off: Ix): string {
  if (c.count === 1) return c.name;
  if (isSplit(c)) {
    if (typeof off === "number") return `${c.name}_${off}`;
    return pick(off, range(c.count).map((i) => `${c.name}_${i}`), `${c.name}_0`);
  }
  return `${c.name}[${off}]`;
}

export function cellWrite(c: Cell, off: Ix, value: string): PStmt[] {
  if (c.count === 1 || !isSplit(c) || typeof off === "number") return [assign(cellRead(c, off), value)];
  return [
    {
      k: "if",
      branches: range(c.count).map((i) => ({ guard: `(${off} == ${i})`, body: [assign(`${c.name}_${i}`, value)] })),
    },
  ];
}

export function viewOf(s: Store, off: Ix = 0): View {
  switch (s.k) {
    case "scalar":
      return scalar(cellRead(s.cell, off));
    case "option":
      return { k: "option", has: cellRead(s.has, off), of: viewOf(s.of, off) };
    case "set":
      return { k: "set", size: s.size, mem: (i) => cellRead(s.bits, offset(off, s.size, i)) };
    case "seq":
      return {
        k: "seq",
        cap: s.cap,
        len: cellRead(s.len, off),
        at: (j) => (typeof j === "number" && j >= s.cap ? scalar(s.elems.fill) : scalar(cellRead(s.elems, offset(off, s.cap, j)))),
      };
    case "map":
      return { k: "map", size: s.size, has: (i) => cellRead(s.has, offset(off, s.size, i)), val: (i) => viewOf(s.val, offset(off, s.size, i)) };
  }
}

/**
 * Stores a view canonically. The view must not read the target store (callers go through a
 * scratch copy when it might). A Seq longer than the store's capacity is truncated: callers
 * check bounds first.
 */
export function writeView(s: Store, off: Ix, v: View): PStmt[] {
  switch (s.k) {
    case "scalar":
      return cellWrite(s.cell, off, asScalarView(v));
    case "option": {
      if (v.k !== "option") throw new Error("internal: option store written from a non-option view");
      const has = cellRead(s.has, off);
      return [...cellWrite(s.has, off, v.has), ...writeGuarded(s.of, off, has, v.of, v.has)];
    }
    case "set": {
      if (v.k !== "set") throw new Error("internal: set store written from a non-set view");
      return range(s.size).flatMap((i) => cellWrite(s.bits, offset(off, s.size, i), v.mem(i)));
    }
    case "seq": {
      if (v.k !== "seq") throw new Error("internal: seq store written from a non-seq view");
      const len = cellRead(s.len, off);
      return [
        ...cellWrite(s.len, off, v.len),
        ...range(s.cap).flatMap((j) => cellWrite(s.elems, offset(off, s.cap, j), cond(`(${j} < ${len})`, asScalarView(v.at(j)), String(s.elems.fill)))),
      ];
    }
    case "map": {
      if (v.k !== "map") throw new Error("internal: map store written from a non-map view");
      return range(s.size).flatMap((i) => {
        const o = offset(off, s.size, i);
        const h = v.has(i);
        return [...cellWrite(s.has, o, h), ...writeGuarded(s.val, o, cellRead(s.has, o), v.val(i), h)];
      });
    }
  }
}

/** Writes `v` where `present` holds and the filler elsewhere (option payloads, map values). */
function writeGuarded(s: Store, off: Ix, presentCell: string, v: View, presentValue: string): PStmt[] {
  const present = presentValue === "1" || presentValue === "0" ? presentValue : presentCell;
  if (s.k === "scalar") return cellWrite(s.cell, off, cond(present, asScalarView(v), String(s.cell.fill)));
  return ifElse(present, writeView(s, off, v), writeEmpty(s, off));
}

/** The canonical empty value: false, none, empty collection, filler scalars. */
export function writeEmpty(s: Store, off: Ix): PStmt[] {
  switch (s.k) {
    case "scalar":
      return cellWrite(s.cell, off, String(s.cell.fill));
    case "option":
      return [...cellWrite(s.has, off, "0"), ...writeEmpty(s.of, off)];
    case "set":
      return range(s.size).flatMap((i) => cellWrite(s.bits, offset(off, s.size, i), "0"));
    case "seq":
      return [...cellWrite(s.len, off, "0"), ...range(s.cap).flatMap((j) => cellWrite(s.elems, offset(off, s.cap, j), String(s.elems.fill)))];
    case "map":
      return range(s.size).flatMap((i) => {
        const o = offset(off, s.size, i);
        return [...cellWrite(s.has, o, "0"), ...writeEmpty(s.val, o)];
      });
  }
}

function asScalarView(v: View): string {
  if (v.k !== "scalar") throw new Error(`internal: scalar store written from a ${v.k} view`);
  return v.e;
}

/** Promela declarations of the cells (state cells with their initial values). */
export function declare(c: Cell): string[] {
  const kw = c.hidden ? "hidden " : "";
  if (isSplit(c)) return range(c.count).map((i) => `${kw}${c.type} ${c.name}_${i} = ${c.init?.[i] ?? c.fill};`);
  const init = c.init === undefined ? "" : ` = ${c.init[0] ?? c.fill}`;
  return [`${kw}${c.type} ${c.name}${c.count === 1 ? "" : `[${c.count}]`}${init};`];
}

/**
 * Copies one canonical store into another of the same type (the working copy of a field and the
 * field itself); only Seq capacities may differ, and the source must fit the target.
 */
export function copyStore(dst: Store, src: Store, off: Ix = 0): PStmt[] {
  switch (dst.k) {
    case "scalar":
      return cellWrite(dst.cell, off, cellRead(same(src, dst).cell, off));
    case "option": {
      const s = same(src, dst);
      return [...cellWrite(dst.has, off, cellRead(s.has, off)), ...copyStore(dst.of, s.of, off)];
    }
    case "set": {
      const s = same(src, dst);
      return range(dst.size).flatMap((i) => cellWrite(dst.bits, offset(off, dst.size, i), cellRead(s.bits, offset(off, s.size, i))));
    }
    case "seq": {
      const s = same(src, dst);
      return [
        ...cellWrite(dst.len, off, cellRead(s.len, off)),
        ...range(dst.cap).flatMap((j) => cellWrite(dst.elems, offset(off, dst.cap, j), j < s.cap ? cellRead(s.elems, offset(off, s.cap, j)) : String(dst.elems.fill))),
      ];
    }
    case "map": {
      const s = same(src, dst);
      return range(dst.size).flatMap((i) => [...cellWrite(dst.has, offset(off, dst.size, i), cellRead(s.has, offset(off, s.size, i))), ...copyStore(dst.val, s.val, offset(off, dst.size, i))]);
    }
  }
}

function same<K extends Store["k"]>(s: Store, like: { readonly k: K }): Extract<Store, { k: K }> {
  if (s.k !== like.k) throw new Error(`internal: copying a ${s.k} store into a ${like.k} store`);
  return s as Extract<Store, { k: K }>;
}

// Dense codecs: for every spec type under a profile, a bijection between its values (collections
// bounded by maxCollectionSize, ids drawn from the profile's domains) and 0..size-1. States are
// keyed by combining these indexes, payloads are enumerated from them, and symmetry reduction
// renames the id values inside them.

import { intern, type Compound } from "../../kernel/intern.js";
import type { RecordValue, TypeDesc, Value } from "../../kernel/types.js";
import { describeType } from "../../kernel/types.js";
import { Binomials, sortPairs, sortPrefix } from "./binomial.js";
import { ExploreSetupError } from "./errors.js";
import type { IdSpace } from "./ids.js";
import { mixCode, type FeatureSink, type Renaming } from "./renaming.js";

/** Returned by `index` for a value outside the type (an int out of range, an unknown id or enum value). */
export const OUT_OF_DOMAIN = -1;
/** Returned by `index` for a collection larger than maxCollectionSize. */
export const OVER_BOUND = -2;

const MAX_SIZE = Number.MAX_SAFE_INTEGER;
const MAX_ELEMENTS = 1 << 20;

export interface Dense<V> {
  /** Number of values; index(v) is in 0..size-1. */
  readonly size: number;
  readonly hasIds: boolean;
  /** Set, Seq or Map. */
  readonly collection: boolean;
  readonly describe: string;
  /** The value's index, or OUT_OF_DOMAIN / OVER_BOUND. */
  index(v: V): number;
  value(i: number): V;
  /**
   * Reports every id occurrence in v with a context code that renaming ids does not change (where in
   * v it sits: a Seq position, the value next to a Map key...), so equal codes survive renaming.
   */
  idFeatures(v: V, code: number, sink: FeatureSink): void;
  /** v with every id value renamed. */
  rename(v: V, r: Renaming): V;
}

export interface DenseContext {
  readonly ids: IdSpace;
  readonly maxCollectionSize: number;
  /** Per-field bounds replacing maxCollectionSize (profile `collectionSizes`), by field name. */
  readonly collectionSizes?: Readonly<Record<string, number>>;
  /** Exploration bounds narrower than the declared int ranges (by int type name). */
  readonly intBounds?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

function checkSize(size: number, what: string): number {
  if (!(size <= MAX_SIZE)) {
    throw new ExploreSetupError(`${what} has more than 2^53 values under this profile; lower maxCollectionSize or the domains`);
  }
  return size;
}

/** The dense codec of a spec type. */
export function denseOf(t: TypeDesc, ctx: DenseContext): Dense<Value> {
  switch (t.kind) {
    case "bool":
      return boolDense();
    case "int":
      return intDense(t.min, t.max, t.name, ctx.intBounds?.[t.name]);
    case "enum":
      return enumDense(t.values, t.name);
    case "id":
      return idDense(t.name, ctx);
    case "option":
      return optionDense(denseOf(t.of, ctx));
    case "set":
      return setDense(denseOf(t.of, ctx), ctx.maxCollectionSize, describeType(t));
    case "seq":
      return seqDense(denseOf(t.of, ctx), ctx.maxCollectionSize, describeType(t)) as Dense<Value>;
    case "map":
      return mapDense(denseOf(t.key, ctx), denseOf(t.value, ctx), ctx.maxCollectionSize, describeType(t));
    case "record": {
      const names = t.fields.map((f) => f.name);
      const build = (items: readonly Value[]): Value => {
        const out: Record<string, Value> = {};
        names.forEach((n, i) => (out[n] = items[i] as Value));
        return intern(out);
      };
      return productDense(
        t.fields.map((f) => denseOf(f.type, ctx)),
        (v, i) => (v as RecordValue)[names[i] as string] as Value,
        build,
        t.name,
      );
    }
    case "tuple":
      return productDense(
        t.items.map((x) => denseOf(x, ctx)),
        (v, i) => (v as readonly Value[])[i] as Value,
        (items) => intern(items as Compound),
        describeType(t),
      );
  }
}

/** Records and tuples built by value(i) are kept (interned, so shared) up to this many per codec. */
const PRODUCT_MEMO = 1 << 16;

/**
 * A record or tuple: mixed radix over its parts' indexes (the first part most significant), so
 * index order is the order of the parts' indexes, part by part. Values are interned (kernel/intern.ts).
 */
function productDense(parts: readonly Dense<Value>[], read: (v: Value, i: number) => Value, build: (items: readonly Value[]) => Value, what: string): Dense<Value> {
  let size = 1;
  for (const p of parts) size = checkSize(size * p.size, what);
  const n = parts.length;
  const hasIds = parts.some((p) => p.hasIds);
  const memo = size <= PRODUCT_MEMO ? new Array<Value | undefined>(size) : null;
  const items = new Array<Value>(n);
  return {
    size,
    describe: what,
    hasIds,
    collection: false,
    index: (v) => {
      if (typeof v !== "object" || v === null) return OUT_OF_DOMAIN;
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const p = parts[i] as Dense<Value>;
        const ix = p.index(read(v, i));
        if (ix < 0) return ix;
        acc = acc * p.size + ix;
      }
      return acc;
    },
    value: (i) => {
      const known = memo?.[i];
      if (known !== undefined) return known;
      let r = i;
      for (let j = n - 1; j >= 0; j--) {
        const p = parts[j] as Dense<Value>;
        const d = r % p.size;
        items[j] = p.value(d);
        r = (r - d) / p.size;
      }
      const made = build(items);
      if (memo) memo[i] = made;
      return made;
    },
    idFeatures: (v, code, sink) => {
      for (let j = 0; j < n; j++) (parts[j] as Dense<Value>).idFeatures(read(v, j), mixCode(code, 16 + j), sink);
    },
    rename: (v, r) => (hasIds ? build(parts.map((p, j) => p.rename(read(v, j), r))) : v),
  };
}

/** The codec of one state field: its profile bound, if it has one, replaces maxCollectionSize inside it. */
export function fieldDense(name: string, t: TypeDesc, ctx: DenseContext): Dense<Value> {
  const own = ctx.collectionSizes?.[name];
  return denseOf(t, own === undefined ? ctx : { ...ctx, maxCollectionSize: own });
}

/** All values of a codec, in index order. */
export function allValues<V>(d: Dense<V>, limit: number): V[] {
  if (d.size > limit) throw new ExploreSetupError(`${d.describe} has ${d.size} values, too many to enumerate as a payload (limit ${limit})`);
  const out: V[] = [];
  for (let i = 0; i < d.size; i++) out.push(d.value(i));
  return out;
}

function noIds<V>(): Pick<Dense<V>, "hasIds" | "collection" | "idFeatures" | "rename"> {
  return { hasIds: false, collection: false, idFeatures: () => undefined, rename: (v: V) => v };
}

function boolDense(): Dense<Value> {
  return {
    size: 2,
    describe: "bool",
    index: (v) => (v === true ? 1 : v === false ? 0 : OUT_OF_DOMAIN),
    value: (i) => i === 1,
    ...noIds<Value>(),
  };
}

/** Values outside the declared range are out of domain; values outside a profile bound are over bound (pruned). */
function intDense(min: number, max: number, name: string, bound?: { readonly min: number; readonly max: number }): Dense<Value> {
  const lo = bound?.min ?? min;
  const hi = bound?.max ?? max;
  return {
    size: checkSize(hi - lo + 1, name),
    describe: `${name} (${lo}..${hi}${bound ? ` of ${min}..${max}` : ""})`,
    index: (v) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return OUT_OF_DOMAIN;
      return v < lo || v > hi ? OVER_BOUND : v - lo;
    },
    value: (i) => lo + i,
    ...noIds<Value>(),
  };
}

function enumDense(values: readonly string[], name: string): Dense<Value> {
  const index = new Map<Value, number>(values.map((v, i) => [v, i]));
  return {
    size: values.length,
    describe: name,
    index: (v) => index.get(v) ?? OUT_OF_DOMAIN,
    value: (i) => values[i] as string,
    ...noIds<Value>(),
  };
}

function idDense(type: string, ctx: DenseContext): Dense<Value> {
  const d = ctx.ids.domain(type);
  const index = d.index as ReadonlyMap<Value, number>;
  const lookup = (v: Value): number => index.get(v) ?? OUT_OF_DOMAIN;
  return {
    size: d.values.length,
    describe: `${type} (${d.values.length} values)`,
    hasIds: true,
    collection: false,
    index: lookup,
    value: (i) => d.values[i] as string,
    idFeatures: (v, code, sink) => {
      const i = lookup(v);
      if (i >= 0) sink(d.slot, i, code);
    },
    rename: (v, r) => {
      const i = lookup(v);
      return i >= 0 ? (d.values[r.to(d.slot, i)] as string) : v;
    },
  };
}

function optionDense(of: Dense<Value>): Dense<Value> {
  return {
    size: checkSize(of.size + 1, `Option<${of.describe}>`),
    describe: `Option<${of.describe}>`,
    hasIds: of.hasIds,
    collection: of.collection,
    index: (v) => {
      if (v === null) return 0;
      const i = of.index(v);
      return i < 0 ? i : i + 1;
    },
    value: (i) => (i === 0 ? null : of.value(i - 1)),
    idFeatures: (v, code, sink) => {
      if (v !== null) of.idFeatures(v, mixCode(code, 1), sink);
    },
    rename: (v, r) => (v === null ? null : of.rename(v, r)),
  };
}

function elementCount(of: Dense<unknown>, what: string): number {
  if (of.size > MAX_ELEMENTS) throw new ExploreSetupError(`${what}: element type ${of.describe} has too many values to explore`);
  return of.size;
}

/** Offsets of the blocks of each collection size, and the total. */
function blocks(count: number, blockSize: (k: number) => number, what: string): { offsets: Float64Array; size: number } {
  const offsets = new Float64Array(count + 1);
  for (let k = 0; k < count; k++) offsets[k + 1] = (offsets[k] as number) + blockSize(k);
  return { offsets, size: checkSize(offsets[count] as number, what) };
}

function blockOf(offsets: Float64Array, i: number): number {
  let k = 0;
  while (k + 2 < offsets.length && (offsets[k + 1] as number) <= i) k++;
  return k;
}

function setDense(of: Dense<Value>, maxSize: number, what: string): Dense<Value> {
  const n = elementCount(of, what);
  const m = Math.min(maxSize, n);
  const c = new Binomials(n, m);
  const { offsets, size } = blocks(m + 1, (k) => c.get(n, k), what);
  const e = new Float64Array(Math.max(1, m));
  return {
    size,
    describe: what,
    hasIds: of.hasIds,
    collection: true,
    index: (v) => {
      const s = v as ReadonlySet<Value>;
      const k = s.size;
      if (k > m) return OVER_BOUND;
      let len = 0;
      for (const x of s) {
        const i = of.index(x);
        if (i < 0) return i;
        e[len++] = i;
      }
      sortPrefix(e, len);
      return (offsets[k] as number) + c.rank(e, len);
    },
    value: (i) => {
      const k = blockOf(offsets, i);
      c.unrank(i - (offsets[k] as number), k, e);
      const out = new Set<Value>();
      for (let j = 0; j < k; j++) out.add(of.value(e[j] as number));
      return out;
    },
    idFeatures: (v, code, sink) => {
      const c = mixCode(code, 2);
      for (const x of v as ReadonlySet<Value>) of.idFeatures(x, c, sink);
    },
    rename: (v, r) => {
      if (!of.hasIds) return v;
      const out = new Set<Value>();
      for (const x of v as ReadonlySet<Value>) out.add(of.rename(x, r));
      return out;
    },
  };
}

export function seqDense<V>(of: Dense<V>, maxSize: number, what: string): Dense<readonly V[]> {
  const n = of.size;
  const powers: number[] = [1];
  for (let l = 1; l <= maxSize; l++) powers.push(checkSize((powers[l - 1] as number) * n, what));
  const { offsets, size } = blocks(maxSize + 1, (l) => powers[l] as number, what);
  return {
    size,
    describe: what,
    hasIds: of.hasIds,
    collection: true,
    index: (v) => {
      const l = v.length;
      if (l > maxSize) return OVER_BOUND;
      let acc = 0;
      for (let j = 0; j < l; j++) {
        const i = of.index(v[j] as V);
        if (i < 0) return i;
        acc = acc * n + i;
      }
      return (offsets[l] as number) + acc;
    },
    value: (i) => {
      const l = blockOf(offsets, i);
      let r = i - (offsets[l] as number);
      const out = new Array<V>(l);
      for (let j = l - 1; j >= 0; j--) {
        const d = r % n;
        out[j] = of.value(d);
        r = (r - d) / n;
      }
      return out;
    },
    idFeatures: (v, code, sink) => {
      for (let j = 0; j < v.length; j++) of.idFeatures(v[j] as V, mixCode(code, 3 + j), sink);
    },
    rename: (v, r) => (of.hasIds ? v.map((x) => of.rename(x, r)) : v),
  };
}

function mapDense(key: Dense<Value>, val: Dense<Value>, maxSize: number, what: string): Dense<Value> {
  const n = elementCount(key, what);
  const m = Math.min(maxSize, n);
  const c = new Binomials(n, m);
  const vn = val.size;
  const powers: number[] = [1];
  for (let k = 1; k <= m; k++) powers.push(checkSize((powers[k - 1] as number) * vn, what));
  const { offsets, size } = blocks(m + 1, (k) => c.get(n, k) * (powers[k] as number), what);
  const ks = new Float64Array(Math.max(1, m));
  const vs = new Float64Array(Math.max(1, m));
  return {
    size,
    describe: what,
    hasIds: key.hasIds || val.hasIds,
    collection: true,
    index: (v) => {
      const mp = v as ReadonlyMap<Value, Value>;
      const k = mp.size;
      if (k > m) return OVER_BOUND;
      let len = 0;
      for (const [kv, vv] of mp) {
        const ki = key.index(kv);
        if (ki < 0) return ki;
        const vi = val.index(vv);
        if (vi < 0) return vi;
        ks[len] = ki;
        vs[len] = vi;
        len++;
      }
      sortPairs(ks, vs, len);
      let acc = 0;
      for (let j = 0; j < len; j++) acc = acc * vn + (vs[j] as number);
      return (offsets[k] as number) + c.rank(ks, len) * (powers[k] as number) + acc;
    },
    value: (i) => {
      const k = blockOf(offsets, i);
      const r = i - (offsets[k] as number);
      const p = powers[k] as number;
      let acc = r % p;
      c.unrank((r - acc) / p, k, ks);
      const values = new Array<Value>(k);
      for (let j = k - 1; j >= 0; j--) {
        const d = acc % vn;
        values[j] = val.value(d);
        acc = (acc - d) / vn;
      }
      const out = new Map<Value, Value>();
      for (let j = 0; j < k; j++) out.set(key.value(ks[j] as number), values[j] as Value);
      return out;
    },
    idFeatures: (v, code, sink) => {
      // A key's code includes its value when renaming cannot change the value, and vice versa.
      for (const [kv, vv] of v as ReadonlyMap<Value, Value>) {
        key.idFeatures(kv, mixCode(code, val.hasIds ? -1 : val.index(vv)), sink);
        val.idFeatures(vv, mixCode(code, key.hasIds ? -2 : -3 - key.index(kv)), sink);
      }
    },
    rename: (v, r) => {
      const out = new Map<Value, Value>();
      for (const [kv, vv] of v as ReadonlyMap<Value, Value>) out.set(key.rename(kv, r), val.rename(vv, r));
      return out;
    },
  };
}

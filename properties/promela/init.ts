// Initial field values. Inits are constant expressions (evaluated by const.ts while exporting)
// and become declaration initialisers: the initial state exists before the first step, with no
// extra program counter value (and so no extra stored state).

import { PromelaUnsupportedError } from "./errors.js";
import type { ConstVal } from "./const.js";
import { mapCells, type Cell, type Store } from "./store.js";

/** The store with every cell's initial slot values attached. */
export function withInitial(store: Store, value: ConstVal): Store {
  const slots = new Map<string, number[]>();
  const slot = (c: Cell) => {
    let a = slots.get(c.name);
    if (!a) slots.set(c.name, (a = Array.from({ length: c.count }, () => c.fill)));
    return a;
  };
  const put = (c: Cell, off: number, v: number) => {
    slot(c)[off] = v;
  };
  const walk = (s: Store, off: number, v: ConstVal | undefined) => {
    switch (s.k) {
      case "scalar":
        slot(s.cell);
        if (v?.k === "scalar") put(s.cell, off, v.v);
        return;
      case "option":
        slot(s.has);
        if (v?.k === "some") put(s.has, off, 1);
        walk(s.of, off, v?.k === "some" ? v.v : undefined);
        return;
      case "set":
        slot(s.bits);
        if (v?.k === "set") for (const i of v.members) put(s.bits, off * s.size + i, 1);
        return;
      case "seq": {
        slot(s.len);
        slot(s.elems);
        const items = v?.k === "seq" ? v.items : [];
        if (items.length > s.cap) throw new PromelaUnsupportedError(`initial sequence has ${items.length} items, more than maxCollectionSize ${s.cap}`);
        put(s.len, off, items.length);
        items.forEach((x, j) => put(s.elems, off * s.cap + j, x));
        return;
      }
      case "map":
        slot(s.has);
        for (let i = 0; i < s.size; i++) {
          const entry = v?.k === "map" ? v.entries.get(i) : undefined;
          if (entry) put(s.has, off * s.size + i, 1);
          walk(s.val, off * s.size + i, entry);
        }
        return;
    }
  };
  walk(store, 0, value);
  return mapCells(store, (c) => ({ ...c, init: slots.get(c.name) ?? Array.from({ length: c.count }, () => c.fill) }));
}

import { describe, expect, it } from "vitest";
import { check, codes, withTransition } from "./helpers/spec.js";

const guard = (src: string) => withTransition({ guards: { g: src } });
const update = (...src: string[]) => withTransition({ updates: src });

describe("expression type checker", () => {
  it("accepts the base machine", () => {
    expect(check(withTransition({})).diagnostics).toEqual([]);
  });

  it.each([
    "n < 3 && !ids.contains(id)",
    "phase == Idle",
    "color == Green || color == Color.Red",
    "cur == none || cur.value == id",
    "cur.isSome && cur.value != id",
    "tries.containsKey(id) && tries.get(id).value < 3",
    "tries.getOr(id, 0) < 3",
    "all x in ids: x != id",
    "any x in tries: tries.get(x).value == 0",
    "lane.isEmpty || lane.head.value != id",
    "if n > 0 then n - 1 == 0 else true",
    "lane.size <= 2 && lane == [] || lane.contains(id)",
    "{id} == ids",
  ])("accepts guard %s", (src) => {
    expect(check(guard(src)).diagnostics).toEqual([]);
  });

  it.each([
    ["n", "type-mismatch"],
    ["n < true", "type-mismatch"],
    ["id == n", "type-mismatch"],
    ["color == Blue", "unknown-name"],
    ["cur.value == id", "option-unproven"],
    ["cur.isSome || cur.value == id", "option-unproven"],
    ["tries.get(id).value < 3", "option-unproven"],
    ["lane.head.value == id", "option-unproven"],
    ["ids.containsKey(id)", "unknown-method"],
    ["tries.contains(id)", "unknown-method"],
    ["ids.size()", "unknown-method"],
    ["nope == 1", "unknown-name"],
    ["none == none", "type-mismatch"],
    ["all x in n: true", "type-mismatch"],
    ["all id in ids: true", "binding-shadows-field"],
    ["Color.Blue == color", "unknown-name"],
    ["some(some(id)) == cur", "type-mismatch"],
  ])("rejects guard %s (%s)", (src, code) => {
    expect(codes(guard(src))).toEqual([code]);
  });

  it("points at the offending part of the expression", () => {
    const d = check(guard("n < 3 && cur.value == id")).diagnostics[0];
    expect(d?.expr).toEqual({ source: "n < 3 && cur.value == id", start: 9, end: 18 });
    expect(d?.pointer).toBe("/transitions/0/guards/g");
    expect(d?.line).toBeGreaterThan(1);
  });

  it("suggests the closest name", () => {
    expect(check(guard("nn < 3")).diagnostics[0]?.hint).toContain('"n"');
  });

  it.each([
    [["n = n + 1"], "int-overflow"],
    [["n = 4"], "int-overflow"],
    [["n = n - 1"], "int-overflow"],
    [["tries.put(id, tries.getOr(id, 0) + 1)"], "int-overflow"],
    [["cur = id"], "type-mismatch"],
    [["ids.push(id)"], "bad-update"],
    [["phase = Busy"], "bad-update"],
    [["n.add(id)"], "bad-update"],
    [["lane.popFront(id)"], "bad-update"],
    [["missing = 1"], "unknown-field"],
    [["ids.add(lane.last.value)"], "option-unproven"],
  ])("rejects updates %j (%s)", (src, code) => {
    expect(codes(update(...src))).toEqual([code]);
  });

  it("proves ranges and options from guards, conditions and earlier updates", () => {
    const ok = [
      withTransition({ guards: { room: "n < 3" }, updates: ["n = n + 1"] }),
      withTransition({ guards: { room: "tries.getOr(id, 0) < 3" }, updates: ["tries.put(id, tries.getOr(id, 0) + 1)"] }),
      update("if n < 3 { n = n + 1 }"),
      update("n = if n < 3 then n + 1 else n"),
      update("cur = some(id)", "if cur.isSome { ids.add(cur.value) }"),
      update("for x in ids { tries.put(x, 0) }", "ids.clear()", "lane.push(id)", "lane.popFront()", "lane.remove(id)"),
      withTransition({ guards: { positive: "n > 0" }, updates: ["n = n - 1"] }),
      withTransition({ guards: { has: "cur.isSome" }, updates: ["ids.add(cur.value)", "cur = none"] }),
    ];
    for (const m of ok) expect(check(m).diagnostics).toEqual([]);
  });

  it("forgets what it knew about a field once an update writes it", () => {
    expect(codes(withTransition({ guards: { has: "cur.isSome" }, updates: ["cur = none", "ids.add(cur.value)"] }))).toEqual(["option-unproven"]);
    expect(codes(withTransition({ guards: { room: "n < 3" }, updates: ["n = n + 1", "n = n + 1"] }))).toEqual(["int-overflow"]);
  });

  it("types effect payloads against the post-update state", () => {
    const m = withTransition(
      { updates: ["cur = some(id)"], emit: [{ effect: "Started", id: "cur.value", count: "n" }] },
      { effects: { Started: { id: "Id", count: "Small" } } },
    );
    expect(check(m).diagnostics).toEqual([]);
    const missing = withTransition({ emit: [{ effect: "Started", id: "id" }] }, { effects: { Started: { id: "Id", count: "Small" } } });
    expect(codes(missing)).toEqual(["effect-missing-field"]);
    const extra = withTransition({ emit: [{ effect: "Started", id: "id", count: "n", more: "1" }] }, { effects: { Started: { id: "Id", count: "Small" } } });
    expect(codes(extra)).toEqual(["effect-extra-field"]);
  });

  it("collects every error, not just the first", () => {
    const m = withTransition({ guards: { a: "nope", b: "n < true" }, updates: ["zzz = 1"], to: "Nowhere" });
    expect(codes(m).sort()).toEqual(["type-mismatch", "unknown-field", "unknown-name", "unknown-phase"]);
  });
});

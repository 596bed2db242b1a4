// Named id constants (`"constants": { "Root": "NodeId" }`): checked names, generated literals, and
// an explorer that keeps each constant a fixed id which symmetry reduction never renames.

import { describe, expect, it } from "vitest";
import type { AnyKernel, AnyState } from "../kernel/descriptor.js";
import { exploreMachine, machineSystem } from "../properties/explorer/index.js";
import { selectProfile } from "../properties/explorer/profile.js";
import { initialState, tokenTourKernel } from "../generated/examples/token-tour.machine.js";
import { baseMachine, check } from "./helpers/spec.js";

const kernel = tokenTourKernel as unknown as AnyKernel;

/** Every reachable state of TokenTour (no reduction), as [holder, sorted visited]. */
function reachable(): [string, string[]][] {
  const sys = machineSystem(kernel, selectProfile("TokenTour", kernel.profiles, "plain"));
  const key = (s: AnyState) => JSON.stringify([s["holder"], [...(s["visited"] as ReadonlySet<string>)].sort()]);
  const seen = new Map<string, AnyState>();
  let level = [...sys.initialStates()];
  for (const s of level) seen.set(key(s), s);
  while (level.length > 0) {
    const next: AnyState[] = [];
    for (const s of level) {
      for (let c = sys.choicesFrom(s); c < sys.choicesTo(s); c++) {
        const r = sys.step(s, c);
        if (!r.ok || seen.has(key(r.state))) continue;
        seen.set(key(r.state), r.state);
        next.push(r.state);
      }
    }
    level = next;
  }
  return [...seen.keys()].map((k) => JSON.parse(k) as [string, string[]]);
}

/** Orbits of the states under the given renamings of the three node values. */
function orbits(states: [string, string[]][], renamings: Record<string, string>[]): number {
  const canon = new Set<string>();
  for (const [h, v] of states) {
    const forms = renamings.map((m) => JSON.stringify([m[h], v.map((x) => m[x] as string).sort()]));
    canon.add(forms.sort()[0] as string);
  }
  return canon.size;
}

describe("id constants in the explorer", () => {
  const values = ["Root", "NodeId#2", "NodeId#3"];
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map((p) => Object.fromEntries(values.map((v, i) => [v, values[p[i] as number] as string])));
  const fixingRoot = perms.filter((m) => m["Root"] === "Root");

  it("a constant takes the first value of its type's domain", () => {
    expect(initialState().holder).toBe("Root");
    expect(reachable().map(([h]) => h)).toContain("NodeId#3");
  });

  it("symmetry keeps Root fixed: 5 states, the orbits of renamings that fix it (renaming Root too would give 3)", () => {
    const states = reachable();
    expect(states).toHaveLength(8);
    expect(exploreMachine(kernel, { profile: "plain" }).distinctStates).toBe(8);
    expect(orbits(states, fixingRoot)).toBe(5);
    expect(orbits(states, perms)).toBe(3);
    const sym = exploreMachine(kernel, { profile: "ci" });
    expect(sym.ok).toBe(true);
    expect(sym.distinctStates).toBe(5);
    // The refined canonicalizer (used for larger domains) keeps it fixed as well.
    expect(exploreMachine(kernel, { profile: "ci", canonical: { fullLimit: 1 } }).distinctStates).toBe(5);
  });
});

describe("checking id constants", () => {
  const probe = (constants: Record<string, string>, over: (m: ReturnType<typeof baseMachine>) => void = () => {}) => {
    const m = { ...baseMachine(), constants };
    over(m);
    return check(m).diagnostics.map((d) => [d.code, d.pointer]);
  };
  it("a constant is a value of its id type, in expressions and initial values", () => {
    expect(
      probe({ Boss: "Id" }, (m) => {
        (m.state.fields as Record<string, unknown>)["cur"] = { type: "Option<Id>", init: "some(Boss)" };
        m.invariants = { boss_known: "cur == some(Boss) || cur.isNone || cur != some(Boss)" };
      }),
    ).toEqual([]);
  });
  it("locates a constant of a non-id type, of an unknown type, one with a field's name and a too small domain", () => {
    expect(probe({ Boss: "Color" })).toEqual([["type-mismatch", "/constants/Boss"]]);
    expect(probe({ Boss: "Nope" })).toEqual([["unknown-type", "/constants/Boss"]]);
    expect(probe({ n: "Id" })).toEqual([["duplicate-name", "/constants/n"]]);
    expect(probe({ A: "Id", B: "Id", C: "Id" })).toEqual([["bad-profile", "/check/profiles/ci/domains/Id"]]);
  });
  it("a constant compared with an id of another type is a type mismatch", () => {
    const d = probe({ Boss: "Id" }, (m) => {
      m.types = { ...m.types, Other: { kind: "id" } };
      m.inputs = { ...m.inputs, Poke: { who: "Other" } };
      m.transitions = [...m.transitions, { name: "Poked", from: ["Busy"], on: "Poke", guards: { boss: "who == Boss" } }];
      m.check = { profiles: { ci: { domains: { Id: 2, Other: 2 } } } };
    });
    expect(d.map(([c]) => c)).toContain("type-mismatch");
  });
});

describe("the SPIN export", () => {
  it("refuses an id constant with its JSON pointer", async () => {
    const { exportPromela, PromelaUnsupportedError } = await import("../properties/promela/index.js");
    const m = { ...baseMachine(), constants: { Boss: "Id" } };
    m.transitions = [{ name: "Start", from: ["Idle"], on: "Go", guards: { boss: "id == Boss" }, to: "Busy" }, ...m.transitions.slice(1)];
    const checked = check(m);
    if (!checked.model) throw new Error(JSON.stringify(checked.diagnostics));
    let error: unknown = null;
    try {
      exportPromela(checked.model, "ci");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PromelaUnsupportedError);
    expect((error as InstanceType<typeof PromelaUnsupportedError>).pointer).toBe("/transitions/0/guards");
    expect((error as Error).message).toContain("the id constant Boss is not translated");
  });
});

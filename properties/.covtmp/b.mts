import { Driver } from "../conformance/driver.js";
import { World } from "../conformance/world.js";
import type { Step } from "../conformance/steps.js";
const p = (id: string) => ({ kind: "prompt" as const, id, durability: "Durable" as const, source: "natural" as const });
const seqs: Step[][] = [
  [{ op: "bindLocal", s: 0 }, { op: "abortMode", mode: "ignore" }, { op: "accept", s: 0, mode: "plain", input: p("i1") }, { op: "interrupt", s: 0, run: "default" }, { op: "boundary", call: 0 }],
  [{ op: "bindLocal", s: 0 }, { op: "abortMode", mode: "ignore" }, { op: "accept", s: 0, mode: "plain", input: p("i1") }, { op: "destroy", s: 0, fence: "none" }, { op: "boundary", call: 0 }],
  [{ op: "bindLocal", s: 0 }, { op: "abortMode", mode: "ignore" }, { op: "accept", s: 0, mode: "plain", input: p("i1") }, { op: "reset", s: 0 }, { op: "boundary", call: 0 }],
  [{ op: "bindLocal", s: 0 }, { op: "abortMode", mode: "ignore" }, { op: "accept", s: 0, mode: "plain", input: p("i1") }, { op: "cancel", s: 0, run: "default" }, { op: "boundary", call: 0 }, { op: "boundary", call: 0 }],
];
for (const steps of seqs) {
  const world = new World({ sessions: ["s1", "s2"] });
  await world.start();
  const d = new Driver(["s1", "s2"], world);
  try {
    for (const s of steps) if (d.model.applicable(s)) await d.run(s);
    console.log("ok", JSON.stringify([...world.handles].slice(-2)), world.calls.length);
  } catch (e) { console.log("FAIL", (e as Error).message.slice(0, 800)); }
  await world.dispose();
}

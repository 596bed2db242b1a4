// Emits one policy module: a string-literal union per column, InputKind and HandlingMode, the
// PolicyDecision type (columns plus the derived admission facts) and resolvePolicy(), a lookup in
// a frozen table with one entry per (kind, runtime state, handling mode); then the input types and
// schema (input-types.ts) and the other admission facts (policy-facts.ts).

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { inputStatements } from "./input-types.js";
import { policyFactStatements } from "./policy-facts.js";
import { POLICY_ENUM_COLUMNS, POLICY_MODES, POLICY_STATES, type PolicyEnumColumn, type PolicyModel } from "../model.js";
import { fill, list, object, packedList, render } from "./layout.js";

/** Type name of each column's union. */
const COLUMN_TYPES: Readonly<Record<PolicyEnumColumn, string>> = {
  applyMode: "ApplyMode",
  wakeMode: "WakeMode",
  queueMode: "QueueMode",
  consumePoint: "ConsumePoint",
  drainPolicy: "DrainPolicy",
  routingDisposition: "RoutingDisposition",
};

const union = (values: readonly string[]) => fill(values.map((v) => JSON.stringify(v)), " | ", 120);

function upperSnake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

export function policyStatements(p: PolicyModel): StatementStructures[] {
  const body: StatementStructures[] = [];
  const alias = (name: string, type: string, docs: string[]) => body.push({ kind: StructureKind.TypeAlias, isExported: true, name, type, docs: [docs.join("\n")] });
  const adm = p.admission;

  body.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [`Version of the ${p.name} policy table; stamped on every decision.`],
    declarations: [{ name: "POLICY_VERSION", initializer: String(p.version) }],
  });
  alias("InputKind", union(p.kinds.map((k) => k.name)), ["An input kind: the policy key.", "", ...p.kinds.map((k) => `- \`${k.name}\`: ${k.description}`)]);
  alias("HandlingMode", union(POLICY_MODES.filter((m) => m !== "none")), ["An explicit handling mode carried by the input (`null` when it carries none)."]);
  alias("RuntimeState", union(POLICY_STATES), ["idle: the session is Idle or Attached; running: a run is in flight."]);
  for (const c of POLICY_ENUM_COLUMNS) {
    const col = p.columns[c];
    alias(COLUMN_TYPES[c], union(col.values.map((v) => v.name)), [...(col.description ? [col.description, ""] : []), ...col.values.map((v) => `- \`${v.name}\`: ${v.description}`)]);
  }
  alias("Lane", union(adm.lane.values), [`The ${adm.machine} machine's ${adm.lane.type} enum (${adm.machineFile}): the lane an admitted input joins.`]);
  alias("AdmissionClass", union(adm.class.values), [`The ${adm.machine} machine's ${adm.class.type} enum (${adm.machineFile}): what the input may do to the loop.`]);

  const fields: [string, string, string][] = [
    ...POLICY_ENUM_COLUMNS.map((c): [string, string, string] => [c, COLUMN_TYPES[c], p.columns[c].description ?? ""]),
    ["recordTranscript", "boolean", p.recordTranscriptDescription],
    ["emitOperatorContent", "boolean", "Whether operator-visible content is emitted (equals recordTranscript)."],
    ["policyVersion", "typeof POLICY_VERSION", "The policy version that produced the decision."],
    ["lane", "Lane", `Derived: the lane (\`${adm.trigger}.${adm.lane.field}\`), from the routing disposition.`],
    [
      "admission",
      "AdmissionClass",
      `Derived: the admission class (\`${adm.trigger}.${adm.class.field}\`), from an explicit ${Object.keys(adm.class.byMode).join("/") || "(no)"} handling mode, else from the wake mode.`,
    ],
    ["enqueueFront", "boolean", adm.front ? `Derived: enqueue at the front of the lane (\`${adm.trigger}.${adm.front.field}\`), for queue mode ${adm.front.queueModes.join(" or ")}.` : "Derived: always false (no front field)."],
    ["consumeOnAccept", "boolean", `Derived: consumed on accept and never queued (apply mode ${adm.consumeOnAccept.applyModes.join("/")} with consume point ${adm.consumeOnAccept.consumePoints.join("/")}).`],
    [
      "drivesLoop",
      "boolean",
      `Derived: may start a run by itself (wake mode ${adm.drivesLoop.wakeModes.join("/") || "(none)"} or drain policy ${adm.drivesLoop.drainPolicies.join("/") || "(none)"}${adm.drivesLoop.judgedAs === "idle" ? ", judged on the idle cell" : ""}).`,
    ],
  ];
  alias("PolicyDecision", `{\n${fields.map(([name, type, doc]) => `${doc ? `  /** ${doc} */\n` : ""}  readonly ${name}: ${type};`).join("\n")}\n}`, [
    "What the policy table decided for one input, plus the admission facts derived from it.",
  ]);
  alias("PolicyResolution", "{ readonly ok: true; readonly decision: PolicyDecision } | { readonly ok: false; readonly reason: string }", [
    "A decision, or an explicit rejection with its reason.",
  ]);

  const constArray = (name: string, type: string, values: readonly string[], doc: string) =>
    body.push({
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [doc],
      declarations: [{ name, type: `readonly ${type}[]`, initializer: render(packedList(list("Object.freeze([", values.map((v) => JSON.stringify(v)), "])")), 0, 40) }],
    });
  body.push(...inputStatements(p));
  constArray("INPUT_KINDS", "InputKind", p.kinds.map((k) => k.name), "Every input kind, in table order.");
  constArray("HANDLING_MODES", "HandlingMode", ["Queue", "Steer"], "Every explicit handling mode.");

  // One frozen constant per distinct outcome, then the table refers to them.
  const constants = outcomeConstants(p);
  const table = p.kinds.map((k) => {
    const states = POLICY_STATES.map((s) => {
      const modes = POLICY_MODES.map((m) => `${m}: ${constants.ref(k.name, s, m)}`);
      return `  ${s}: { ${modes.join(", ")} },`;
    });
    return `${k.name}: {\n${states.join("\n")}\n},`;
  });
  body.push({
    kind: StructureKind.Function,
    name: "decided",
    docs: ["A cell that admits the input, frozen: cells with the same outcome share one constant."],
    parameters: [{ name: "decision", type: "PolicyDecision" }],
    returnType: "PolicyResolution",
    statements: ["return Object.freeze({ ok: true, decision: Object.freeze(decision) });"],
  });
  for (const c of constants.list) {
    body.push({
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      docs: [`${c.what}: ${c.cells === 1 ? "1 cell" : `${c.cells} cells`} (rows ${[...c.rows].join(", ")}).`],
      declarations: [{ name: c.name, type: "PolicyResolution", initializer: c.init }],
    });
  }
  body.push({
    kind: StructureKind.VariableStatement,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["Every cell: kind → runtime state → handling mode (`none`: the input carries none)."],
    declarations: [
      {
        name: "TABLE",
        type: "{ readonly [K in InputKind]: { readonly [S in RuntimeState]: { readonly [M in HandlingMode | \"none\"]: PolicyResolution } } }",
        initializer: `{\n${table.join("\n")}\n}`,
      },
    ],
  });

  body.push({
    kind: StructureKind.Function,
    isExported: true,
    name: "isInputKind",
    docs: ["Whether a string is one of the input kinds."],
    parameters: [{ name: "value", type: "string" }],
    returnType: "value is InputKind",
    statements: ["return (INPUT_KINDS as readonly string[]).includes(value);"],
  });
  body.push({
    kind: StructureKind.Function,
    isExported: true,
    name: "resolvePolicy",
    docs: [
      `Resolves the ${p.name} policy (version ${p.version}) for one input: its kind, whether the runtime is idle (Idle or Attached),\nand its explicit handling mode (null for none). A lookup in the generated table; never throws.`,
    ],
    parameters: [
      { name: "kind", type: "InputKind" },
      { name: "runtimeIdle", type: "boolean" },
      { name: "handlingMode", type: "HandlingMode | null" },
    ],
    returnType: "PolicyResolution",
    statements: [
      [
        "// Callers outside the type system (decoded JSON) get a rejection, not a crash.",
        "if (!isInputKind(kind)) return { ok: false, reason: `unknown input kind ${JSON.stringify(kind)}` };",
        "if (handlingMode !== null && handlingMode !== \"Queue\" && handlingMode !== \"Steer\") {",
        "  return { ok: false, reason: `unknown handling mode ${JSON.stringify(handlingMode)}` };",
        "}",
        'return TABLE[kind][runtimeIdle ? "idle" : "running"][handlingMode ?? "none"];',
      ].join("\n"),
    ],
  });
  body.push(...policyFactStatements(p));
  return body;
}

interface OutcomeConstant {
  name: string;
  readonly init: string;
  /** The decision (or rejection) in words. */
  readonly what: string;
  /** The table rows whose cells resolve to it. */
  readonly rows: Set<string>;
  cells: number;
  readonly base: string;
  readonly admission: string | null;
}

/**
 * The distinct outcomes of the table as frozen constants, named after their decision (or the kind
 * they reject); a decision admitted in several ways gets the admission class as a suffix.
 */
function outcomeConstants(p: PolicyModel): { list: readonly OutcomeConstant[]; ref(kind: string, state: string, mode: string): string } {
  const byInit = new Map<string, OutcomeConstant>();
  const byCell = new Map<string, OutcomeConstant>();
  for (const cell of p.cells) {
    const o = cell.outcome;
    let init: string;
    let base: string;
    if (o.ok) {
      const d = p.decisions.find((x) => x.name === o.decision);
      if (!d) throw new Error(`unknown decision ${o.decision}`);
      base = upperSnake(d.name);
      const decision = [
        ...POLICY_ENUM_COLUMNS.map((c) => `${c}: ${JSON.stringify(d[c])}`),
        `recordTranscript: ${d.recordTranscript}`,
        `emitOperatorContent: ${d.recordTranscript}`,
        "policyVersion: POLICY_VERSION",
        `lane: ${JSON.stringify(o.derived.lane)}`,
        `admission: ${JSON.stringify(o.derived.admission)}`,
        `enqueueFront: ${o.derived.enqueueFront}`,
        `consumeOnAccept: ${o.derived.consumeOnAccept}`,
        `drivesLoop: ${o.derived.drivesLoop}`,
      ];
      init = `decided(${render({ open: "{ ", close: " }", items: decision, pack: true }, 0, 40)})`;
    } else {
      base = `REJECT_${upperSnake(cell.kind)}`;
      init = `Object.freeze(${render(object([["ok", "false"], ["reason", JSON.stringify(o.reason)]]), 0, 60)})`;
    }
    let c = byInit.get(init);
    if (!c) {
      const what = o.ok ? `Decision \`${o.decision}\`, admitted as ${o.derived.admission} into the ${o.derived.lane} lane` : `Rejection: ${o.reason}`;
      c = { name: base, init, what, rows: new Set(), cells: 0, base, admission: o.ok ? o.derived.admission : null };
      byInit.set(init, c);
    }
    // Which cells share the constant is TABLE's to say; the doc names only the rows behind it.
    c.rows.add(cell.row);
    c.cells++;
    byCell.set(`${cell.kind} ${cell.state} ${cell.mode}`, c);
  }
  const list = [...byInit.values()];
  const taken = new Set<string>();
  for (const c of list) {
    const shared = list.filter((o) => o.base === c.base).length > 1;
    let name = shared && c.admission !== null ? `${c.base}_AS_${upperSnake(c.admission)}` : c.base;
    for (let n = 2; taken.has(name); n++) name = `${c.base}_${n}`;
    taken.add(name);
    c.name = name;
  }
  return {
    list,
    ref(kind, state, mode) {
      const c = byCell.get(`${kind} ${state} ${mode}`);
      if (!c) throw new Error(`missing cell ${kind} ${state} ${mode}`);
      return c.name;
    },
  };
}

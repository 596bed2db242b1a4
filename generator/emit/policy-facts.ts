// Emits the admission facts a policy declares beyond its table: the Boundary, ExecutionKind,
// ApplyIntent and reject-code unions, their per-kind lookup tables, the semantic rejections
// (admissionRejection), the default handling mode, and the two decision overrides. The runtime
// imports these instead of restating them.

import { StructureKind, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { object, packedList, render } from "./layout.js";
import type { OverrideSet, PerKindFact, PolicyModel, PolicyRejectionModel } from "../model.js";

const union = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(" | ");
const or = (terms: readonly string[]) => (terms.length === 1 ? (terms[0] as string) : `(${terms.join(" ||\n")})`);

/** Wraps prose to lines of at most `width` characters (generated doc comments stay readable). */
export function wrap(text: string, width = 110): string {
  return text
    .split("\n")
    .map((para) => {
      const lines: string[] = [];
      let line = "";
      for (const word of para.split(" ")) {
        if (line !== "" && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else line = line === "" ? word : `${line} ${word}`;
      }
      lines.push(line);
      return lines.join("\n");
    })
    .join("\n");
}

/** Every reject code the policy can produce: its rejections' and its table-rejection codes. */
export function rejectCodes(p: PolicyModel): string[] {
  const a = p.admission;
  return [...new Set([...a.rejections.map((r) => r.code), a.policyRejection.code, ...Object.values(a.policyRejection.byKind)])];
}

/** A detail template as a template literal: {kind} and {source} become the input's. */
function detailLiteral(detail: string): string {
  const escaped = detail.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${");
  return `\`${escaped.replace(/\{kind\}/g, "${input.kind}").replace(/\{source\}/g, "${input.header.source.kind}")}\``;
}

function rejectionCheck(r: PolicyRejectionModel): string {
  const terms: string[] = [];
  if (r.kinds) terms.push(or(r.kinds.map((k) => `input.kind === ${JSON.stringify(k)}`)));
  if (r.durabilities) terms.push(or(r.durabilities.map((d) => `input.header.durability === ${JSON.stringify(d)}`)));
  if (r.sources) terms.push(or(r.sources.map((s) => `input.header.source.kind === ${JSON.stringify(s)}`)));
  if (r.handlingModeGiven === true) terms.push("input.header.handlingMode !== undefined");
  if (r.handlingModeGiven === false) terms.push("input.header.handlingMode === undefined");
  if (r.blank !== undefined) terms.push(`input.${r.blank}.trim() === ""`);
  const cond = terms.length === 0 ? "true" : terms.join(" &&\n");
  // On one line when it fits (the function body is indented by 2), else one operand per line.
  const flat = cond.replace(/\n/g, " ");
  const test = 2 + `if (${flat}) {`.length <= 150 ? `if (${flat}) {` : `if (\n${cond}\n) {`;
  return `// ${r.name}${r.description ? `: ${r.description}` : ""}\n${test}\nreturn { code: ${JSON.stringify(r.code)}, detail: ${detailLiteral(r.detail)} };\n}`;
}

function overrideBody(set: OverrideSet): string {
  const fields = Object.entries(set).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `return { ...decision, ${fields.join(", ")} };`;
}

export function policyFactStatements(p: PolicyModel): StatementStructures[] {
  const a = p.admission;
  const body: StatementStructures[] = [];
  const alias = (name: string, type: string, docs: string) => body.push({ kind: StructureKind.TypeAlias, isExported: true, name, type, docs: [docs] });
  const values = (vs: readonly { name: string; description: string }[]) => vs.map((v) => `- \`${v.name}\`: ${v.description}`).join("\n");
  const table = (name: string, type: string, entries: readonly [string, string][], doc: string) =>
    body.push({
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      docs: [doc],
      // Short entries of one table: packed several to a line, in key order.
      declarations: [{ name, type, initializer: render(packedList(object(entries)), 0, `const ${name}: ${type} = `.length) }],
    });
  const fn = (name: string, docs: string, parameters: { name: string; type: string }[], returnType: string, statements: string) =>
    body.push({ kind: StructureKind.Function, isExported: true, name, docs: [wrap(docs)], parameters, returnType, statements: [statements] });

  alias("Boundary", union(a.boundary.values.map((v) => v.name)), `${a.boundary.description ?? "The boundary a contributor needs."}\n\n${values(a.boundary.values)}`);
  const perKind = (typeName: string, f: PerKindFact) => alias(typeName, union(f.values.map((v) => v.name)), `${f.description ?? typeName}\n\n${values(f.values)}`);
  perKind("ExecutionKind", a.executionKind);
  perKind("ApplyIntent", a.applyIntent);
  alias("AdmissionRejectCode", union(rejectCodes(p)), "Why admission rejected an input: the codes of the policy's rejections and of a table rejection.");
  alias("AdmissionRejection", "{ readonly code: AdmissionRejectCode; readonly detail: string }", "A rejected input's reason.");

  table("BOUNDARY_BY_APPLY", "{ readonly [A in ApplyMode]: Boundary }", Object.entries(a.boundary.byApply).map(([k, v]) => [k, JSON.stringify(v)]), "The boundary for every apply mode.");
  const kinds = p.kinds.map((k) => k.name);
  const kindTable = (name: string, type: string, valueOf: (k: string) => string, doc: string) => table(name, `{ readonly [K in InputKind]: ${type} }`, kinds.map((k) => [k, valueOf(k)]), doc);
  kindTable("EXECUTION_KIND", "ExecutionKind", (k) => JSON.stringify(a.executionKind.byKind[k] ?? a.executionKind.default), "The execution kind of every input kind.");
  kindTable("APPLY_INTENT", "ApplyIntent", (k) => JSON.stringify(a.applyIntent.byKind[k] ?? a.applyIntent.default), "The apply intent of every input kind.");
  kindTable("DEFAULT_HANDLING_MODE", "HandlingMode | null", (k) => JSON.stringify(a.defaultHandlingMode.byKind[k] ?? null), "The handling mode of every input kind when it carries none.");
  kindTable("POLICY_REJECT_CODE", "AdmissionRejectCode", (k) => JSON.stringify(a.policyRejection.byKind[k] ?? a.policyRejection.code), "The reject code of a table rejection, per input kind.");

  fn("boundaryOf", "The boundary a contributor with this apply mode needs.", [{ name: "applyMode", type: "ApplyMode" }], "Boundary", "return BOUNDARY_BY_APPLY[applyMode];");
  const dl = a.drivesLoop;
  const driveTerms = [...dl.wakeModes.map((w) => `decision.wakeMode === ${JSON.stringify(w)}`), ...dl.drainPolicies.map((d) => `decision.drainPolicy === ${JSON.stringify(d)}`)];
  fn(
    "drivesLoopOf",
    `Whether a decision with these columns may start a run by itself (the rule behind \`PolicyDecision.drivesLoop\`, for decisions stored without it).${dl.description ? ` ${dl.description}` : ""}`,
    [{ name: "decision", type: "Pick<PolicyDecision, \"wakeMode\" | \"drainPolicy\">" }],
    "boolean",
    `return ${driveTerms.length === 0 ? "false" : driveTerms.join(" ||\n")};`,
  );
  fn("executionKindOf", "How a batch of this kind executes.", [{ name: "kind", type: "InputKind" }], "ExecutionKind", "return EXECUTION_KIND[kind];");
  fn("applyIntentOf", "What applying an input of this kind asks.", [{ name: "kind", type: "InputKind" }], "ApplyIntent", "return APPLY_INTENT[kind];");
  fn(
    "effectiveHandlingMode",
    `The handling mode the table is resolved with: the input's own, else its kind's default.${a.defaultHandlingMode.description ? ` ${a.defaultHandlingMode.description}` : ""}`,
    [{ name: "input", type: "Input" }],
    "HandlingMode | null",
    "return input.header.handlingMode ?? DEFAULT_HANDLING_MODE[input.kind];",
  );
  fn(
    "admissionRejection",
    "The first semantic rejection that matches the input (checked before the table), or null.",
    [{ name: "input", type: "Input" }],
    "AdmissionRejection | null",
    [...a.rejections.map(rejectionCheck), "return null;"].join("\n"),
  );
  fn(
    "policyRejection",
    "The typed reason for a rejection by the table (or a custom resolver) of an input of this kind.",
    [
      { name: "kind", type: "InputKind" },
      { name: "reason", type: "string" },
    ],
    "AdmissionRejection",
    "return { code: POLICY_REJECT_CODE[kind], detail: reason };",
  );
  const silent = a.overrides.silentIntent;
  fn(
    "silentIntentOf",
    `The intent an input may have registered as silent (field \`${silent.field}\` of ${silent.kinds.join(", ")}), or null.`,
    [{ name: "input", type: "Input" }],
    "string | null",
    `return ${or(silent.kinds.map((k) => `input.kind === ${JSON.stringify(k)}`))} ? input.${silent.field} : null;`,
  );
  fn("silentIntentDecision", silent.description ?? "The decision for an input whose intent is silent.", [{ name: "decision", type: "PolicyDecision" }], "PolicyDecision", overrideBody(silent.set));
  fn(
    "withoutWakeDecision",
    a.overrides.withoutWake.description ?? "The decision for an input accepted without a wake.",
    [{ name: "decision", type: "PolicyDecision" }],
    "PolicyDecision",
    overrideBody(a.overrides.withoutWake.set),
  );
  return body;
}

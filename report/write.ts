// Writes a report page to a file, creating its directory, and says how big it is.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { buildReport, type ReportInputs } from "./build.js";

export interface WrittenReport {
  readonly file: string;
  readonly bytes: number;
}

export async function writeReport(file: string, inputs: ReportInputs): Promise<WrittenReport> {
  const { html } = await buildReport(inputs);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
  return { file, bytes: Buffer.byteLength(html) };
}

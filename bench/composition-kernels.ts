// The generated kernels of the shipped compositions, by spec name.

import type { CompositionKernel } from "../kernel/descriptor.js";

export async function generatedComposition(name: string): Promise<CompositionKernel<unknown>> {
  const mod = (await import(`../generated/${name}.composition.js`)) as Record<string, unknown>;
  for (const v of Object.values(mod)) {
    if (typeof v === "object" && v !== null && typeof (v as { composition?: unknown }).composition === "string") return v as CompositionKernel<unknown>;
  }
  throw new Error(`generated/${name}.composition.ts exports no composition kernel`);
}

// Token usage summed over a turn's steps (the SDK reports undefined for what a provider omits).

import type { LanguageModelUsage } from "ai";

export interface TurnUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

export const NO_USAGE: TurnUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

export function addUsage(sum: TurnUsage, step: LanguageModelUsage): TurnUsage {
  const input = step.inputTokens ?? 0;
  const output = step.outputTokens ?? 0;
  return { inputTokens: sum.inputTokens + input, outputTokens: sum.outputTokens + output, totalTokens: sum.totalTokens + (step.totalTokens ?? input + output) };
}

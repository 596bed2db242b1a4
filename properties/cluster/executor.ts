// The cluster campaign's executor: a short asynchronous turn, so runs are in flight when faults land.
import type { Executor } from "../../runtime/executor.js";

export const executor: Executor = {
  async apply() {
    await new Promise((r) => setTimeout(r, 2));
    return {};
  },
};

// Time in the properties: a step or run the runtime never finishes is reported as a hang (with what
// was running), instead of leaving the test waiting for its timeout or the process exiting on an
// unsettled await; `flush` lets the runtime's promise chains run.

export class HangError extends Error {
  override readonly name = "HangError";
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not finish within ${ms} ms (hung)`)), ms);
  });
  try {
    return await Promise.race([p, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the event loop turn `rounds` times (the runtime's own promise chains run in between). */
export async function flush(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

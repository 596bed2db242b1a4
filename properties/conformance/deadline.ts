// A step or run the runtime never finishes is reported as a hang (with what was running), instead
// of leaving the test waiting for its timeout or the process exiting on an unsettled await.

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

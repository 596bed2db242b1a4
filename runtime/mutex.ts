// A FIFO async mutex: one per session, so the stage → side effect → commit span of one session is
// never interleaved with another mutation of the same session. Sessions do not share mutexes.

export class Mutex {
  #locked = false;
  #queue: Array<() => void> | null = null;

  get locked(): boolean {
    return this.#locked;
  }

  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#locked) {
      await new Promise<void>((resolve) => {
        (this.#queue ??= []).push(resolve);
      });
    } else {
      this.#locked = true;
    }
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#queue?.shift();
    if (next !== undefined) {
      next(); // hand the lock over: it stays locked
      return;
    }
    this.#queue = null;
    this.#locked = false;
  }
}

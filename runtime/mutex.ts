// A FIFO async mutex: one per session, so the stage → side effect → commit span of one session is
// never interleaved with another mutation of the same session. Sessions do not share mutexes.

export class Mutex {
  #locked = false;
  #queue: Array<() => void> | null = null;

  get locked(): boolean {
    return this.#locked;
  }

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#locked) {
      return new Promise<void>((resolve) => {
        (this.#queue ??= []).push(resolve);
      }).then(() => this.#runLocked(fn));
    }
    this.#locked = true;
    return this.#runLocked(fn);
  }

  /** Runs `fn` holding the lock; no extra turn when it completes synchronously. */
  #runLocked<T>(fn: () => T | Promise<T>): Promise<T> {
    let r: T | Promise<T>;
    try {
      r = fn();
    } catch (e) {
      this.#release();
      return Promise.reject(e);
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => {
          this.#release();
          return v;
        },
        (e: unknown) => {
          this.#release();
          throw e;
        },
      );
    }
    this.#release();
    return Promise.resolve(r);
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

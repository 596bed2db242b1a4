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

  /**
   * Like `run`, but when the lock is free `fn` runs at once and its result is returned as it is: a
   * plain value (no promise, no turn: the ephemeral hot path), or a promise after whose settling the
   * lock is released. A synchronous throw is rethrown. When the lock is held, it queues like `run`.
   */
  runNow<T>(fn: () => T | Promise<T>): T | Promise<T> {
    if (this.#locked) return this.run(fn);
    this.#locked = true;
    let r: T | Promise<T>;
    try {
      r = fn();
    } catch (e) {
      this.#release();
      throw e;
    }
    if (r instanceof Promise) return this.#releaseAfter(r);
    this.#release();
    return r;
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
    if (r instanceof Promise) return this.#releaseAfter(r);
    this.#release();
    return Promise.resolve(r);
  }

  #releaseAfter<T>(r: Promise<T>): Promise<T> {
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

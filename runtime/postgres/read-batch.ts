// Batched per-session reads for the PostgreSQL store. A worker that takes over a dead owner's
// sessions rebuilds a hundred or more at once, each with five loads; one query per load and
// session made a takeover cost thousands of round trips through a pool of ten, seconds under
// load. The loads of one kind asked for in one turn of the event loop go out as one query
// (`WHERE session_id = ANY(...)`) and each caller gets its session's rows. Each load was its own
// statement before too, so no caller loses a consistency it had.

import type { SessionId } from "../input.js";
import { afterTurn } from "./after-turn.js";

interface Waiter<R> {
  readonly resolve: (rows: readonly R[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Sessions per query at most (the array parameter stays small). */
const MAX_SESSIONS = 500;

export class ReadBatcher<R extends { readonly session_id: unknown }> {
  readonly #run: (sessionIds: readonly SessionId[]) => Promise<readonly R[]>;
  readonly #waiting = new Map<SessionId, Waiter<R>[]>();
  readonly #schedule = afterTurn(() => this.#flush());

  /** `run` reads the rows of the given sessions (in the order each session's rows must come in). */
  constructor(run: (sessionIds: readonly SessionId[]) => Promise<readonly R[]>) {
    this.#run = run;
  }

  /** The session's rows, read with the other loads of this turn. */
  load(sessionId: SessionId): Promise<readonly R[]> {
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(sessionId);
      if (list === undefined) this.#waiting.set(sessionId, [{ resolve, reject }]);
      else list.push({ resolve, reject });
      this.#schedule();
    });
  }

  #flush(): void {
    while (this.#waiting.size > 0) {
      const batch = new Map<SessionId, Waiter<R>[]>();
      for (const [id, waiters] of this.#waiting) {
        if (batch.size >= MAX_SESSIONS) break;
        batch.set(id, waiters);
      }
      for (const id of batch.keys()) this.#waiting.delete(id);
      void this.#run([...batch.keys()]).then(
        (rows) => {
          const bySession = new Map<SessionId, R[]>();
          for (const row of rows) {
            const id = String(row.session_id);
            const list = bySession.get(id);
            if (list === undefined) bySession.set(id, [row]);
            else list.push(row);
          }
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(bySession.get(id) ?? []);
        },
        (e: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
        },
      );
    }
  }
}

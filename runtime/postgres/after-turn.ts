// Batching by event-loop turn: the store's writes, submissions and loads each wait for the end of
// the current turn, so that everything asked for in it goes out in one statement.

/** A function that schedules `run` once after the current turn; calls before it runs coalesce. */
export function afterTurn(run: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      run();
    });
  };
}

// Batched inbox submissions for the PostgreSQL store: the submissions that arrive in one turn of
// the event loop (any sessions, any callers) are acknowledged by ONE statement, which is its own
// transaction: one round trip and one WAL flush for all of them instead of one each. Each is still
// durable before its caller hears back (the statement committed), and each gets its own answer:
// accepted, or deduplicated by idempotency key / input id against what was committed before.
// Two submissions that could collide (same session and key, or same session and input id) never
// share a statement nor run in two at once: the later one waits until the earlier one's committed,
// so its statement's snapshot sees it and deduplication answers with the stored input, as for
// submissions one at a time.

import type { InputId, SessionId } from "../input.js";

/** One submission, validated, as the store queued it. */
export interface QueuedSubmission {
  readonly sessionId: SessionId;
  readonly inputId: InputId;
  readonly key: string;
  readonly json: string;
}

/** Per submission: whether this statement inserted it, the row it collided with otherwise, and the session's live owner (for the wake-up). */
export interface SubmissionAnswer {
  readonly inserted: boolean;
  readonly existing: InputId | null;
  readonly owner: string | null;
}

/** The keys two submissions collide on: the same session and idempotency key, or the same session and input id. */
export function collisionKeys(sub: QueuedSubmission): readonly string[] {
  return [JSON.stringify([sub.sessionId, "k", sub.key]), JSON.stringify([sub.sessionId, "i", sub.inputId])];
}

/**
 * The next batch from a queue, in order, at most `max`: a submission that could collide with one
 * taken already or with one in a batch still in flight (`busy`, its collision keys) stays queued,
 * so it runs only once that one committed and its statement's snapshot sees it.
 */
export function takeSubmissions<T extends { readonly sub: QueuedSubmission }>(queue: T[], max: number, busy: ReadonlySet<string>): T[] {
  const batch: T[] = [];
  const keys = new Set<string>(busy);
  for (let i = 0; i < queue.length && batch.length < max; ) {
    const mine = collisionKeys(queue[i]!.sub);
    if (mine.some((k) => keys.has(k))) {
      i += 1;
      continue;
    }
    for (const k of mine) keys.add(k);
    batch.push(queue[i]!);
    queue.splice(i, 1);
  }
  return batch;
}

/** The batch's statement config (named: prepared once per connection; the text depends on the schema only). */
export function submitStatement(schema: string, subs: readonly QueuedSubmission[]): { readonly name: string; readonly text: string; readonly values: unknown[] } {
  const s = schema;
  return {
    name: `meerkat_submit_batch_${s}`,
    text: `WITH w AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w(session_id, input_id, key, input_json, ord)),
     sx AS (INSERT INTO ${s}.sessions (session_id) SELECT DISTINCT session_id FROM w ON CONFLICT (session_id) DO NOTHING),
     ins AS (
       INSERT INTO ${s}.submissions (session_id, input_id, idempotency_key, input_json)
       SELECT session_id, input_id, key, input_json FROM w ORDER BY ord
       ON CONFLICT DO NOTHING RETURNING session_id, input_id)
     SELECT w.ord, i.input_id IS NOT NULL AS inserted,
            (SELECT CASE WHEN x.lease_expires_at > now() THEN x.owner END FROM ${s}.sessions x WHERE x.session_id = w.session_id) AS owner,
            (SELECT b.input_id FROM ${s}.submissions b WHERE b.session_id = w.session_id AND (b.idempotency_key = w.key OR b.input_id = w.input_id) LIMIT 1) AS existing
       FROM w LEFT JOIN ins i ON i.session_id = w.session_id AND i.input_id = w.input_id
      ORDER BY w.ord`,
    values: [subs.map((x) => x.sessionId), subs.map((x) => x.inputId), subs.map((x) => x.key), subs.map((x) => x.json)],
  };
}

/** The statement's rows as one answer per submission, in order. */
export function submissionAnswers(rows: readonly { ord: number | string; inserted: boolean; owner: string | null; existing: string | null }[], count: number): SubmissionAnswer[] {
  const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
  return Array.from({ length: count }, (_, i) => {
    const r = byOrd.get(i + 1);
    if (r === undefined) throw new Error(`submission batch: no answer for submission ${i + 1} of ${count}`);
    return { inserted: r.inserted, existing: r.existing, owner: r.owner };
  });
}

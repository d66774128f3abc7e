// The refusal counters' write path (the recorder's call, like insertUsageEvents): a batch of
// refusal events is summed per (day, user, token, reason) in memory and added in one statement.
import { todayIn } from './dates.js';
import type { Queryable } from './pool.js';

/** One request the gateway refused before calling the upstream. */
export interface RefusalEvent {
  /** epoch ms */
  at: number;
  /** '' or undefined when unknown (the token did not verify) */
  userId?: string | null;
  tokenId?: string | null;
  /** the error code answered, e.g. invalid_token, quota_exceeded, concurrency_limit_exceeded */
  reason: string;
  status: number;
  /** refusals this event stands for (the gateway sums them per second); default 1 */
  count?: number;
}

const REASON = /^[a-z_]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ROWS = `SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::bigint[], $7::timestamptz[])`;

const UPDATE = `ON CONFLICT (day, user_id, token_id, reason) DO UPDATE
  SET count = refusals.count + EXCLUDED.count,
      status = EXCLUDED.status,
      last_at = greatest(refusals.last_at, EXCLUDED.last_at)`;

const UPSERT_SQL = `INSERT INTO refusals (day, user_id, token_id, reason, status, count, last_at) ${ROWS} ${UPDATE}`;

// A named batch is added once: its id is inserted in the same statement, and the rows only when
// that insert took (a second run of the same job adds nothing). Ids older than a day are pruned.
const ONCE_SQL = `
WITH pruned AS (DELETE FROM refusal_batches WHERE recorded_at < now() - interval '1 day'),
     batch AS (INSERT INTO refusal_batches (id) VALUES ($8) ON CONFLICT DO NOTHING RETURNING id)
INSERT INTO refusals (day, user_id, token_id, reason, status, count, last_at)
${ROWS} WHERE EXISTS (SELECT 1 FROM batch)
${UPDATE}`;

/**
 * Adds a batch to the counters; returns how many counter rows it touched (0 when `batchId` was
 * already added: a job run twice). Bad reasons are dropped.
 */
export async function insertRefusals(db: Queryable, events: readonly RefusalEvent[], timeZone: string, batchId?: string): Promise<number> {
  const sums = new Map<string, { day: string; user: string; token: string; reason: string; status: number; count: number; last: number }>();
  for (const e of events) {
    if (!REASON.test(e.reason) || !Number.isFinite(e.at)) continue;
    const day = todayIn(timeZone, e.at);
    const user = e.userId ?? '';
    const token = e.tokenId ?? '';
    const k = JSON.stringify([day, user, token, e.reason]);
    const n = e.count === undefined ? 1 : Math.trunc(e.count);
    if (!(n >= 1)) continue;
    const s = sums.get(k);
    if (s) {
      s.count += n;
      if (e.at >= s.last) {
        s.last = e.at;
        s.status = e.status;
      }
    } else sums.set(k, { day, user, token, reason: e.reason, status: e.status, count: n, last: e.at });
  }
  if (sums.size === 0) return 0;
  const rows = [...sums.values()];
  const params: unknown[] = [
    rows.map((r) => r.day),
    rows.map((r) => r.user),
    rows.map((r) => r.token),
    rows.map((r) => r.reason),
    rows.map((r) => r.status),
    rows.map((r) => r.count),
    rows.map((r) => new Date(r.last)),
  ];
  // a job from a gateway that names no batch (an older release during an upgrade) is added as is
  if (batchId === undefined || !UUID.test(batchId)) {
    await db.query(UPSERT_SQL, params);
    return rows.length;
  }
  const r = await db.query(ONCE_SQL, [...params, batchId]);
  return r.rowCount ?? 0;
}

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

const UPSERT_SQL = `
INSERT INTO refusals (day, user_id, token_id, reason, status, count, last_at)
SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::bigint[], $7::timestamptz[])
ON CONFLICT (day, user_id, token_id, reason) DO UPDATE
  SET count = refusals.count + EXCLUDED.count,
      status = EXCLUDED.status,
      last_at = greatest(refusals.last_at, EXCLUDED.last_at)`;

/** Adds a batch to the counters; returns how many counter rows it touched. Bad reasons are dropped. */
export async function insertRefusals(db: Queryable, events: readonly RefusalEvent[], timeZone: string): Promise<number> {
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
  await db.query(UPSERT_SQL, [
    rows.map((r) => r.day),
    rows.map((r) => r.user),
    rows.map((r) => r.token),
    rows.map((r) => r.reason),
    rows.map((r) => r.status),
    rows.map((r) => r.count),
    rows.map((r) => new Date(r.last)),
  ]);
  return rows.length;
}

// The usage ledger write path (the recorder's only call): one multi-row INSERT per batch,
// idempotent on request_id, so a redelivered batch never double-counts.
import { NO_PRICE, carriedCost, nanosToDecimal, type EventCost, type UsageEvent } from '@dsp/core';
import type { Queryable } from './pool.js';

const INT4_MAX = 2_147_483_647;

const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(INT4_MAX, Math.floor(v)) : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

const INSERT_SQL = `
INSERT INTO usage_ledger (
  request_id, token_id, user_id, model, route, stream, status,
  prompt_tokens, completion_tokens, cache_hit_tokens, cache_miss_tokens, reasoning_tokens,
  first_byte_ms, total_ms, started_at, aborted, instance, account, attempts, upstream_model,
  cost, currency
)
SELECT * FROM unnest(
  $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::integer[],
  $8::integer[], $9::integer[], $10::integer[], $11::integer[], $12::integer[],
  $13::integer[], $14::integer[], $15::timestamptz[], $16::boolean[], $17::text[],
  $18::text[], $19::smallint[], $20::text[],
  $21::numeric[], $22::text[]
)
ON CONFLICT (request_id) DO NOTHING`;

const CURRENCY_RE = /^[A-Z]{3}$/;

/**
 * Insert a batch of usage events in one statement; events whose request_id is already in the
 * ledger (or repeated within the batch) are skipped. Returns how many rows were inserted.
 * `costOf` gives each event's cost (the recorder prices events that carry none); by default the
 * cost the event carries, else nothing.
 */
export async function insertUsageEvents(
  db: Queryable,
  events: readonly UsageEvent[],
  costOf: (e: UsageEvent) => EventCost = (e) => carriedCost(e) ?? NO_PRICE,
): Promise<number> {
  if (events.length === 0) return 0;
  const cols: unknown[][] = Array.from({ length: 22 }, () => new Array<unknown>(events.length));
  events.forEach((e, i) => {
    const cost = costOf(e);
    const priced = cost.nanos >= 0n && CURRENCY_RE.test(cost.currency);
    const startedAt = typeof e.started_at === 'number' && Number.isFinite(e.started_at) ? e.started_at : Date.now();
    const row: unknown[] = [
      str(e.request_id),
      str(e.token_id),
      str(e.user_id),
      str(e.model),
      str(e.route),
      e.stream === true,
      int(e.status),
      int(e.prompt_tokens),
      int(e.completion_tokens),
      int(e.cache_hit_tokens),
      int(e.cache_miss_tokens),
      int(e.reasoning_tokens),
      e.first_byte_ms == null ? null : int(e.first_byte_ms),
      int(e.total_ms),
      new Date(startedAt).toISOString(),
      e.aborted === true,
      str(e.instance),
      str(e.account),
      e.attempts === undefined ? 1 : Math.min(32767, int(e.attempts)),
      e.upstream_model === e.model ? '' : str(e.upstream_model),
      priced ? nanosToDecimal(cost.nanos) : '0',
      priced ? cost.currency : '',
    ];
    row.forEach((v, c) => (cols[c]![i] = v));
  });
  const res = await db.query(INSERT_SQL, cols);
  return res.rowCount ?? 0;
}

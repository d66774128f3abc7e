// Budget alerts' Postgres side (the recorder's calls, like insertUsageEvents): a crossing is
// recorded once per user, period and threshold, with its audit entry in the same transaction.
import { decimalToNanos, nanosToDecimal } from '@dsp/core';
import { withTransaction, type Pool } from './pool.js';
import { writeAudit } from './services/audit.js';

export interface BudgetAlert {
  type: 'budget';
  user: string;
  period: 'daily' | 'monthly';
  /** the fraction of the budget, as configured ([alerts] budget_thresholds) */
  threshold: number;
  /** exact decimal strings in `currency` */
  spent: string;
  budget: string;
  currency: string;
  /** ISO time the crossing was seen */
  at: string;
}

/**
 * Record a crossing; returns its id, or null when this user, period and threshold already fired.
 * `periodKey` is the period in the quota timezone (YYYYMMDD / YYYYMM).
 */
export async function recordBudgetAlert(pool: Pool, alert: BudgetAlert, periodKey: string, actor = 'recorder'): Promise<string | null> {
  return withTransaction(pool, async (c) => {
    const res = await c.query<{ id: string }>(
      `INSERT INTO budget_alerts (user_id, period, period_key, threshold, spent, budget, currency, created_at)
       VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6::numeric, $7, $8)
       ON CONFLICT ON CONSTRAINT budget_alerts_once DO NOTHING RETURNING id::text`,
      [alert.user, alert.period, periodKey, String(alert.threshold), alert.spent, alert.budget, alert.currency, new Date(alert.at)],
    );
    const id = res.rows[0]?.id ?? null;
    if (id !== null) await writeAudit(c, actor, 'alert.budget', alert.user, { id, period_key: periodKey, ...alert });
    return id;
  });
}

/** The webhook took alert `id` (attempts: how many POSTs it took). */
export async function markBudgetAlertDelivered(pool: Pool, id: string, attempts: number, actor = 'recorder'): Promise<void> {
  await withTransaction(pool, async (c) => {
    const res = await c.query<{ user_id: string }>('UPDATE budget_alerts SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL RETURNING user_id', [
      id,
    ]);
    if (res.rows[0]) await writeAudit(c, actor, 'alert.delivered', res.rows[0].user_id, { id, attempts });
  });
}

/** Every attempt failed: the alert stays undelivered, and the audit log says so. */
export async function markBudgetAlertFailed(pool: Pool, id: string, attempts: number, error: string, actor = 'recorder'): Promise<void> {
  const res = await pool.query<{ user_id: string }>('SELECT user_id FROM budget_alerts WHERE id = $1', [id]);
  await writeAudit(pool, actor, 'alert.failed', res.rows[0]?.user_id ?? null, { id, attempts, error });
}

/**
 * Alerts recorded but not delivered, oldest first (at most `limit`): the recorder queues them again
 * at start, in case one died between recording an alert and queueing it. Rebuilt exactly as first
 * sent (`at` is the recorded time).
 */
export async function undeliveredBudgetAlerts(pool: Pool, limit = 1000): Promise<{ id: string; alert: BudgetAlert }[]> {
  const res = await pool.query<{
    id: string;
    user_id: string;
    period: 'daily' | 'monthly';
    threshold: string;
    spent: string;
    budget: string;
    currency: string;
    created_at: Date;
  }>(
    `SELECT id::text, user_id, period, threshold::text, spent::text, budget::text, currency, created_at
     FROM budget_alerts WHERE delivered_at IS NULL ORDER BY id LIMIT $1`,
    [limit],
  );
  const dec = (v: string) => nanosToDecimal(decimalToNanos(v));
  return res.rows.map((r) => ({
    id: r.id,
    alert: {
      type: 'budget',
      user: r.user_id,
      period: r.period,
      threshold: Number(r.threshold),
      spent: dec(r.spent),
      budget: dec(r.budget),
      currency: r.currency,
      at: r.created_at.toISOString(),
    },
  }));
}

// Upstream account alerts' Postgres side (the recorder's calls, like the budget alerts): a
// transition (an account disabled by the upstream, a balance gone low) is recorded once, with its
// audit entry in the same transaction; the payload is stored as the exact JSON text to POST.
import { withTransaction, type Pool } from './pool.js';
import { writeAudit } from './services/audit.js';

export interface AccountDisabledAlert {
  type: 'account_disabled';
  account: string;
  /** 401: the upstream refused the key; 402: the account's balance is spent */
  reason: 'key_refused' | 'balance_spent';
  /** ISO time the account was taken out of rotation */
  at: string;
}

export interface AccountLowBalanceAlert {
  type: 'account_low_balance';
  account: string;
  /** the balance as DeepSeek reported it (a decimal string) */
  balance: string;
  currency: string;
  /** the account's configured threshold */
  low_balance: number;
  /** ISO time the low balance was first seen */
  at: string;
}

export type AccountAlert = AccountDisabledAlert | AccountLowBalanceAlert;

/**
 * Record a transition; returns its id, or null when this account's transition (type, `sinceMs`)
 * already fired. The payload never holds a key: only the account's name.
 */
export async function recordAccountAlert(pool: Pool, alert: AccountAlert, sinceMs: number, actor = 'recorder'): Promise<string | null> {
  return withTransaction(pool, async (c) => {
    const res = await c.query<{ id: string }>(
      `INSERT INTO account_alerts (account, type, since_ms, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT account_alerts_once DO NOTHING RETURNING id::text`,
      [alert.account, alert.type, sinceMs, JSON.stringify(alert)],
    );
    const id = res.rows[0]?.id ?? null;
    if (id !== null) await writeAudit(c, actor, `alert.${alert.type}`, alert.account, { id, ...alert });
    return id;
  });
}

/** The webhook took account alert `id` (attempts: how many POSTs it took). */
export async function markAccountAlertDelivered(pool: Pool, id: string, attempts: number, actor = 'recorder'): Promise<void> {
  await withTransaction(pool, async (c) => {
    const res = await c.query<{ account: string; type: string }>(
      'UPDATE account_alerts SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL RETURNING account, type',
      [id],
    );
    if (res.rows[0]) await writeAudit(c, actor, 'alert.delivered', res.rows[0].account, { id, type: res.rows[0].type, attempts });
  });
}

/** Every attempt failed: the alert stays undelivered, and the audit log says so. */
export async function markAccountAlertFailed(pool: Pool, id: string, attempts: number, error: string, actor = 'recorder'): Promise<void> {
  const res = await pool.query<{ account: string; type: string }>('SELECT account, type FROM account_alerts WHERE id = $1', [id]);
  await writeAudit(pool, actor, 'alert.failed', res.rows[0]?.account ?? null, { id, type: res.rows[0]?.type, attempts, error });
}

/** Account alerts recorded but not delivered, oldest first (queued again when a recorder starts). */
export async function undeliveredAccountAlerts(pool: Pool, limit = 1000): Promise<{ id: string; alert: AccountAlert }[]> {
  const res = await pool.query<{ id: string; payload: string }>(
    'SELECT id::text, payload FROM account_alerts WHERE delivered_at IS NULL ORDER BY id LIMIT $1',
    [limit],
  );
  return res.rows.map((r) => ({ id: r.id, alert: JSON.parse(r.payload) as AccountAlert }));
}

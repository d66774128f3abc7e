// Quota rules: a user's own limit, or (NULL in Postgres, no field in Redis) the config default.
// A user's own limit is a number (0 blocks every request) or explicitly "unlimited" (-1 in
// Postgres); the [quota] defaults of the config keep their meaning, 0 = no default limit.
import { ServiceError } from '../errors.js';
import { withTransaction } from '../pool.js';
import { redisStep, writeUserHash } from '../redis.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import { NEXT_VERSION, USER_COLUMNS, loadTokenBudgets, loadUserForUpdate, rowToUser, validateUserId, type User, type UserRow } from './users-shared.js';
import { UNLIMITED, limitToStored, type Limit } from './limits.js';

export { UNLIMITED, UNLIMITED_STORED, limitFromStored, limitToStored, type Limit } from './limits.js';

/** A user's explicit limits: a Limit, or null = the config default. */
export interface Quotas {
  dailyRequests: Limit | null;
  dailyTokens: Limit | null;
  monthlyTokens: Limit | null;
}

/** Limits in force. */
export interface EffectiveLimits {
  dailyRequests: Limit;
  dailyTokens: Limit;
  monthlyTokens: Limit;
}

/** A change to a user's limits: a key left out is unchanged; null resets it to the default. */
export type QuotaPatch = Partial<Quotas>;

export const QUOTA_FIELDS = ['dailyRequests', 'dailyTokens', 'monthlyTokens'] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];

export const QUOTA_COLUMNS: Record<QuotaField, string> = {
  dailyRequests: 'daily_requests',
  dailyTokens: 'daily_tokens',
  monthlyTokens: 'monthly_tokens',
};

export interface QuotasService {
  /** the [quota] defaults of the config */
  defaults(): EffectiveLimits;
  /** the limits in force for a user's explicit quotas */
  effective(q: Quotas): EffectiveLimits;
  /** change a user's limits (Postgres, audit, then the Redis user hash); returns the updated user */
  set(userId: string, patch: QuotaPatch): Promise<User>;
}

/** Check a patch: every given value is null (the default), "unlimited" or an integer >= 0. Throws invalid_argument. */
export function validateQuotaPatch(patch: unknown, { requireOne }: { requireOne: boolean }): QuotaPatch {
  if (typeof patch !== 'object' || patch === null) throw new ServiceError('invalid_argument', 'quotas must be an object');
  const out: QuotaPatch = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (!(QUOTA_FIELDS as readonly string[]).includes(k))
      throw new ServiceError('invalid_argument', `unknown quota "${k}" (expected ${QUOTA_FIELDS.join(', ')})`);
    if (v !== null && v !== UNLIMITED && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0))
      throw new ServiceError(
        'invalid_argument',
        `${QUOTA_COLUMNS[k as QuotaField]} must be a whole number >= 0 (0 blocks every request), "unlimited", or null for the default; got ${JSON.stringify(v)}`,
      );
    out[k as QuotaField] = v as Limit | null;
  }
  if (requireOne && Object.keys(out).length === 0) throw new ServiceError('invalid_argument', 'no quota to change was given');
  return out;
}

export function createQuotasService(ctx: ServiceContext): QuotasService {
  // a [quota] default of 0 means "no default limit"
  const fromConfig = (n: number): Limit => (n === 0 ? UNLIMITED : n);
  const defaults = (): EffectiveLimits => ({
    dailyRequests: fromConfig(ctx.config.quota.default_daily_requests),
    dailyTokens: fromConfig(ctx.config.quota.default_daily_tokens),
    monthlyTokens: fromConfig(ctx.config.quota.default_monthly_tokens),
  });
  return {
    defaults,
    effective(q) {
      const d = defaults();
      return {
        dailyRequests: q.dailyRequests ?? d.dailyRequests,
        dailyTokens: q.dailyTokens ?? d.dailyTokens,
        monthlyTokens: q.monthlyTokens ?? d.monthlyTokens,
      };
    },
    async set(userId, patch) {
      validateUserId(userId);
      const p = validateQuotaPatch(patch, { requireOne: true });
      const { row, tokenBudgets } = await withTransaction(ctx.pool, async (c) => {
        const before = await loadUserForUpdate(c, userId);
        const sets: string[] = [];
        const args: unknown[] = [userId];
        for (const f of QUOTA_FIELDS) {
          if (!(f in p)) continue;
          args.push(limitToStored(p[f]!));
          sets.push(`${QUOTA_COLUMNS[f]} = $${args.length}`);
        }
        const res = await c.query<UserRow>(`UPDATE users SET ${sets.join(', ')}, updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, args);
        const after = rowToUser(res.rows[0]!);
        const change: Record<string, { from: Limit | null; to: Limit | null }> = {};
        for (const f of QUOTA_FIELDS) if (f in p) change[QUOTA_COLUMNS[f]] = { from: before[f], to: after[f] };
        await writeAudit(c, ctx.actor, 'user.quota', userId, change);
        return { row: res.rows[0]!, tokenBudgets: await loadTokenBudgets(c, userId) };
      });
      const user = rowToUser(row);
      await redisStep(`quota of user "${userId}" saved in Postgres`, () => writeUserHash(ctx.redis, ctx.prefix, { ...user, tokenBudgets }, row.version));
      return user;
    },
  };
}

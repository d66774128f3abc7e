// Token rotation (a new JWT with the old one's user and name, its claims and lifetime unless the
// rotation changes them — the way a token is edited, since its claims are signed; the old one
// revoked in the same transaction, or at the end of a grace period), the sweeper that revokes
// tokens whose grace has ended, a re-mint of a live token's JWT for an idempotent retry, and the
// cursor-paginated token list of the admin API.
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { withTransaction, type Queryable } from '../pool.js';
import type { Pool } from '../pool.js';
import { addRevoked, redisStep, writeUserHash, type RedisClient } from '../redis.js';
import { parseDuration } from '../duration.js';
import { clampLimit, writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import {
  SELECT_TOKENS,
  insertToken,
  rowToToken,
  signerOf,
  validateConcurrency,
  validateModels,
  validateTokenId,
  type TokenRecord,
  type TokenRow,
  type TokenStatus,
} from './tokens.js';
import { NEXT_VERSION, USER_COLUMNS, loadTokenBudgets, rowToUser, type TokenBudget, type UserRow } from './users-shared.js';
import { validateUserId } from './users-shared.js';

export interface TokenPageOptions {
  userId?: string;
  status?: TokenStatus;
  /** the previous page's `nextCursor` (a token id) */
  after?: string;
  /** default 50, at most 1000 */
  limit?: number;
}

/** What a rotation may change; left out = as the old token had it. */
export interface RotateOptions {
  /** the old token keeps working this long ("1h", "7d"; at most 30 days); default: revoked at once */
  grace?: string | null;
  concurrency?: number | null;
  models?: readonly string[] | null;
  /** the new token's lifetime ("30d", "never"); default: the old token's lifetime */
  expiresIn?: string | null;
}

export const MAX_GRACE_SECONDS = 30 * 86_400;

export interface TokenRotationService {
  /** `conflict` unless the token is active (and not already retiring) */
  rotate(jti: string, options?: RotateOptions): Promise<{ token: string; record: TokenRecord; replaced: TokenRecord }>;
  /** a fresh JWT for a live token (same jti, claims and expiry): the replay of an idempotent issue */
  remint(jti: string): Promise<{ token: string; record: TokenRecord }>;
  page(options?: TokenPageOptions): Promise<{ rows: TokenRecord[]; nextCursor: string | null }>;
}

const STATUS_SQL: Record<TokenStatus, string> = {
  active: 't.revoked_at IS NULL AND (t.retire_at IS NULL OR t.retire_at > $now) AND (t.expires_at IS NULL OR t.expires_at > $now)',
  revoked: '(t.revoked_at IS NOT NULL OR t.retire_at <= $now)',
  expired: 't.revoked_at IS NULL AND (t.retire_at IS NULL OR t.retire_at > $now) AND t.expires_at <= $now',
};

function graceSeconds(grace: string | null | undefined): number {
  if (grace == null || grace === '' || grace === '0' || grace === 'none') return 0;
  const s = parseDuration(grace);
  if (s === null || s > MAX_GRACE_SECONDS)
    throw new ServiceError('invalid_argument', `grace must be at most 30 days (e.g. 1h, 7d), got ${JSON.stringify(grace)}`);
  return s;
}

/**
 * Revokes every token whose grace period has ended: Postgres first (revoked_at = retire_at, one
 * UPDATE, so two sweepers never both take a token), then each user's Redis revoked set. Returns
 * the tokens revoked. A Redis failure leaves them revoked in Postgres, for `dsp sync`.
 */
export async function retireDueTokens(pool: Pool, redis: RedisClient, prefix: string): Promise<{ id: string; userId: string }[]> {
  const res = await withTransaction(pool, async (c) => {
    const due = await c.query<{ id: string; user_id: string; retire_at: Date }>(
      `UPDATE tokens SET revoked_at = retire_at WHERE retire_at <= now() AND revoked_at IS NULL RETURNING id, user_id, retire_at`,
    );
    for (const t of due.rows) await writeAudit(c, 'system', 'token.retire', t.id, { user: t.user_id, retire_at: t.retire_at.toISOString() });
    return due.rows;
  });
  for (const t of res) await addRevoked(redis, prefix, t.user_id, t.id);
  return res.map((t) => ({ id: t.id, userId: t.user_id }));
}

export function createTokenRotationService(ctx: ServiceContext): TokenRotationService {
  return {
    async rotate(jti, options = {}) {
      validateTokenId(jti);
      const grace = graceSeconds(options.grace);
      const concurrency = options.concurrency === undefined ? undefined : validateConcurrency(options.concurrency);
      const models = options.models === undefined ? undefined : validateModels(options.models);
      const newLifetime = options.expiresIn === undefined ? undefined : options.expiresIn === null ? null : parseDuration(options.expiresIn);
      const signer = await signerOf(ctx);
      const out = await withTransaction(ctx.pool, async (c) => {
        const cur = await c.query<TokenRow>('SELECT * FROM tokens WHERE id = $1 FOR UPDATE', [jti]);
        const old = cur.rows[0];
        if (!old) throw new ServiceError('not_found', `token "${jti}" does not exist`);
        const status = rowToToken(old, ctx.now()).status;
        if (status !== 'active') throw new ServiceError('conflict', `token "${jti}" is ${status}; only an active token can be rotated`);
        if (old.retire_at) throw new ServiceError('conflict', `token "${jti}" was already rotated; it retires at ${old.retire_at.toISOString()}`);
        const replaced =
          grace > 0
            ? await c.query<TokenRow>(`UPDATE tokens SET retire_at = now() + make_interval(secs => $2) WHERE id = $1 RETURNING *`, [jti, grace])
            : await c.query<TokenRow>('UPDATE tokens SET revoked_at = now() WHERE id = $1 RETURNING *', [jti]);
        const oldLifetime = old.expires_at ? Math.max(1, Math.round((old.expires_at.getTime() - old.created_at.getTime()) / 1000)) : null;
        const id = randomUUID();
        const { token, row } = await insertToken(c, signer, {
          id,
          userId: old.user_id,
          name: old.name,
          concurrency: concurrency === undefined ? old.concurrency : concurrency,
          models: models === undefined ? old.models : models,
          lifetime: newLifetime === undefined ? oldLifetime : newLifetime,
        });
        const r = replaced.rows[0]!;
        // the token's own budgets go with it (its spend counter starts afresh under the new id)
        const budgets = await carryBudgets(c, old, id);
        await writeAudit(c, ctx.actor, 'token.rotate', jti, {
          user: old.user_id,
          name: old.name,
          new_token: id,
          ...(grace > 0 ? { retire_at: r.retire_at!.toISOString() } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
          ...(models !== undefined ? { models } : {}),
          ...(newLifetime !== undefined ? { expires_at: row.expires_at?.toISOString() ?? null } : {}),
        });
        return { token, row: budgets ? { ...row, daily_budget: old.daily_budget, monthly_budget: old.monthly_budget } : row, old: r, budgets };
      });
      if (out.budgets) {
        const b = out.budgets;
        await redisStep(`token "${out.row.id}" has its budgets in Postgres`, () =>
          writeUserHash(ctx.redis, ctx.prefix, { ...rowToUser(b.user), tokenBudgets: b.tokenBudgets }, b.user.version),
        );
      }
      if (grace === 0)
        await redisStep(`token "${jti}" is revoked in Postgres (rotated to ${out.row.id})`, () => addRevoked(ctx.redis, ctx.prefix, out.old.user_id, jti));
      return { token: out.token, record: rowToToken(out.row, ctx.now()), replaced: rowToToken(out.old, ctx.now()) };
    },

    async remint(jti) {
      validateTokenId(jti);
      const res = await ctx.pool.query<TokenRow>(`${SELECT_TOKENS} WHERE t.id = $1`, [jti]);
      const row = res.rows[0];
      if (!row) throw new ServiceError('not_found', `token "${jti}" does not exist`);
      const record = rowToToken(row, ctx.now());
      if (record.status !== 'active') throw new ServiceError('conflict', `token "${jti}" is ${record.status}; its JWT cannot be handed out again`);
      const signer = await signerOf(ctx);
      const left = row.expires_at ? Math.max(1, Math.round((row.expires_at.getTime() - ctx.now()) / 1000)) : null;
      const minted = await signer.mint({
        sub: row.user_id,
        jti,
        ...(left !== null ? { expiresInSeconds: left } : {}),
        ...(row.concurrency !== null ? { concurrency: row.concurrency } : {}),
        ...(row.models !== null ? { models: row.models } : {}),
      });
      return { token: minted.token, record };
    },

    async page(options = {}) {
      const limit = clampLimit(options.limit, 50, 1000);
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (v: unknown) => `$${args.push(v)}`;
      if (options.userId !== undefined) where.push(`t.user_id = ${arg(validateUserId(options.userId))}`);
      if (options.status !== undefined) {
        const sql = STATUS_SQL[options.status];
        if (!sql) throw new ServiceError('invalid_argument', 'status must be active, revoked or expired');
        where.push(sql.includes('$now') ? sql.replaceAll('$now', `${arg(new Date(ctx.now()))}::timestamptz`) : sql);
      }
      if (options.after !== undefined) {
        const a = arg(validateTokenId(options.after));
        where.push(`(t.created_at, t.id) > (SELECT created_at, id FROM tokens WHERE id = ${a})`);
      }
      const res = await ctx.pool.query<TokenRow>(
        `${SELECT_TOKENS} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY t.created_at, t.id LIMIT ${arg(limit + 1)}`,
        args,
      );
      const rows = res.rows.slice(0, limit).map((r) => rowToToken(r, ctx.now()));
      return { rows, nextCursor: res.rows.length > limit ? rows[rows.length - 1]!.id : null };
    },
  };
}

/**
 * Copy a rotated token's budgets to its successor; the user hash (which carries token budgets) moves
 * to a new version. Returns what to write to Redis after the commit, or null when it had none.
 */
async function carryBudgets(c: Queryable, old: TokenRow, newId: string): Promise<{ user: UserRow; tokenBudgets: TokenBudget[] } | null> {
  if (old.daily_budget == null && old.monthly_budget == null) return null;
  await c.query('UPDATE tokens SET daily_budget = $2, monthly_budget = $3 WHERE id = $1', [newId, old.daily_budget ?? null, old.monthly_budget ?? null]);
  const user = await c.query<UserRow>(`UPDATE users SET updated_at = ${NEXT_VERSION} WHERE id = $1 RETURNING ${USER_COLUMNS}`, [old.user_id]);
  return { user: user.rows[0]!, tokenBudgets: await loadTokenBudgets(c, old.user_id) };
}

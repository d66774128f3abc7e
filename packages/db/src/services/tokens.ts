// API tokens: a row per JWT (jti = row id), minted with core's signer; the JWT is returned once
// and never stored. Revocation: Postgres first, then the user's Redis revoked set.
import { randomUUID } from 'node:crypto';
import { ID_PATTERN, MAX_TOKEN_CONCURRENCY, type Signer } from '@dsp/core';
import { parseDuration } from '../duration.js';
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { withTransaction, type Queryable } from '../pool.js';
import { addRevoked, redisStep } from '../redis.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import { amountOrNull, loadUser, userNotFound, validateUserId } from './users-shared.js';

export type TokenStatus = 'active' | 'revoked' | 'expired';

export interface TokenRecord {
  /** the JWT's jti */
  id: string;
  userId: string;
  name: string;
  /** last characters of the JWT, for recognising it; not a secret */
  hint: string;
  /** per-token concurrency claim; null = the config default */
  concurrency: number | null;
  /** allowed models claim; null = every model */
  models: string[] | null;
  expiresAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
  /** rotated with a grace period: it keeps working until then, and is revoked at that time */
  retireAt: Date | null;
  /** latest request in the usage ledger */
  lastUsedAt: Date | null;
  status: TokenStatus;
  /** the token's own spending budgets ([quota] budget_currency, decimal strings); null = none */
  dailyBudget: string | null;
  monthlyBudget: string | null;
}

export interface IssueTokenOptions {
  /** unique per user; default token-<first 8 characters of the id> */
  name?: string;
  concurrency?: number | null;
  models?: readonly string[] | null;
  /** "30d", "12h", "90m", "never" (default never) */
  expiresIn?: string | null;
}

export interface TokensService {
  issue(userId: string, options?: IssueTokenOptions): Promise<{ token: string; record: TokenRecord }>;
  list(userId?: string): Promise<TokenRecord[]>;
  get(jti: string): Promise<TokenRecord>;
  /** idempotent: revoking a revoked token is not an error (and re-adds it to Redis) */
  revoke(jti: string): Promise<TokenRecord>;
}

export const HINT_LENGTH = 6;
export const MAX_TOKEN_NAME = 64;
export const MAX_MODELS = 100;

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  hint: string;
  concurrency: number | null;
  models: string[] | null;
  expires_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
  retire_at?: Date | null;
  last_used_at?: Date | null;
  daily_budget?: string | null;
  monthly_budget?: string | null;
}

export function rowToToken(r: TokenRow, now: number): TokenRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    hint: r.hint,
    concurrency: r.concurrency,
    models: r.models,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    retireAt: r.retire_at ?? null,
    lastUsedAt: r.last_used_at ?? null,
    dailyBudget: amountOrNull(r.daily_budget),
    monthlyBudget: amountOrNull(r.monthly_budget),
    // past its retirement the sweeper revokes it within seconds: show it as what it is
    status: r.revoked_at || (r.retire_at && r.retire_at.getTime() <= now) ? 'revoked' : r.expires_at && r.expires_at.getTime() <= now ? 'expired' : 'active',
  };
}

export const SELECT_TOKENS = `
SELECT t.*, (SELECT max(l.started_at) FROM usage_ledger l WHERE l.token_id = t.id) AS last_used_at
FROM tokens t`;

export function validateTokenId(jti: unknown): string {
  if (typeof jti !== 'string' || !ID_PATTERN.test(jti)) throw new ServiceError('invalid_argument', `invalid token id ${JSON.stringify(jti)}`);
  return jti;
}

export function validateTokenName(name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') throw new ServiceError('invalid_argument', 'token name must be a string');
  const t = name.trim();
  if (t.length === 0 || t.length > MAX_TOKEN_NAME) throw new ServiceError('invalid_argument', `token name must be 1-${MAX_TOKEN_NAME} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new ServiceError('invalid_argument', 'token name must not contain control characters');
  return t;
}

export function validateConcurrency(c: unknown): number | null {
  if (c === undefined || c === null) return null;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > MAX_TOKEN_CONCURRENCY)
    throw new ServiceError('invalid_argument', `concurrency must be an integer 1..${MAX_TOKEN_CONCURRENCY}, got ${JSON.stringify(c)}`);
  return c;
}

export function validateModels(models: unknown): string[] | null {
  if (models === undefined || models === null) return null;
  if (!Array.isArray(models)) throw new ServiceError('invalid_argument', 'models must be a list of model names');
  const out = [...new Set(models.map((m) => (typeof m === 'string' ? m.trim() : '')))];
  if (out.length === 0) throw new ServiceError('invalid_argument', 'models must name at least one model (leave it out to allow every model)');
  if (out.length > MAX_MODELS) throw new ServiceError('invalid_argument', `at most ${MAX_MODELS} models per token`);
  for (const m of out) {
    if (m === '' || m.length > 128 || /[\s,]/.test(m)) throw new ServiceError('invalid_argument', `invalid model name ${JSON.stringify(m)}`);
  }
  return out;
}

export interface NewToken {
  id: string;
  userId: string;
  name: string;
  concurrency: number | null;
  models: string[] | null;
  /** seconds; null = never expires */
  lifetime: number | null;
}

/** Mints the JWT of a new token and inserts its row (in the caller's transaction). */
export async function insertToken(c: Queryable, signer: Signer, t: NewToken): Promise<{ token: string; row: TokenRow }> {
  const minted = await signer.mint({
    sub: t.userId,
    jti: t.id,
    ...(t.lifetime !== null ? { expiresInSeconds: t.lifetime } : {}),
    ...(t.concurrency !== null ? { concurrency: t.concurrency } : {}),
    ...(t.models !== null ? { models: t.models } : {}),
  });
  try {
    const res = await c.query<TokenRow>(
      `INSERT INTO tokens (id, user_id, name, hint, concurrency, models, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [t.id, t.userId, t.name, minted.token.slice(-HINT_LENGTH), t.concurrency, t.models, minted.exp === null ? null : new Date(minted.exp * 1000)],
    );
    return { token: minted.token, row: res.rows[0]! };
  } catch (e) {
    if (pgCode(e) === PG_UNIQUE_VIOLATION) throw new ServiceError('duplicate', `user "${t.userId}" already has a token named "${t.name}"`);
    throw e;
  }
}

/** The token signer, or `not_configured` saying why there is none. */
export async function signerOf(ctx: ServiceContext): Promise<Signer> {
  try {
    return await ctx.signer();
  } catch (e) {
    throw new ServiceError('not_configured', `cannot sign tokens: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function createTokensService(ctx: ServiceContext): TokensService {
  async function get(jti: string): Promise<TokenRecord> {
    validateTokenId(jti);
    const res = await ctx.pool.query<TokenRow>(`${SELECT_TOKENS} WHERE t.id = $1`, [jti]);
    if (!res.rows[0]) throw new ServiceError('not_found', `token "${jti}" does not exist`);
    return rowToToken(res.rows[0], ctx.now());
  }

  return {
    get,

    async issue(userId, options = {}) {
      validateUserId(userId);
      const name = validateTokenName(options.name);
      const concurrency = validateConcurrency(options.concurrency);
      const models = validateModels(options.models);
      const lifetime = options.expiresIn == null ? null : parseDuration(options.expiresIn);
      const signer = await signerOf(ctx);
      return withTransaction(ctx.pool, async (c) => {
        const user = await c.query<{ status: string }>('SELECT status FROM users WHERE id = $1 FOR SHARE', [userId]);
        if (!user.rows[0]) throw userNotFound(userId);
        if (user.rows[0].status === 'disabled') throw new ServiceError('conflict', `user "${userId}" is disabled; enable it before issuing tokens`);
        const id = randomUUID();
        const { token, row } = await insertToken(c, signer, { id, userId, name: name ?? `token-${id.slice(0, 8)}`, concurrency, models, lifetime });
        await writeAudit(c, ctx.actor, 'token.issue', id, {
          user: userId,
          name: row.name,
          concurrency,
          models,
          expires_at: row.expires_at?.toISOString() ?? null,
        });
        return { token, record: rowToToken(row, ctx.now()) };
      });
    },

    async list(userId) {
      if (userId === undefined) {
        const res = await ctx.pool.query<TokenRow>(`${SELECT_TOKENS} ORDER BY t.user_id, t.created_at, t.id`);
        return res.rows.map((r) => rowToToken(r, ctx.now()));
      }
      validateUserId(userId);
      await loadUser(ctx.pool, userId);
      const res = await ctx.pool.query<TokenRow>(`${SELECT_TOKENS} WHERE t.user_id = $1 ORDER BY t.created_at, t.id`, [userId]);
      return res.rows.map((r) => rowToToken(r, ctx.now()));
    },

    async revoke(jti) {
      validateTokenId(jti);
      const row = await withTransaction(ctx.pool, async (c) => {
        const cur = await c.query<TokenRow>('SELECT * FROM tokens WHERE id = $1 FOR UPDATE', [jti]);
        const t = cur.rows[0];
        if (!t) throw new ServiceError('not_found', `token "${jti}" does not exist`);
        if (t.revoked_at) return t;
        const res = await c.query<TokenRow>('UPDATE tokens SET revoked_at = now() WHERE id = $1 RETURNING *', [jti]);
        await writeAudit(c, ctx.actor, 'token.revoke', jti, { user: t.user_id, name: t.name });
        return res.rows[0]!;
      });
      await redisStep(`token "${jti}" is revoked in Postgres`, () => addRevoked(ctx.redis, ctx.prefix, row.user_id, jti));
      return get(jti);
    },
  };
}

// Token rotation (a new JWT with the old one's user, name, claims and lifetime; the old one revoked
// in the same transaction), a re-mint of a live token's JWT for an idempotent retry, and the
// cursor-paginated token list of the admin API.
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { withTransaction } from '../pool.js';
import { addRevoked, redisStep } from '../redis.js';
import { clampLimit, writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';
import { SELECT_TOKENS, insertToken, rowToToken, signerOf, validateTokenId, type TokenRecord, type TokenRow, type TokenStatus } from './tokens.js';
import { validateUserId } from './users-shared.js';

export interface TokenPageOptions {
  userId?: string;
  status?: TokenStatus;
  /** the previous page's `nextCursor` (a token id) */
  after?: string;
  /** default 50, at most 1000 */
  limit?: number;
}

export interface TokenRotationService {
  /** `conflict` unless the token is active */
  rotate(jti: string): Promise<{ token: string; record: TokenRecord; replaced: TokenRecord }>;
  /** a fresh JWT for a live token (same jti, claims and expiry): the replay of an idempotent issue */
  remint(jti: string): Promise<{ token: string; record: TokenRecord }>;
  page(options?: TokenPageOptions): Promise<{ rows: TokenRecord[]; nextCursor: string | null }>;
}

const STATUS_SQL: Record<TokenStatus, string> = {
  active: 't.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $now)',
  revoked: 't.revoked_at IS NOT NULL',
  expired: 't.revoked_at IS NULL AND t.expires_at <= $now',
};

export function createTokenRotationService(ctx: ServiceContext): TokenRotationService {
  return {
    async rotate(jti) {
      validateTokenId(jti);
      const signer = await signerOf(ctx);
      const out = await withTransaction(ctx.pool, async (c) => {
        const cur = await c.query<TokenRow>('SELECT * FROM tokens WHERE id = $1 FOR UPDATE', [jti]);
        const old = cur.rows[0];
        if (!old) throw new ServiceError('not_found', `token "${jti}" does not exist`);
        const status = rowToToken(old, ctx.now()).status;
        if (status !== 'active') throw new ServiceError('conflict', `token "${jti}" is ${status}; only an active token can be rotated`);
        const revoked = await c.query<TokenRow>('UPDATE tokens SET revoked_at = now() WHERE id = $1 RETURNING *', [jti]);
        const lifetime = old.expires_at ? Math.max(1, Math.round((old.expires_at.getTime() - old.created_at.getTime()) / 1000)) : null;
        const id = randomUUID();
        const { token, row } = await insertToken(c, signer, {
          id,
          userId: old.user_id,
          name: old.name,
          concurrency: old.concurrency,
          models: old.models,
          lifetime,
        });
        await writeAudit(c, ctx.actor, 'token.rotate', jti, { user: old.user_id, name: old.name, new_token: id });
        return { token, row, old: revoked.rows[0]! };
      });
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

// Operators' login sessions: only sha256(secret) is stored, the secret is the cookie; a session
// ends at its expiry, at logout, or when its operator is disabled or changes password.
import { createHash, randomBytes } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { withTransaction } from '../pool.js';
import { toAdmin, type AdminRow } from './admin-rows.js';
import type { AdminsService } from './admins-types.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

export const sessionId = (secret: string): string => createHash('sha256').update(secret).digest('hex');

type SessionMethods = Pick<AdminsService, 'createSession' | 'resolveSession' | 'deleteSession' | 'endSession' | 'purgeExpiredSessions'>;

export function createSessionMethods(ctx: ServiceContext): SessionMethods {
  return {
    async createSession(adminId, ttlHours, sso) {
      if (typeof ttlHours !== 'number' || !(ttlHours > 0) || ttlHours > 24 * 366)
        throw new ServiceError('invalid_argument', 'session ttl must be a positive number of hours (at most a year)');
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = new Date(ctx.now() + Math.round(ttlHours * 3_600_000));
      return withTransaction(ctx.pool, async (c) => {
        const admin = await c.query<AdminRow>('SELECT * FROM admins WHERE id = $1', [adminId]);
        const row = admin.rows[0];
        if (!row) throw new ServiceError('not_found', `admin id "${adminId}" does not exist`);
        if (row.disabled_at) throw new ServiceError('unauthorized', `admin "${row.username}" is disabled`);
        await c.query('INSERT INTO admin_sessions (id, admin_id, expires_at, sso_id_token) VALUES ($1, $2, $3, $4)', [
          sessionId(secret),
          adminId,
          expiresAt,
          sso?.idToken ?? null,
        ]);
        await writeAudit(c, `admin:${row.username}`, 'admin.login', row.username, {
          expires_at: expiresAt.toISOString(),
          ...(sso ? { method: 'sso', role: row.role } : {}),
        });
        return { secret, expiresAt };
      });
    },

    async resolveSession(secret) {
      if (typeof secret !== 'string' || secret.length === 0 || secret.length > 256) return null;
      const res = await ctx.pool.query<AdminRow & { session_created_at: Date; expires_at: Date }>(
        `SELECT a.*, s.created_at AS session_created_at, s.expires_at
       FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
       WHERE s.id = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL`,
        [sessionId(secret), new Date(ctx.now())],
      );
      const r = res.rows[0];
      return r ? { admin: toAdmin(r), createdAt: r.session_created_at, expiresAt: r.expires_at } : null;
    },

    async deleteSession(secret) {
      if (typeof secret !== 'string' || secret.length === 0) return false;
      const res = await ctx.pool.query('DELETE FROM admin_sessions WHERE id = $1', [sessionId(secret)]);
      return (res.rowCount ?? 0) > 0;
    },

    async endSession(secret) {
      if (typeof secret !== 'string' || secret.length === 0) return null;
      const res = await ctx.pool.query<{ sso_id_token: string | null }>('DELETE FROM admin_sessions WHERE id = $1 RETURNING sso_id_token', [sessionId(secret)]);
      const r = res.rows[0];
      return r ? { ssoIdToken: r.sso_id_token } : null;
    },

    async purgeExpiredSessions() {
      const res = await ctx.pool.query('DELETE FROM admin_sessions WHERE expires_at <= $1', [new Date(ctx.now())]);
      return res.rowCount ?? 0;
    },
  };
}

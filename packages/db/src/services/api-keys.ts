// Keys of the admin REST API. The secret (`dsp_ak_` + 32 random bytes, base64url) is returned once;
// Postgres keeps its sha256, a 4-character hint, the role, who created it, and when it was last used.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { withTransaction } from '../pool.js';
import { parseAdminRole, type AdminRole } from '../roles.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

export interface ApiKey {
  id: string;
  name: string;
  role: AdminRole;
  /** last characters of the secret, for recognising it */
  hint: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ApiKeysService {
  /** the secret is in the result only: it cannot be read again */
  create(name: string, role: AdminRole): Promise<{ secret: string; key: ApiKey }>;
  list(options?: { includeRevoked?: boolean }): Promise<ApiKey[]>;
  /** by id, or by the name of a key that is not revoked; revoking twice is not an error */
  revoke(idOrName: string): Promise<ApiKey>;
  /** the live key with this secret (and marks it used now), or null */
  authenticate(secret: string): Promise<ApiKey | null>;
}

export const API_KEY_PREFIX = 'dsp_ak_';
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SECRET_PATTERN = /^dsp_ak_[A-Za-z0-9_-]{43}$/;

interface ApiKeyRow {
  id: string;
  name: string;
  role: AdminRole;
  hint: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  role: r.role,
  hint: r.hint,
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const COLUMNS = 'id, name, role, hint, created_by, created_at, last_used_at, revoked_at';
const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function createApiKeysService(ctx: ServiceContext): ApiKeysService {
  return {
    async create(name, role) {
      if (typeof name !== 'string' || !API_KEY_NAME_PATTERN.test(name))
        throw new ServiceError('invalid_argument', `invalid key name ${JSON.stringify(name)}: use 1-64 characters of A-Z a-z 0-9 . _ -`);
      parseAdminRole(role);
      const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
      return withTransaction(ctx.pool, async (c) => {
        let res;
        try {
          res = await c.query<ApiKeyRow>(
            `INSERT INTO admin_api_keys (id, name, role, secret_hash, hint, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
            [randomUUID(), name, role, hashSecret(secret), secret.slice(-4), ctx.actor],
          );
        } catch (e) {
          if (pgCode(e) === PG_UNIQUE_VIOLATION) throw new ServiceError('duplicate', `an API key named "${name}" already exists (revoke it first)`);
          throw e;
        }
        const key = toKey(res.rows[0]!);
        await writeAudit(c, ctx.actor, 'apikey.create', name, { id: key.id, role });
        return { secret, key };
      });
    },

    async list(options = {}) {
      const res = await ctx.pool.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM admin_api_keys ${options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY lower(name), created_at`,
      );
      return res.rows.map(toKey);
    },

    async revoke(idOrName) {
      if (typeof idOrName !== 'string' || idOrName === '') throw new ServiceError('invalid_argument', 'name the key to revoke (its name or id)');
      return withTransaction(ctx.pool, async (c) => {
        const found = await c.query<ApiKeyRow>(
          `SELECT ${COLUMNS} FROM admin_api_keys WHERE id = $1 OR (lower(name) = lower($1) AND revoked_at IS NULL) ORDER BY revoked_at NULLS FIRST LIMIT 1 FOR UPDATE`,
          [idOrName],
        );
        const row = found.rows[0];
        if (!row) throw new ServiceError('not_found', `API key "${idOrName}" does not exist`);
        if (row.revoked_at) return toKey(row);
        const res = await c.query<ApiKeyRow>(`UPDATE admin_api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [row.id]);
        await writeAudit(c, ctx.actor, 'apikey.revoke', row.name, { id: row.id });
        return toKey(res.rows[0]!);
      });
    },

    async authenticate(secret) {
      if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) return null;
      const res = await ctx.pool.query<ApiKeyRow>(
        `UPDATE admin_api_keys SET last_used_at = $2 WHERE secret_hash = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
        [hashSecret(secret), new Date(ctx.now())],
      );
      return res.rows[0] ? toKey(res.rows[0]) : null;
    },
  };
}

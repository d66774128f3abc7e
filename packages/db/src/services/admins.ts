// Operators of the admin console, and their login sessions.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { dummyHash, hashPassword, verifyPassword } from '../password.js';
import { withTransaction, type Queryable } from '../pool.js';
import { parseAdminRole, type AdminRole } from '../roles.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

export interface Admin {
  id: string;
  username: string;
  role: AdminRole;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface AdminSession {
  admin: Admin;
  createdAt: Date;
  expiresAt: Date;
}

export interface AdminsService {
  /** role defaults to `admin` */
  create(username: string, password: string, options?: { role?: AdminRole }): Promise<Admin>;
  list(): Promise<Admin[]>;
  get(username: string): Promise<Admin>;
  /** the admin when the password is right and the admin is not disabled, else null */
  verify(username: string, password: string): Promise<Admin | null>;
  setPassword(username: string, password: string): Promise<Admin>;
  /** `conflict` when it would leave no active operator with the admin role */
  setRole(username: string, role: AdminRole): Promise<Admin>;
  /** disables the admin and ends its sessions; `conflict` for the last active admin-role operator */
  disable(username: string): Promise<Admin>;
  enable(username: string): Promise<Admin>;
  /** a new session; only sha256(secret) is stored, the secret (base64url, 32 bytes) is the cookie */
  createSession(adminId: string, ttlHours: number): Promise<{ secret: string; expiresAt: Date }>;
  /** the session's admin, or null when unknown, expired, or the admin is disabled */
  resolveSession(secret: string): Promise<AdminSession | null>;
  /** true when a session was deleted */
  deleteSession(secret: string): Promise<boolean>;
  /** delete expired sessions; returns how many */
  purgeExpiredSessions(): Promise<number>;
}

export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

interface AdminRow {
  id: string;
  username: string;
  password_hash: string;
  role: AdminRole;
  created_at: Date;
  disabled_at: Date | null;
}

const toAdmin = (r: AdminRow): Admin => ({ id: r.id, username: r.username, role: r.role, createdAt: r.created_at, disabledAt: r.disabled_at });

/**
 * Refuses a change that would leave nobody able to manage operators in the console. Locks the
 * active admin-role rows, so two concurrent demotions cannot both pass (the second one re-reads
 * them after the first commits).
 */
async function assertAnotherAdmin(c: Queryable, row: AdminRow): Promise<void> {
  const res = await c.query<{ id: string }>("SELECT id FROM admins WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE");
  const ids = res.rows.map((r) => r.id);
  if (ids.includes(row.id) && ids.length === 1)
    throw new ServiceError('conflict', `"${row.username}" is the last active operator with the admin role; give another operator that role first`);
}

export const sessionId = (secret: string): string => createHash('sha256').update(secret).digest('hex');

function validateUsername(u: unknown): string {
  if (typeof u !== 'string' || !USERNAME_PATTERN.test(u))
    throw new ServiceError('invalid_argument', `invalid username ${JSON.stringify(u)}: use 1-64 characters of A-Z a-z 0-9 . _ @ -`);
  return u;
}

function validatePassword(p: unknown): string {
  if (typeof p !== 'string' || p.length < MIN_PASSWORD_LENGTH)
    throw new ServiceError('invalid_argument', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (p.length > MAX_PASSWORD_LENGTH) throw new ServiceError('invalid_argument', `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return p;
}

export function createAdminsService(ctx: ServiceContext): AdminsService {
  async function find(username: string): Promise<AdminRow | undefined> {
    const res = await ctx.pool.query<AdminRow>('SELECT * FROM admins WHERE lower(username) = lower($1)', [username]);
    return res.rows[0];
  }
  async function mustFind(username: string): Promise<AdminRow> {
    validateUsername(username);
    const row = await find(username);
    if (!row) throw new ServiceError('not_found', `admin "${username}" does not exist`);
    return row;
  }
  async function setDisabled(username: string, disabled: boolean): Promise<Admin> {
    const row = await mustFind(username);
    return withTransaction(ctx.pool, async (c) => {
      if (disabled) await assertAnotherAdmin(c, row);
      const res = await c.query<AdminRow>(`UPDATE admins SET disabled_at = ${disabled ? 'coalesce(disabled_at, now())' : 'NULL'} WHERE id = $1 RETURNING *`, [
        row.id,
      ]);
      if (disabled) await c.query('DELETE FROM admin_sessions WHERE admin_id = $1', [row.id]);
      if (Boolean(row.disabled_at) !== disabled) await writeAudit(c, ctx.actor, disabled ? 'admin.disable' : 'admin.enable', row.username, {});
      return toAdmin(res.rows[0]!);
    });
  }

  return {
    async create(username, password, options = {}) {
      validateUsername(username);
      validatePassword(password);
      const role = parseAdminRole(options.role ?? 'admin');
      const hash = await hashPassword(password);
      return withTransaction(ctx.pool, async (c) => {
        let res;
        try {
          res = await c.query<AdminRow>('INSERT INTO admins (id, username, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING *', [
            randomUUID(),
            username,
            hash,
            role,
          ]);
        } catch (e) {
          if (pgCode(e) === PG_UNIQUE_VIOLATION) throw new ServiceError('duplicate', `admin "${username}" already exists`);
          throw e;
        }
        await writeAudit(c, ctx.actor, 'admin.create', username, { role });
        return toAdmin(res.rows[0]!);
      });
    },

    async list() {
      const res = await ctx.pool.query<AdminRow>('SELECT * FROM admins ORDER BY lower(username)');
      return res.rows.map(toAdmin);
    },

    async get(username) {
      return toAdmin(await mustFind(username));
    },

    async verify(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return null;
      const row = USERNAME_PATTERN.test(username) ? await find(username) : undefined;
      const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
      if (!row || !ok || row.disabled_at) return null;
      return toAdmin(row);
    },

    async setPassword(username, password) {
      validatePassword(password);
      const row = await mustFind(username);
      const hash = await hashPassword(password);
      return withTransaction(ctx.pool, async (c) => {
        const res = await c.query<AdminRow>('UPDATE admins SET password_hash = $2 WHERE id = $1 RETURNING *', [row.id, hash]);
        // a new password ends every existing session
        await c.query('DELETE FROM admin_sessions WHERE admin_id = $1', [row.id]);
        await writeAudit(c, ctx.actor, 'admin.password', row.username, {});
        return toAdmin(res.rows[0]!);
      });
    },

    async setRole(username, role) {
      parseAdminRole(role);
      const row = await mustFind(username);
      return withTransaction(ctx.pool, async (c) => {
        if (role !== 'admin') await assertAnotherAdmin(c, row);
        const res = await c.query<AdminRow>('UPDATE admins SET role = $2 WHERE id = $1 RETURNING *', [row.id, role]);
        if (row.role !== role) await writeAudit(c, ctx.actor, 'admin.role', row.username, { from: row.role, to: role });
        return toAdmin(res.rows[0]!);
      });
    },

    disable: (username) => setDisabled(username, true),
    enable: (username) => setDisabled(username, false),

    async createSession(adminId, ttlHours) {
      if (typeof ttlHours !== 'number' || !(ttlHours > 0) || ttlHours > 24 * 366)
        throw new ServiceError('invalid_argument', 'session ttl must be a positive number of hours (at most a year)');
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = new Date(ctx.now() + Math.round(ttlHours * 3_600_000));
      return withTransaction(ctx.pool, async (c) => {
        const admin = await c.query<AdminRow>('SELECT * FROM admins WHERE id = $1', [adminId]);
        const row = admin.rows[0];
        if (!row) throw new ServiceError('not_found', `admin id "${adminId}" does not exist`);
        if (row.disabled_at) throw new ServiceError('unauthorized', `admin "${row.username}" is disabled`);
        await c.query('INSERT INTO admin_sessions (id, admin_id, expires_at) VALUES ($1, $2, $3)', [sessionId(secret), adminId, expiresAt]);
        await writeAudit(c, `admin:${row.username}`, 'admin.login', row.username, { expires_at: expiresAt.toISOString() });
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

    async purgeExpiredSessions() {
      const res = await ctx.pool.query('DELETE FROM admin_sessions WHERE expires_at <= $1', [new Date(ctx.now())]);
      return res.rowCount ?? 0;
    },
  };
}

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
  /** 'sso' for an operator made by single sign-on (no local password) */
  kind: 'local' | 'sso';
  email: string | null;
}

/** Who the OpenID provider says signed in, and the role the console's group mapping gave them. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  /** the console username (the email, or the provider's preferred username) */
  username: string;
  email: string | null;
  role: AdminRole;
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
  /**
   * The operator of an SSO identity, made at its first sign-in and updated (username, email, role)
   * at each one after. `conflict` when a local operator already has the username; `unauthorized`
   * when the operator was disabled in the console.
   */
  upsertSso(identity: SsoIdentity): Promise<Admin>;
  /**
   * A new session; only sha256(secret) is stored, the secret (base64url, 32 bytes) is the cookie.
   * `sso` marks a single sign-on (audited as such) and keeps its ID token for the provider's logout.
   */
  createSession(adminId: string, ttlHours: number, sso?: { idToken: string | null }): Promise<{ secret: string; expiresAt: Date }>;
  /** the session's admin, or null when unknown, expired, or the admin is disabled */
  resolveSession(secret: string): Promise<AdminSession | null>;
  /** true when a session was deleted */
  deleteSession(secret: string): Promise<boolean>;
  /** deletes the session; what was deleted (with the ID token of an SSO session), or null */
  endSession(secret: string): Promise<{ ssoIdToken: string | null } | null>;
  /** delete expired sessions; returns how many */
  purgeExpiredSessions(): Promise<number>;
}

export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

interface AdminRow {
  id: string;
  username: string;
  password_hash: string | null;
  role: AdminRole;
  created_at: Date;
  disabled_at: Date | null;
  sso_issuer: string | null;
  sso_subject: string | null;
  email: string | null;
}

const toAdmin = (r: AdminRow): Admin => ({
  id: r.id,
  username: r.username,
  role: r.role,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  kind: r.sso_subject ? 'sso' : 'local',
  email: r.email,
});

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
      // an SSO operator has no password: it is checked against the dummy, so the timing is the same
      const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
      if (!row || !row.password_hash || !ok || row.disabled_at) return null;
      return toAdmin(row);
    },

    async setPassword(username, password) {
      validatePassword(password);
      const row = await mustFind(username);
      if (row.sso_subject) throw new ServiceError('conflict', `operator "${row.username}" signs in with single sign-on and has no password`);
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

    async upsertSso(id) {
      validateUsername(id.username);
      const role = parseAdminRole(id.role);
      return withTransaction(ctx.pool, async (c) => {
        const bound = await c.query<AdminRow>('SELECT * FROM admins WHERE sso_issuer = $1 AND sso_subject = $2 FOR UPDATE', [id.issuer, id.subject]);
        const row = bound.rows[0];
        if (!row) {
          const taken = await c.query<AdminRow>('SELECT * FROM admins WHERE lower(username) = lower($1)', [id.username]);
          if (taken.rows[0])
            throw new ServiceError('conflict', `the operator name "${id.username}" is already taken by an operator that does not sign in with this provider`);
          const res = await c.query<AdminRow>(
            'INSERT INTO admins (id, username, password_hash, role, sso_issuer, sso_subject, email) VALUES ($1, $2, NULL, $3, $4, $5, $6) RETURNING *',
            [randomUUID(), id.username, role, id.issuer, id.subject, id.email],
          );
          await writeAudit(c, ctx.actor, 'admin.create', id.username, { role, sso: id.issuer, email: id.email });
          return toAdmin(res.rows[0]!);
        }
        if (row.disabled_at) throw new ServiceError('unauthorized', `operator "${row.username}" is disabled`);
        if (row.username !== id.username) {
          const taken = await c.query('SELECT 1 FROM admins WHERE lower(username) = lower($1) AND id <> $2', [id.username, row.id]);
          if (taken.rowCount) throw new ServiceError('conflict', `the operator name "${id.username}" is already taken by another operator`);
        }
        const res = await c.query<AdminRow>('UPDATE admins SET username = $2, role = $3, email = $4 WHERE id = $1 RETURNING *', [
          row.id,
          id.username,
          role,
          id.email,
        ]);
        // the provider's groups decide the role at every sign-in
        if (row.role !== role) await writeAudit(c, ctx.actor, 'admin.role', id.username, { from: row.role, to: role, sso: id.issuer });
        return toAdmin(res.rows[0]!);
      });
    },

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

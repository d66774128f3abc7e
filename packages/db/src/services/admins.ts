// Operators of the admin console: local ones with passwords, roles, disabling; SSO operators
// (admin-sso.ts) and login sessions (admin-sessions.ts) are their own modules.
import { randomUUID } from 'node:crypto';
import { PG_UNIQUE_VIOLATION, ServiceError, pgCode } from '../errors.js';
import { dummyHash, hashPassword, verifyPassword } from '../password.js';
import { withTransaction } from '../pool.js';
import { parseAdminRole } from '../roles.js';
import { assertAnotherAdmin, MAX_PASSWORD_LENGTH, toAdmin, USERNAME_PATTERN, validatePassword, validateUsername, type AdminRow } from './admin-rows.js';
import { createSessionMethods } from './admin-sessions.js';
import { upsertSso } from './admin-sso.js';
import type { Admin, AdminsService } from './admins-types.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

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
    upsertSso: (identity) => upsertSso(ctx, identity),
    ...createSessionMethods(ctx),
  };
}

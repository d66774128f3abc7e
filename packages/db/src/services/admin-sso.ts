// Operators made by single sign-on: bound to (issuer, subject), created at the first sign-in and
// updated at each one after, the provider's groups deciding the role every time.
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { withTransaction } from '../pool.js';
import { parseAdminRole } from '../roles.js';
import { toAdmin, validateUsername, type AdminRow } from './admin-rows.js';
import type { Admin, SsoIdentity } from './admins-types.js';
import { writeAudit } from './audit.js';
import type { ServiceContext } from './context.js';

export async function upsertSso(ctx: ServiceContext, id: SsoIdentity): Promise<Admin> {
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
}

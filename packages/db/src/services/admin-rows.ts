// An operator's row as stored, as shown, and the checks every write of one goes through.
import { ServiceError } from '../errors.js';
import type { Queryable } from '../pool.js';
import type { AdminRole } from '../roles.js';
import type { Admin } from './admins-types.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export interface AdminRow {
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

export const toAdmin = (r: AdminRow): Admin => ({
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
export async function assertAnotherAdmin(c: Queryable, row: AdminRow): Promise<void> {
  const res = await c.query<{ id: string }>("SELECT id FROM admins WHERE role = 'admin' AND disabled_at IS NULL FOR UPDATE");
  const ids = res.rows.map((r) => r.id);
  if (ids.includes(row.id) && ids.length === 1)
    throw new ServiceError('conflict', `"${row.username}" is the last active operator with the admin role; give another operator that role first`);
}

export function validateUsername(u: unknown): string {
  if (typeof u !== 'string' || !USERNAME_PATTERN.test(u))
    throw new ServiceError('invalid_argument', `invalid username ${JSON.stringify(u)}: use 1-64 characters of A-Z a-z 0-9 . _ @ -`);
  return u;
}

export function validatePassword(p: unknown): string {
  if (typeof p !== 'string' || p.length < MIN_PASSWORD_LENGTH)
    throw new ServiceError('invalid_argument', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (p.length > MAX_PASSWORD_LENGTH) throw new ServiceError('invalid_argument', `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  return p;
}

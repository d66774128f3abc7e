// Operator roles and what each may do. `admin` reads and changes; `viewer` only reads. Every
// caller (console pages, the console's route handlers, the REST API) asks `allows` / `assertAllows`
// instead of comparing role names itself.
import { ServiceError } from './errors.js';

export const ADMIN_ROLES = ['admin', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** `read`: look at anything; `write`: any change (users, tokens, quotas, operators, keys). */
export type Access = 'read' | 'write';

export function isAdminRole(v: unknown): v is AdminRole {
  return typeof v === 'string' && (ADMIN_ROLES as readonly string[]).includes(v);
}

export function parseAdminRole(v: unknown): AdminRole {
  if (!isAdminRole(v)) throw new ServiceError('invalid_argument', `invalid role ${JSON.stringify(v)}: use ${ADMIN_ROLES.join(' or ')}`);
  return v;
}

export function allows(role: AdminRole, access: Access): boolean {
  return access === 'read' || role === 'admin';
}

/** Throws `forbidden` unless `role` grants `access`; `who` names the caller in the message. */
export function assertAllows(role: AdminRole, access: Access, who: string): void {
  if (!allows(role, access)) throw new ServiceError('forbidden', `${who} has the ${role} role, which is read-only`);
}

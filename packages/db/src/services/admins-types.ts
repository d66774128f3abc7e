// The admins service's public types: operators, their SSO identities and sessions, and the service.
import type { AdminRole } from '../roles.js';

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

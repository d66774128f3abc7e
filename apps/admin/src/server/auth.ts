// Operator sessions: the cookie holds the session secret; Postgres (services.admins) holds only its
// hash, the admin and the expiry. Every page and handler resolves the session here.
import 'server-only';
import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { AdminRole, AdminSession, Services } from '@dsp/db';
import { SESSION_COOKIE, safeNext } from '../lib/constants';
import { services, servicesAs } from './context';

export interface Operator {
  session: AdminSession;
  username: string;
  /** `viewer` may only read (enforced by `authed` in ./api.ts) */
  role: AdminRole;
  /** the service layer acting as this operator (audit actor `admin:<username>`) */
  svc: Services;
}

async function resolve(secret: string | undefined): Promise<Operator | null> {
  if (!secret) return null;
  const session = await (await services()).admins.resolveSession(secret);
  if (!session) return null;
  return { session, username: session.admin.username, role: session.admin.role, svc: await servicesAs(session.admin.username) };
}

/** The signed-in operator of the current request (pages, layouts), or null. Cached per request. */
export const currentOperator = cache(async (): Promise<Operator | null> => {
  const jar = await cookies();
  return resolve(jar.get(SESSION_COOKIE)?.value);
});

/**
 * For pages and layouts: the operator, or a redirect to the sign-in page that comes back to the
 * requested path (told by the proxy) or `fallback`.
 */
export async function requireOperator(fallback = '/dashboard'): Promise<Operator> {
  const op = await currentOperator();
  if (!op) {
    const path = safeNext((await headers()).get('x-dsp-path') ?? fallback);
    redirect(`/login?next=${encodeURIComponent(path)}`);
  }
  return op;
}

/** For route handlers: the operator of this request's cookie, or null. */
export function operatorFromCookie(secret: string | undefined): Promise<Operator | null> {
  return resolve(secret);
}

export interface SessionCookie {
  name: string;
  value: string;
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
  path: '/';
  expires: Date;
}

/** True when the browser reached us over https (directly or through a TLS-terminating proxy). */
export function isHttps(req: Request): boolean {
  const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (proto) return proto === 'https';
  return new URL(req.url).protocol === 'https:';
}

export function sessionCookie(req: Request, value: string, expires: Date): SessionCookie {
  return { name: SESSION_COOKIE, value, httpOnly: true, sameSite: 'lax', secure: isHttps(req), path: '/', expires };
}

// POST /api/auth/login {username, password} → sets the session cookie. Throttled per client
// address (429 with Retry-After) and slowed per account (src/server/throttle.ts); failed sign-ins
// and address blocks go to the audit log. Refused (403) when [admin] local_passwords = false. Refuses cross-site posts like every mutation.
import { setTimeout as sleep } from 'node:timers/promises';
import { NextResponse } from 'next/server';
import { apiError, jsonBody, noStore, open } from '@/server/api';
import { sessionCookie } from '@/server/auth';
import { clientAddress } from '@/server/client-address';
import { redis, services } from '@/server/context';
import { adminSettings } from '@/server/env';
import { localPasswordsAllowed } from '@/server/oidc';
import { checkThrottle, clearFailures, recordFailure } from '@/server/throttle';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = open(async (req) => {
  if (!localPasswordsAllowed()) return apiError(403, 'local_passwords_disabled', 'sign-in with a local password is switched off; use single sign-on');
  const body = await jsonBody(req);
  const username = typeof body.username === 'string' ? body.username.trim() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  if (!username || !password) return apiError(400, 'invalid_argument', 'username and password are required');

  const settings = adminSettings();
  const address = clientAddress(req.headers, settings.trustedProxies);
  let state;
  try {
    state = await checkThrottle(await redis(), settings.redisPrefix, username, address);
  } catch (e) {
    console.error('[admin] login throttle unavailable:', e instanceof Error ? e.message : e);
    return apiError(503, 'throttle_unavailable', 'sign-in is unavailable while Redis is unreachable');
  }
  if (state.retryAfter > 0) return tooMany(state.retryAfter);
  if (state.delayMs > 0) await sleep(state.delayMs);

  const svc = await services();
  const admin = await svc.admins.verify(username, password);
  const audit = svc.withActor(`login:${address}`).audit;
  const target = username.slice(0, 64);
  if (!admin) {
    const wait = await recordFailure(await redis(), settings.redisPrefix, username, address).catch(() => 0);
    await audit.record('admin.login_failed', target, { address }).catch(() => {});
    if (wait > 0) await audit.record('admin.login_blocked', target, { address, seconds: wait }).catch(() => {});
    return apiError(401, 'bad_credentials', 'wrong username or password');
  }
  await clearFailures(await redis(), settings.redisPrefix, address).catch(() => {});
  const { secret, expiresAt } = await svc.admins.createSession(admin.id, settings.sessionTtlHours);
  const res = NextResponse.json({ ok: true, username: admin.username, expiresAt: expiresAt.toISOString() }, { headers: noStore });
  res.cookies.set(sessionCookie(req, secret, expiresAt));
  return res;
});

function tooMany(seconds: number): NextResponse {
  const when = seconds < 60 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`;
  return apiError(429, 'too_many_attempts', `too many failed sign-ins from this address; try again in ${when}`, { 'Retry-After': String(seconds) });
}

// POST /api/auth/login {username, password} → sets the session cookie. Throttled per username and
// client address (429 with Retry-After); refuses cross-site posts like every mutation.
import { NextResponse } from 'next/server';
import { apiError, jsonBody, noStore, open } from '@/server/api';
import { sessionCookie } from '@/server/auth';
import { redis, services } from '@/server/context';
import { adminSettings } from '@/server/env';
import { checkThrottle, clearFailures, clientAddress, recordFailure } from '@/server/throttle';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = open(async (req) => {
  const body = await jsonBody(req);
  const username = typeof body.username === 'string' ? body.username.trim() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  if (!username || !password) return apiError(400, 'invalid_argument', 'username and password are required');

  const settings = adminSettings();
  const address = clientAddress(req.headers);
  let state;
  try {
    state = await checkThrottle(await redis(), settings.redisPrefix, username, address);
  } catch (e) {
    console.error('[admin] login throttle unavailable:', e instanceof Error ? e.message : e);
    return apiError(503, 'throttle_unavailable', 'sign-in is unavailable while Redis is unreachable');
  }
  if (state.blocked) {
    return apiError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(state.retryAfter / 60)} minute(s)`, {
      'Retry-After': String(state.retryAfter),
    });
  }

  const svc = await services();
  const admin = await svc.admins.verify(username, password);
  if (!admin) {
    await recordFailure(await redis(), settings.redisPrefix, username, address).catch(() => {});
    return apiError(401, 'bad_credentials', 'wrong username or password');
  }
  await clearFailures(await redis(), settings.redisPrefix, username, address).catch(() => {});
  const { secret, expiresAt } = await svc.admins.createSession(admin.id, settings.sessionTtlHours);
  const res = NextResponse.json({ ok: true, username: admin.username, expiresAt: expiresAt.toISOString() }, { headers: noStore });
  res.cookies.set(sessionCookie(req, secret, expiresAt));
  return res;
});

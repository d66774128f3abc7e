// GET /api/auth/oidc/start?next=/path → redirect to the OpenID provider's sign-in (authorization
// code + PKCE). The flow's one-time values ride in a short-lived HttpOnly cookie (src/server/oidc.ts).
import { NextResponse } from 'next/server';
import { safeNext } from '@/lib/constants';
import { open } from '@/server/api';
import { isHttps } from '@/server/auth';
import { FLOW_COOKIE, FLOW_COOKIE_PATH, FLOW_TTL_SECONDS, authorizationUrl, encodeFlow, oidcSettings } from '@/server/oidc';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = open(async (req) => {
  const s = oidcSettings();
  const login = (error: string) => NextResponse.redirect(new URL(`/login?sso_error=${error}`, s?.publicUrl || req.url), 303);
  if (!s) return login('off');
  const next = safeNext(req.nextUrl.searchParams.get('next'));
  let started;
  try {
    started = await authorizationUrl(s, next);
  } catch (e) {
    console.error('[admin] single sign-on: the provider is unreachable:', e instanceof Error ? e.message : e);
    return login('unavailable');
  }
  const res = NextResponse.redirect(started.url, 303);
  res.headers.set('Cache-Control', 'no-store');
  res.cookies.set({
    name: FLOW_COOKIE,
    value: encodeFlow(started.flow),
    httpOnly: true,
    // lax: the provider sends the browser back with a top-level GET from its own site
    sameSite: 'lax',
    secure: isHttps(req),
    path: FLOW_COOKIE_PATH,
    maxAge: FLOW_TTL_SECONDS,
  });
  return res;
});

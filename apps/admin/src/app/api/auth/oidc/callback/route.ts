// GET /api/auth/oidc/callback?code=…&state=… → the provider sends the browser back here. The code is
// redeemed (state, nonce, PKCE, ID token checked by openid-client), the claims mapped to a role,
// the operator made or updated, and a new session cookie set (any old session of this browser is
// ended: a sign-in always rotates the session). A refusal goes back to the sign-in page with a
// code it explains, and to the audit log.
import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE, safeNext } from '@/lib/constants';
import { open } from '@/server/api';
import { isHttps, sessionCookie } from '@/server/auth';
import { clientAddress } from '@/server/client-address';
import { services } from '@/server/context';
import { serviceErrorCode } from '@/server/dsp';
import { adminSettings } from '@/server/env';
import { FLOW_COOKIE, FLOW_COOKIE_PATH, decodeFlow, mapClaims, oidcSettings, redeem } from '@/server/oidc';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = open(async (req: NextRequest) => {
  const s = oidcSettings();
  const base = s?.publicUrl || req.url;
  const clearFlow = (res: NextResponse) => {
    res.cookies.set({ name: FLOW_COOKIE, value: '', httpOnly: true, sameSite: 'lax', secure: isHttps(req), path: FLOW_COOKIE_PATH, maxAge: 0 });
    res.headers.set('Cache-Control', 'no-store');
    return res;
  };
  const login = (error: string) => clearFlow(NextResponse.redirect(new URL(`/login?sso_error=${error}`, base), 303));
  if (!s) return login('off');

  const settings = adminSettings();
  const address = clientAddress(req.headers, settings.trustedProxies);
  const svc = await services();
  const audit = svc.withActor(`login:${address}`).audit;
  const deny = async (reason: string, target: string, details: Record<string, unknown> = {}) => {
    await audit.record('admin.sso_denied', target.slice(0, 128), { address, reason, ...details }).catch(() => {});
    return login(reason);
  };

  const flow = decodeFlow(req.cookies.get(FLOW_COOKIE)?.value);
  const params = req.nextUrl.searchParams;
  if (params.get('error')) {
    return deny('provider', 'sso', { error: params.get('error')!.slice(0, 64), description: (params.get('error_description') ?? '').slice(0, 200) });
  }
  if (!flow) return login('expired');

  let claims, idToken;
  try {
    ({ claims, idToken } = await redeem(s, req.nextUrl.search, flow));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    console.error('[admin] single sign-on: the code was not accepted:', message);
    return deny('failed', 'sso', { error: message.slice(0, 200) });
  }

  const m = mapClaims(s, claims);
  const who = m.email ?? String(claims.sub);
  if (!m.ok) return deny(m.reason, who, { email: m.email, groups: m.groups.slice(0, 20) });

  let admin;
  try {
    admin = await svc.withActor(`sso:${s.issuer}`).admins.upsertSso({
      issuer: s.issuer,
      subject: String(claims.sub),
      username: m.username,
      email: m.email,
      role: m.role,
    });
  } catch (e) {
    const code = await serviceErrorCode(e);
    if (code === 'conflict') return deny('taken', who, { username: m.username, email: m.email });
    if (code === 'unauthorized') return deny('disabled', who, { username: m.username, email: m.email });
    throw e;
  }

  const old = req.cookies.get(SESSION_COOKIE)?.value;
  if (old) await svc.admins.deleteSession(old).catch(() => false);
  const { secret, expiresAt } = await svc.admins.createSession(admin.id, settings.sessionTtlHours, { idToken });
  const res = clearFlow(NextResponse.redirect(new URL(safeNext(flow.next), base), 303));
  res.cookies.set(sessionCookie(req, secret, expiresAt));
  return res;
});

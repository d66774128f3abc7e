// POST /api/auth/logout → deletes the session (Postgres) and clears the cookie. For a single sign-on
// session the answer names the provider's logout URL (`redirect`), where the browser goes next.
import { NextResponse } from 'next/server';
import { SESSION_COOKIE } from '@/lib/constants';
import { authed, noStore } from '@/server/api';
import { sessionCookie } from '@/server/auth';
import { services } from '@/server/context';
import { endSessionUrl, oidcSettings } from '@/server/oidc';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// any operator may sign out, a viewer too
export const POST = authed(
  async ({ req }) => {
    const secret = req.cookies.get(SESSION_COOKIE)?.value;
    const ended = secret ? await (await services()).admins.endSession(secret) : null;
    const s = oidcSettings();
    const redirect = ended?.ssoIdToken && s ? await endSessionUrl(s, ended.ssoIdToken) : null;
    const res = NextResponse.json({ ok: true, ...(redirect ? { redirect } : {}) }, { headers: noStore });
    res.cookies.set({ ...sessionCookie(req, '', new Date(0)), maxAge: 0 });
    return res;
  },
  { access: 'read' },
);

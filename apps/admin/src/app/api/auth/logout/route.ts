// POST /api/auth/logout → deletes the session (Postgres) and clears the cookie.
import { NextResponse } from 'next/server';
import { SESSION_COOKIE } from '@/lib/constants';
import { authed, noStore } from '@/server/api';
import { sessionCookie } from '@/server/auth';
import { services } from '@/server/context';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// any operator may sign out, a viewer too
export const POST = authed(
  async ({ req }) => {
    const secret = req.cookies.get(SESSION_COOKIE)?.value;
    if (secret) await (await services()).admins.deleteSession(secret);
    const res = NextResponse.json({ ok: true }, { headers: noStore });
    res.cookies.set({ ...sessionCookie(req, '', new Date(0)), maxAge: 0 });
    return res;
  },
  { access: 'read' },
);

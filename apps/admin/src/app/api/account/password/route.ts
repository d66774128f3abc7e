// POST /api/account/password {current, password} → changes the signed-in operator's own password.
// Any role may do this (it changes only the caller's own account), after the current password.
import { NextResponse } from 'next/server';
import { apiError, authed, jsonBody, noStore } from '@/server/api';
import { str } from '@/server/input';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed(
  async ({ req, op }) => {
    const body = await jsonBody(req);
    const current = str(body, 'current')!;
    const next = str(body, 'password')!;
    if (!(await op.svc.admins.verify(op.username, current))) return apiError(400, 'wrong_password', 'the current password is wrong');
    await op.svc.admins.setPassword(op.username, next);
    return NextResponse.json({ ok: true }, { headers: noStore });
  },
  { access: 'read' },
);

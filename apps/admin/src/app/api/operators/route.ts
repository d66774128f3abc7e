// POST /api/operators {username, password, role?} → creates an operator (admin role required).
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { str } from '@/server/input';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed(async ({ req, op }) => {
  const body = await jsonBody(req);
  const a = await op.svc.admins.create(str(body, 'username')!, str(body, 'password')!, { role: (str(body, 'role', { optional: true }) ?? 'admin') as never });
  return NextResponse.json({ operator: { username: a.username, role: a.role } }, { status: 201, headers: noStore });
});

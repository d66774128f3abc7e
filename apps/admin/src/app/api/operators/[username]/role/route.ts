// POST /api/operators/:username/role {role: "admin" | "viewer"} (admin role required; the last
// active admin cannot be demoted).
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { str } from '@/server/input';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ username: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  const a = await op.svc.admins.setRole(params.username, str(body, 'role') as never);
  return NextResponse.json({ operator: { username: a.username, role: a.role } }, { headers: noStore });
});

// POST /api/users/:id/status {status: "active" | "disabled"} → enables / disables the user
// (Postgres + audit, then the Redis user hash the gateway reads on the next request).
import { NextResponse } from 'next/server';
import { BadRequest, authed, jsonBody, noStore } from '@/server/api';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  const id = params.id;
  let user;
  if (body.status === 'disabled') user = await op.svc.users.disable(id);
  else if (body.status === 'active') user = await op.svc.users.enable(id);
  else throw new BadRequest('status must be "active" or "disabled"');
  return NextResponse.json({ user: serializeUser(user) }, { headers: noStore });
});

// POST /api/users/:id/profile {name?, notes?, labels?} → the operators' name, notes and labels of a user (audited).
import { NextResponse } from 'next/server';
import { BadRequest, authed, jsonBody, noStore } from '@/server/api';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  for (const k of Object.keys(body))
    if (!['name', 'notes', 'labels'].includes(k)) throw new BadRequest(`unknown field ${JSON.stringify(k)}: name, notes or labels`);
  const user = await op.svc.users.update(params.id, body as { name?: string | null; notes?: string | null; labels?: string[] | null });
  return NextResponse.json({ user: serializeUser(user) }, { headers: noStore });
});

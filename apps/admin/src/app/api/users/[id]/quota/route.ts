// POST /api/users/:id/quota {dailyRequests?, dailyTokens?, monthlyTokens?} (a number >= 0, 0
// blocks; "unlimited"; or null = the config default; a key left out is unchanged) → sets the quotas.
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { quotaPatch } from '@/server/input';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  const user = await op.svc.quotas.set(params.id, quotaPatch(body));
  return NextResponse.json({ user: serializeUser(user) }, { headers: noStore });
});

// GET /api/users?search=&offset=&limit= → a page of users (with usage and limits)
// POST /api/users {id, name?, dailyRequests?, dailyTokens?, monthlyTokens?} → creates a user
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { quotaPatch, str } from '@/server/input';
import { serializeUser, serializeUserSummary } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ req, op }) => {
  const q = req.nextUrl.searchParams;
  const int = (k: string) => (q.get(k) ? Number(q.get(k)) : undefined);
  const status = q.get('status');
  const res = await op.svc.users.list({
    search: q.get('search') ?? undefined,
    offset: int('offset'),
    limit: int('limit') ?? 20,
    status: status === 'active' || status === 'disabled' ? status : undefined,
  });
  return NextResponse.json({ total: res.total, usageError: res.usageError ?? null, rows: res.rows.map(serializeUserSummary) }, { headers: noStore });
});

export const POST = authed(async ({ req, op }) => {
  const body = await jsonBody(req);
  const user = await op.svc.users.create({
    id: str(body, 'id')!.trim(),
    name: str(body, 'name', { optional: true }) ?? null,
    quotas: quotaPatch(body),
  });
  return NextResponse.json({ user: serializeUser(user) }, { status: 201, headers: noStore });
});

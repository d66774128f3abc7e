// GET /api/tokens?user= → token records (never the JWTs)
// POST /api/tokens {userId, name?, concurrency?, models?, expiresIn?} → {token, record}: the JWT,
// returned this once and never stored.
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { numOrNull, str, strList } from '@/server/input';
import { serializeToken } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ req, op }) => {
  const user = req.nextUrl.searchParams.get('user') || undefined;
  const rows = await op.svc.tokens.list(user);
  return NextResponse.json({ rows: rows.map(serializeToken) }, { headers: noStore });
});

export const POST = authed(async ({ req, op }) => {
  const body = await jsonBody(req);
  const models = strList(body, 'models');
  const { token, record } = await op.svc.tokens.issue(str(body, 'userId')!, {
    name: str(body, 'name', { optional: true }),
    concurrency: numOrNull(body, 'concurrency') ?? null,
    models: models && models.length > 0 ? models : null,
    expiresIn: str(body, 'expiresIn', { optional: true }) ?? null,
  });
  return NextResponse.json({ token, record: serializeToken(record) }, { status: 201, headers: noStore });
});

// POST /api/tokens/:id/revoke → revokes the token (Postgres + audit, then the Redis revoked set the
// gateway checks on the next request).
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { serializeToken } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ op, params }) => {
  const record = await op.svc.tokens.revoke(params.id);
  return NextResponse.json({ record: serializeToken(record) }, { headers: noStore });
});

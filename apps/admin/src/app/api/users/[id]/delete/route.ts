// POST /api/users/:id/delete → soft delete: disabled, its tokens revoked, out of the lists; the ledger keeps its rows (audited).
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ op, params }) =>
  NextResponse.json({ user: serializeUser(await op.svc.users.delete(params.id)) }, { headers: noStore }),
);

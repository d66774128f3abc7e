// POST /api/users/:id/restore → undoes a delete; the user stays disabled and its tokens revoked (audited).
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ op, params }) =>
  NextResponse.json({ user: serializeUser(await op.svc.users.restore(params.id)) }, { headers: noStore }),
);

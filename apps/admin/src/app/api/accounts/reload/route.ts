// POST /api/accounts/reload → every gateway host re-reads its accounts from its configuration file
// (like SIGHUP; streams in flight finish on the account they started on). Audited.
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed(async ({ op }) => NextResponse.json({ hosts: await op.svc.accounts.reload() }, { headers: noStore }));

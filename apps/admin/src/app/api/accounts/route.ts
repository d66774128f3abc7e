// GET /api/accounts → every configured upstream account with its state and live figures.
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { accountsOverview } from '@/server/accounts';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ op }) => NextResponse.json(await accountsOverview(op.svc), { headers: noStore }));

// GET /api/metrics/history → the last 24 hours, one point per minute (from Redis).
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ op }) => NextResponse.json({ points: await op.svc.history.minutes() }, { headers: noStore }));

// GET /api/metrics → the latest live-metrics snapshot of every gateway host (scraped now if none is
// fresh), plus the recent history of the totals.
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { INTERVAL_MS, scraper } from '@/server/scraper';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async () => {
  const s = scraper();
  s.want();
  let latest = s.latest();
  if (!latest || Date.now() - latest.at > 2 * INTERVAL_MS) latest = await s.scrapeOnce();
  return NextResponse.json({ urls: s.urls(), snapshot: latest, history: s.points() }, { headers: noStore });
});

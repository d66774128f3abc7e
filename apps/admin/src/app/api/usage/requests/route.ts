// GET /api/usage/requests?user=&token=&model=&route=&status=&from=&to=&before=&limit=&format=csv|json
// → one page of the request log, filtered (the console's request log and its CSV export).
import { NextResponse } from 'next/server';
import { authed, noStore } from '@/server/api';
import { serializeRequest } from '@/server/serialize';
import { requestLogFilters } from '@/server/request-log';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ req, op }) => {
  const q = req.nextUrl.searchParams;
  const options = { ...requestLogFilters(q), before: q.get('before') || undefined, limit: q.get('limit') ? Number(q.get('limit')) : 50 };
  if (q.get('format') === 'csv') {
    return new Response(await op.svc.usage.requestsCsv(options), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="requests.csv"',
        'Cache-Control': 'no-store',
      },
    });
  }
  const res = await op.svc.usage.requests(options);
  return NextResponse.json({ rows: res.rows.map(serializeRequest), nextCursor: res.nextCursor }, { headers: noStore });
});

// GET /api/usage/export?from=YYYY-MM-DD&to=YYYY-MM-DD&user= → the daily ledger (day × user × model)
// as CSV, days in the quota timezone (services.usage.dailyCsv).
import { authed } from '@/server/api';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = authed(async ({ req, op }) => {
  const q = req.nextUrl.searchParams;
  const from = q.get('from') || undefined;
  const to = q.get('to') || undefined;
  const userId = q.get('user') || undefined;
  const csv = await op.svc.usage.dailyCsv({ from, to, userId });
  const name = `usage-${from ?? 'start'}-${to ?? 'today'}${userId ? `-${userId.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.csv`;
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    },
  });
});

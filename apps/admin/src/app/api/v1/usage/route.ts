// GET /api/v1/usage?from=&to=&user=&format=json|csv → the daily ledger (day × user × model)
import { v1, noStore } from '@/server/v1/handler';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.usage, async ({ svc, query }) => {
  const range = { from: query.from, to: query.to, userId: query.user };
  if (query.format === 'csv') {
    return new Response(await svc.usage.dailyCsv(range), { headers: { 'Content-Type': 'text/csv; charset=utf-8', ...noStore } });
  }
  return Response.json(await svc.usage.daily(range), { headers: noStore });
});

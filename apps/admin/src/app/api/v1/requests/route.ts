// GET /api/v1/requests?user=&token=&model=&route=&status=&from=&to=&limit=&cursor= → the request log
import { v1, noStore } from '@/server/v1/handler';
import { ROUTES } from '@/server/v1/routes';
import { serializeRequest } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.requests, async ({ svc, query }) => {
  const page = await svc.usage.requests({
    userId: query.user,
    tokenId: query.token,
    model: query.model,
    route: query.route,
    status: query.status,
    from: query.from,
    to: query.to,
    limit: query.limit,
    before: query.cursor,
  });
  return Response.json({ rows: page.rows.map(serializeRequest), nextCursor: page.nextCursor }, { headers: noStore });
});

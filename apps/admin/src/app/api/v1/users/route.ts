// GET /api/v1/users, POST /api/v1/users (Idempotency-Key): see ROUTES in src/server/v1/routes.ts.
import { v1, noStore } from '@/server/v1/handler';
import { presentUser } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.listUsers, async ({ svc, query }) => {
  const limit = query.limit ?? 50;
  const page = await svc.users.list({ status: query.status, search: query.search, label: query.label, deleted: query.deleted, after: query.cursor, limit });
  const rows = page.rows.map(presentUser);
  return Response.json({ rows, nextCursor: rows.length === limit ? rows[rows.length - 1]!.id : null }, { headers: noStore });
});

export const POST = v1(ROUTES.createUser, async ({ svc, body, once }) => {
  const { dailyRequests, dailyTokens, monthlyTokens } = body;
  const { value, replayed } = await once(
    async () => {
      const user = await svc.users.create({ id: body.id, name: body.name ?? null, quotas: { dailyRequests, dailyTokens, monthlyTokens } });
      return { resource: user.id, value: user };
    },
    (id) => svc.users.get(id),
  );
  return Response.json(presentUser(value), { status: replayed ? 200 : 201, headers: noStore });
});

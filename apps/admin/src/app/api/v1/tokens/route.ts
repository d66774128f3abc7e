// GET /api/v1/tokens, POST /api/v1/tokens (Idempotency-Key; a retry gets a JWT of the same token)
import { v1, noStore } from '@/server/v1/handler';
import { presentToken } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.listTokens, async ({ svc, query }) => {
  const page = await svc.tokens.page({ userId: query.user, status: query.status, after: query.cursor, limit: query.limit });
  return Response.json({ rows: page.rows.map(presentToken), nextCursor: page.nextCursor }, { headers: noStore });
});

export const POST = v1(ROUTES.issueToken, async ({ svc, body, once }) => {
  const { userId, ...options } = body;
  const { value, replayed } = await once(
    async () => {
      const issued = await svc.tokens.issue(userId, options);
      return { resource: issued.record.id, value: issued };
    },
    (jti) => svc.tokens.remint(jti),
  );
  return Response.json({ token: value.token, record: presentToken(value.record) }, { status: replayed ? 200 : 201, headers: noStore });
});

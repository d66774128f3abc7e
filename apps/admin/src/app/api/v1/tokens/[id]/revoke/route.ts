// POST /api/v1/tokens/{id}/revoke
import { v1, noStore } from '@/server/v1/handler';
import { presentToken } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = v1(ROUTES.revokeToken, async ({ svc, params }) => {
  return Response.json(presentToken(await svc.tokens.revoke(params.id)), { headers: noStore });
});

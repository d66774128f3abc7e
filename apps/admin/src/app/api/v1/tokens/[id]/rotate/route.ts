// POST /api/v1/tokens/{id}/rotate {grace?, concurrency?, models?, expiresIn?} (Idempotency-Key; a
// retry gets a JWT of the same new token)
import { v1, noStore } from '@/server/v1/handler';
import { presentToken } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = v1(ROUTES.rotateToken, async ({ svc, params, body, once }) => {
  const { value } = await once(
    async () => {
      const r = await svc.tokens.rotate(params.id, body ?? {});
      return { resource: r.record.id, value: r };
    },
    async (jti) => ({ ...(await svc.tokens.remint(jti)), replaced: await svc.tokens.get(params.id) }),
  );
  return Response.json({ token: value.token, record: presentToken(value.record), replaced: presentToken(value.replaced) }, { status: 201, headers: noStore });
});

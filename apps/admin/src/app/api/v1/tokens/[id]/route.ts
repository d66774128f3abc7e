// PATCH /api/v1/tokens/{id} {dailyBudget?, monthlyBudget?}
import { v1, noStore } from '@/server/v1/handler';
import { presentToken } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const PATCH = v1(ROUTES.updateToken, async ({ svc, params, body }) => {
  await svc.budgets.setToken(params.id, body);
  return Response.json(presentToken(await svc.tokens.get(params.id)), { headers: noStore });
});

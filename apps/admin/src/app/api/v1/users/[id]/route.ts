// GET /api/v1/users/{id}, PATCH /api/v1/users/{id} {status?, dailyRequests?, dailyTokens?, monthlyTokens?, dailyBudget?,
// monthlyBudget?, name?, notes?, labels?}, DELETE /api/v1/users/{id} (soft delete)
import { v1, noStore } from '@/server/v1/handler';
import { presentUser } from '@/server/v1/present';
import { ROUTES } from '@/server/v1/routes';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = v1(ROUTES.getUser, async ({ svc, params }) => {
  return Response.json(presentUser(await svc.users.get(params.id)), { headers: noStore });
});

export const PATCH = v1(ROUTES.updateUser, async ({ svc, params, body }) => {
  const { status, dailyBudget, monthlyBudget, name, notes, labels, ...quotas } = body;
  const profile = { ...(name !== undefined ? { name } : {}), ...(notes !== undefined ? { notes } : {}), ...(labels !== undefined ? { labels } : {}) };
  if (Object.keys(profile).length > 0) await svc.users.update(params.id, profile);
  const budgets = { ...(dailyBudget !== undefined ? { dailyBudget } : {}), ...(monthlyBudget !== undefined ? { monthlyBudget } : {}) };
  if (Object.keys(quotas).length > 0) await svc.users.setQuota(params.id, quotas);
  if (Object.keys(budgets).length > 0) await svc.budgets.setUser(params.id, budgets);
  if (status === 'disabled') await svc.users.disable(params.id);
  if (status === 'active') await svc.users.enable(params.id);
  return Response.json(presentUser(await svc.users.get(params.id)), { headers: noStore });
});

export const DELETE = v1(ROUTES.deleteUser, async ({ svc, params }) => Response.json(presentUser(await svc.users.delete(params.id)), { headers: noStore }));

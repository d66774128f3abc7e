// POST /api/tokens/:id/budget {dailyBudget?, monthlyBudget?} (an exact decimal string >= 0 in
// [quota] budget_currency, 0 blocks; or null = no budget; a key left out is unchanged) → the
// token's budgets. The same change as `dsp quota set USER --token JTI` and PATCH /api/v1/tokens/{id}.
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { budgetPatch } from '@/server/input';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  // the service validates the values (and names a bad one in its invalid_argument message)
  const budgets = await op.svc.budgets.setToken(params.id, budgetPatch(body));
  return NextResponse.json({ budgets, currency: op.svc.budgets.currency() }, { headers: noStore });
});

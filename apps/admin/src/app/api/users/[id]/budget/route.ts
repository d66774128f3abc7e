// POST /api/users/:id/budget {dailyBudget?, monthlyBudget?} (an exact decimal string >= 0 in
// [quota] budget_currency, 0 blocks; or null = no budget; a key left out is unchanged).
import { NextResponse } from 'next/server';
import { authed, jsonBody, noStore } from '@/server/api';
import { budgetPatch } from '@/server/input';
import { serializeUser } from '@/server/serialize';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const POST = authed<{ id: string }>(async ({ req, op, params }) => {
  const body = await jsonBody(req);
  // the service validates the values (and names a bad one in its invalid_argument message)
  const user = await op.svc.budgets.setUser(params.id, budgetPatch(body));
  return NextResponse.json({ user: serializeUser(user) }, { headers: noStore });
});

import { notFound } from 'next/navigation';
import { RefusalsCard } from '@/components/RefusalsCard';
import { UserDetail } from '@/components/UserDetail';
import { requireOperator } from '@/server/auth';
import { serviceErrorCode } from '@/server/dsp';
import { adminSettings, getConfig } from '@/server/env';
import { serializeRefusal, serializeToken, serializeUserSummary } from '@/server/serialize';

export const dynamic = 'force-dynamic';

export default async function UserPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const reason = typeof sp.reason === 'string' && sp.reason !== '' ? sp.reason : undefined;
  const op = await requireOperator(`/users/${encodeURIComponent(id)}`);
  let data;
  try {
    const [user, tokens, usage, refused, tokenSpend] = await Promise.all([
      op.svc.users.get(id),
      op.svc.tokens.list(id),
      op.svc.usage.forUser(id),
      op.svc.refusals.list({ userId: id, reason }),
      // the live counters; without Redis the page still shows, the spend as "—"
      op.svc.budgets.tokenSpend(id).catch(() => null),
    ]);
    data = { user, tokens, usage, refused, tokenSpend };
  } catch (e) {
    const code = await serviceErrorCode(e);
    if (code === 'not_found' || code === 'invalid_argument') notFound();
    throw e;
  }
  return (
    <>
      <UserDetail
        user={serializeUserSummary(data.user)}
        tokens={data.tokens.map(serializeToken)}
        usage={{ from: data.usage.from, to: data.usage.to, byDay: data.usage.byDay, byModel: data.usage.byModel, totals: data.usage.totals }}
        defaults={op.svc.quotas.defaults()}
        models={adminSettings().models}
        defaultConcurrency={getConfig().limits.token_concurrency}
        budgetCurrency={op.svc.budgets.currency()}
        tokenSpend={data.tokenSpend}
      />
      <RefusalsCard
        rows={data.refused.rows.map(serializeRefusal)}
        byReason={data.refused.byReason}
        total={data.refused.total}
        reason={reason ?? null}
        showUser={false}
      />
    </>
  );
}

import { notFound } from 'next/navigation';
import { UserDetail } from '@/components/UserDetail';
import { requireOperator } from '@/server/auth';
import { serviceErrorCode } from '@/server/dsp';
import { adminSettings, getConfig } from '@/server/env';
import { serializeToken, serializeUserSummary } from '@/server/serialize';

export const dynamic = 'force-dynamic';

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const op = await requireOperator(`/users/${encodeURIComponent(id)}`);
  let data;
  try {
    const [user, tokens, usage] = await Promise.all([op.svc.users.get(id), op.svc.tokens.list(id), op.svc.usage.forUser(id)]);
    data = { user, tokens, usage };
  } catch (e) {
    const code = await serviceErrorCode(e);
    if (code === 'not_found' || code === 'invalid_argument') notFound();
    throw e;
  }
  return (
    <UserDetail
      user={serializeUserSummary(data.user)}
      tokens={data.tokens.map(serializeToken)}
      usage={{ from: data.usage.from, to: data.usage.to, byDay: data.usage.byDay, byModel: data.usage.byModel, totals: data.usage.totals }}
      defaults={op.svc.quotas.defaults()}
      models={adminSettings().models}
      defaultConcurrency={getConfig().limits.token_concurrency}
    />
  );
}

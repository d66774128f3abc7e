import { RefusalsCard } from '@/components/RefusalsCard';
import { UsageView } from '@/components/UsageView';
import { requireOperator } from '@/server/auth';
import { serviceErrorCode } from '@/server/dsp';
import { serializeDaily, serializeRefusal, serializeRequest } from '@/server/serialize';

export const dynamic = 'force-dynamic';

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const op = await requireOperator('/usage');
  const sp = await searchParams;
  const userId = one(sp.user);
  const group = one(sp.group);
  let error: string | null = null;
  let daily;
  try {
    daily = await op.svc.usage.daily({ from: one(sp.from), to: one(sp.to), userId });
  } catch (e) {
    if ((await serviceErrorCode(e)) !== 'invalid_argument') throw e;
    error = (e as Error).message;
    daily = await op.svc.usage.daily({ userId });
  }
  // the log covers the page's range and user, and its own filters (a bad one: an error and no filter)
  const logFilters = { token: one(sp.token) ?? null, model: one(sp.model) ?? null, route: one(sp.route) ?? null, status: one(sp.status) ?? null };
  const range = { from: daily.from, to: daily.to, userId };
  let log;
  try {
    const f = logFilters;
    log = await op.svc.usage.requests({
      ...range,
      tokenId: f.token ?? undefined,
      model: f.model ?? undefined,
      route: f.route ?? undefined,
      status: f.status ?? undefined,
      before: one(sp.before),
      limit: 50,
    });
  } catch (e) {
    if ((await serviceErrorCode(e)) !== 'invalid_argument') throw e;
    error = (e as Error).message;
    log = await op.svc.usage.requests({ ...range, limit: 50 });
  }
  const users = await op.svc.users.list({ limit: 1000 });
  // requests refused before the upstream (401/403/429/…, client gone before admission): not in the ledger
  const reason = one(sp.reason);
  const refused = await op.svc.refusals.list({ from: daily.from, to: daily.to, userId, reason });
  return (
    <>
      <UsageView
        from={daily.from}
        to={daily.to}
        userId={userId ?? null}
        group={group === 'user' || group === 'model' ? group : 'day'}
        rows={daily.rows.map(serializeDaily)}
        log={log.rows.map(serializeRequest)}
        nextCursor={log.nextCursor}
        isFirstPage={!one(sp.before)}
        logFilters={logFilters}
        users={users.rows.map((u) => ({ id: u.id, name: u.name }))}
        error={error}
      />
      <RefusalsCard rows={refused.rows.map(serializeRefusal)} byReason={refused.byReason} total={refused.total} reason={reason ?? null} />
    </>
  );
}

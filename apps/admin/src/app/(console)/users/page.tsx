import { UsersView } from '@/components/UsersView';
import { requireOperator } from '@/server/auth';
import { serializeUserSummary } from '@/server/serialize';

export const dynamic = 'force-dynamic';

const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const op = await requireOperator('/users');
  const sp = await searchParams;
  const search = one(sp.q) ?? '';
  const pageSize = Math.min(100, Math.max(5, Number(one(sp.size)) || 20));
  const page = Math.max(1, Number(one(sp.page)) || 1);
  const status = one(sp.status);
  const res = await op.svc.users.list({
    search,
    offset: (page - 1) * pageSize,
    limit: pageSize,
    status: status === 'active' || status === 'disabled' ? status : undefined,
    deleted: status === 'deleted' ? 'only' : 'exclude',
  });
  return (
    <UsersView
      rows={res.rows.map(serializeUserSummary)}
      total={res.total}
      usageError={res.usageError ?? null}
      search={search}
      page={page}
      pageSize={pageSize}
      status={status === 'active' || status === 'disabled' || status === 'deleted' ? status : null}
      defaults={op.svc.quotas.defaults()}
    />
  );
}

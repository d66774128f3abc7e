import { AuditView } from '@/components/AuditView';
import { requireOperator } from '@/server/auth';
import { serializeAudit } from '@/server/serialize';

export const dynamic = 'force-dynamic';

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const op = await requireOperator('/audit');
  const sp = await searchParams;
  const before = one(sp.before) && Number.isInteger(Number(sp.before)) ? Number(sp.before) : undefined;
  const filters = { actor: one(sp.actor), action: one(sp.action), target: one(sp.target) };
  const res = await op.svc.audit.list({ limit: 50, before, ...filters });
  return <AuditView rows={res.rows.map(serializeAudit)} nextBefore={res.nextBefore} isFirstPage={before === undefined} filters={filters} />;
}

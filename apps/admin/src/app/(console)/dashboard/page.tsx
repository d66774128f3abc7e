import { Dashboard } from '@/components/Dashboard';
import { DayHistory } from '@/components/DayHistory';
import { requireOperator } from '@/server/auth';
import { adminSettings } from '@/server/env';

export const dynamic = 'force-dynamic';

export default async function DashboardPage() {
  const op = await requireOperator('/dashboard');
  // Redis down: the live figures still work, the history is left out
  const history = await op.svc.history.minutes().catch(() => null);
  return (
    <>
      <Dashboard urls={adminSettings().gatewayMetricsUrls} />
      {history ? <DayHistory initial={history} /> : null}
    </>
  );
}

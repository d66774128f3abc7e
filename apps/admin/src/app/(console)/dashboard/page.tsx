import { Dashboard } from '@/components/Dashboard';
import { requireOperator } from '@/server/auth';
import { adminSettings } from '@/server/env';

export const dynamic = 'force-dynamic';

export default async function DashboardPage() {
  await requireOperator('/dashboard');
  return <Dashboard urls={adminSettings().gatewayMetricsUrls} />;
}

import { AccountsView } from '@/components/AccountsView';
import { requireOperator } from '@/server/auth';
import { accountsOverview } from '@/server/accounts';

export const dynamic = 'force-dynamic';

export default async function AccountsPage() {
  const op = await requireOperator('/accounts');
  return <AccountsView initial={await accountsOverview(op.svc)} canWrite={op.role === 'admin'} />;
}

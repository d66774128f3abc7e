// Operators of the console: everyone sees the list and may change their own password; an operator
// with the admin role also adds operators, changes roles and disables / enables them. Operators
// made by single sign-on are marked, and have no password to change.
import { OperatorsView } from '@/components/OperatorsView';
import { requireOperator } from '@/server/auth';

export const dynamic = 'force-dynamic';

export default async function OperatorsPage() {
  const op = await requireOperator('/operators');
  const admins = await op.svc.admins.list();
  const self = admins.find((a) => a.username === op.username);
  return (
    <OperatorsView
      me={op.username}
      canManage={op.role === 'admin'}
      hasPassword={self?.kind !== 'sso'}
      operators={admins.map((a) => ({
        username: a.username,
        role: a.role,
        createdAt: a.createdAt.toISOString(),
        disabled: a.disabledAt !== null,
        sso: a.kind === 'sso',
      }))}
    />
  );
}

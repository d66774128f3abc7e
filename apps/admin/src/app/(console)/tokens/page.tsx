import { TokensView } from '@/components/TokensView';
import { requireOperator } from '@/server/auth';
import { adminSettings, getConfig } from '@/server/env';
import { serializeToken } from '@/server/serialize';
import { tokenUsage } from '@/server/token-usage';

export const dynamic = 'force-dynamic';

export default async function TokensPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const op = await requireOperator('/tokens');
  const sp = await searchParams;
  const user = typeof sp.user === 'string' && sp.user ? sp.user : null;
  const [tokens, users, usage] = await Promise.all([
    op.svc.tokens.list(user ?? undefined),
    op.svc.users.list({ limit: 1000 }),
    tokenUsage(op.svc, user ?? undefined),
  ]);
  return (
    <TokensView
      tokens={tokens.map(serializeToken)}
      usage={usage}
      users={users.rows.map((u) => ({ id: u.id, name: u.name, status: u.status }))}
      filterUser={user}
      models={adminSettings().models}
      defaultConcurrency={getConfig().limits.token_concurrency}
    />
  );
}

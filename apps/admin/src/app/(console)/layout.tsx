// Every console page sits in this layout: the session is required (sign-in page otherwise), and
// the header carries the navigation, the language toggle and sign-out.
import type { ReactNode } from 'react';
import { AppShell } from '@/components/AppShell';
import { GatewayProvider } from '@/components/Gateway';
import { RoleProvider } from '@/components/Role';
import { getConfig } from '@/server/env';
import { requireOperator } from '@/server/auth';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const op = await requireOperator('/dashboard');
  return (
    <GatewayProvider port={getConfig().server.port}>
      <RoleProvider role={op.role}>
        <AppShell username={op.username}>{children}</AppShell>
      </RoleProvider>
    </GatewayProvider>
  );
}

'use client';
import type { ReactNode } from 'react';
import { useState } from 'react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Button, Layout, Menu, Space, Tooltip, Typography } from 'antd';
import { ApiOutlined, AuditOutlined, BarChartOutlined, DashboardOutlined, KeyOutlined, LogoutOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { NAV } from '@/lib/constants';
import type { MessageKey } from '@/i18n/messages';
import { api } from './api';
import { LanguageToggle } from './LanguageToggle';
import { useI18n } from './Providers';
import { useApiError } from './useApiError';

const ICONS = {
  dashboard: <DashboardOutlined />,
  users: <TeamOutlined />,
  tokens: <KeyOutlined />,
  usage: <BarChartOutlined />,
  audit: <AuditOutlined />,
  accounts: <ApiOutlined />,
};

export function AppShell({ username, children }: { username: string; children: ReactNode }) {
  const { t, timezone } = useI18n();
  const path = usePathname();
  const onError = useApiError();
  const [leaving, setLeaving] = useState(false);
  const selected = NAV.find((n) => path === n.href || path.startsWith(n.href + '/'))?.key ?? 'dashboard';

  async function signOut() {
    setLeaving(true);
    try {
      await api('POST', '/api/auth/logout');
      window.location.assign('/login');
    } catch (e) {
      setLeaving(false);
      onError(e);
    }
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 20 }}>
        <Link href="/dashboard" style={{ color: '#fff', fontWeight: 600, whiteSpace: 'nowrap', fontSize: 16 }}>
          {t('app.short')}
        </Link>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[selected]}
          style={{ flex: 1, minWidth: 0 }}
          items={NAV.map((n) => ({
            key: n.key,
            icon: ICONS[n.key],
            label: (
              <Link href={n.href} data-testid={`nav-${n.key}`}>
                {t(`nav.${n.key}` as MessageKey)}
              </Link>
            ),
          }))}
        />
        <Space size="middle">
          <LanguageToggle />
          <Tooltip title={t('header.timezone', { tz: timezone })}>
            <Typography.Text style={{ color: 'rgba(255,255,255,0.85)' }} data-testid="signed-in-as">
              <UserOutlined /> {username}
            </Typography.Text>
          </Tooltip>
          <Button size="small" icon={<LogoutOutlined />} loading={leaving} onClick={signOut} data-testid="sign-out">
            {t('header.signOut')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 24, maxWidth: 1440, width: '100%', margin: '0 auto' }}>{children}</Layout.Content>
    </Layout>
  );
}

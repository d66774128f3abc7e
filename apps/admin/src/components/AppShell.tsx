'use client';
import type { ReactNode } from 'react';
import { useState } from 'react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Button, Drawer, Grid, Layout, Menu, Space, Tooltip, Typography } from 'antd';
import {
  ApiOutlined,
  AuditOutlined,
  BarChartOutlined,
  DashboardOutlined,
  KeyOutlined,
  LogoutOutlined,
  MenuOutlined,
  SettingOutlined,
  SafetyOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
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
  operators: <SafetyOutlined />,
  settings: <SettingOutlined />,
};

export function AppShell({ username, children }: { username: string; children: ReactNode }) {
  const { t, timezone } = useI18n();
  const path = usePathname();
  const onError = useApiError();
  const [leaving, setLeaving] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  // below antd's md breakpoint (768 px) a horizontal menu collapses to an overflow icon that
  // hides every page: the pages move into a drawer instead
  const narrow = Grid.useBreakpoint().md === false;
  const selected = NAV.find((n) => path === n.href || path.startsWith(n.href + '/'))?.key ?? 'dashboard';

  async function signOut() {
    setLeaving(true);
    try {
      // a single sign-on session ends at the provider too (it sends the browser back to /login)
      const out = await api<{ redirect?: string }>('POST', '/api/auth/logout');
      window.location.assign(out.redirect ?? '/login');
    } catch (e) {
      setLeaving(false);
      onError(e);
    }
  }

  const items = NAV.map((n) => ({
    key: n.key,
    icon: ICONS[n.key],
    label: (
      <Link href={n.href} data-testid={`nav-${n.key}`} onClick={() => setMenuOpen(false)}>
        {t(`nav.${n.key}` as MessageKey)}
      </Link>
    ),
  }));

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: narrow ? 8 : 16, paddingInline: narrow ? 12 : 20 }}>
        {narrow && (
          <Button
            type="text"
            icon={<MenuOutlined style={{ color: '#fff' }} />}
            aria-label={t('header.menu')}
            onClick={() => setMenuOpen(true)}
            data-testid="nav-open"
          />
        )}
        <Link href="/dashboard" style={{ color: '#fff', fontWeight: 600, whiteSpace: 'nowrap', fontSize: 16 }}>
          {t('app.short')}
        </Link>
        {narrow ? (
          <div style={{ flex: 1 }} />
        ) : (
          <Menu theme="dark" mode="horizontal" selectedKeys={[selected]} style={{ flex: 1, minWidth: 0 }} items={items} />
        )}
        <Space size={narrow ? 'small' : 'middle'}>
          <LanguageToggle />
          <Tooltip title={t('header.timezone', { tz: timezone })}>
            <Typography.Text style={{ color: 'rgba(255,255,255,0.85)', whiteSpace: 'nowrap' }} data-testid="signed-in-as">
              <UserOutlined /> {narrow ? null : username}
            </Typography.Text>
          </Tooltip>
          <Button size="small" icon={<LogoutOutlined />} loading={leaving} onClick={signOut} data-testid="sign-out" aria-label={t('header.signOut')}>
            {narrow ? null : t('header.signOut')}
          </Button>
        </Space>
      </Layout.Header>
      {narrow && (
        <Drawer
          open={menuOpen}
          onClose={() => setMenuOpen(false)}
          placement="left"
          size={260}
          title={username}
          styles={{ body: { padding: 0 } }}
          data-testid="nav-drawer"
        >
          <Menu mode="inline" selectedKeys={[selected]} items={items} style={{ borderInlineEnd: 0 }} />
        </Drawer>
      )}
      <Layout.Content style={{ padding: narrow ? 12 : 24, maxWidth: 1440, width: '100%', margin: '0 auto' }}>{children}</Layout.Content>
    </Layout>
  );
}

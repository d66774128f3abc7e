'use client';
// The Accounts page: every upstream account, whether it is in rotation (and why not), its load
// against its cap, its breaker, balance and errors; enable / disable and reload for admins.
import { App, Alert, Button, Card, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { AccountDTO, AccountsOverviewDTO } from '@/lib/account-types';
import type { MessageKey } from '@/i18n/messages';
import { api } from './api';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';
import { useMutation } from './useMutation';

const BREAKER_COLOR = { closed: 'green', half_open: 'gold', open: 'red' } as const;

export function AccountsView({ initial, canWrite }: { initial: AccountsOverviewDTO; canWrite: boolean }) {
  const { t, dateTime } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();

  const setStatus = (a: AccountDTO, status: 'active' | 'disabled') =>
    run(async () => {
      await api('POST', `/api/accounts/${encodeURIComponent(a.name)}/status`, { status });
      message.success(t(status === 'disabled' ? 'accounts.disabledMsg' : 'accounts.enabledMsg', { name: a.name }));
    });
  const reload = () =>
    run(async () => {
      const r = await api<{ hosts: number }>('POST', '/api/accounts/reload');
      message.success(t('accounts.reloaded', { n: r.hosts }));
    });

  const state = (a: AccountDTO) => {
    if (!a.configured) return <Tag>{t('accounts.offInConfig')}</Tag>;
    if (a.disabled)
      return (
        <Tooltip title={dateTime(a.disabled.since)}>
          <Tag color="red" data-testid={`account-disabled-${a.name}`}>
            {t(`accounts.reason.${a.disabled.reason}` as MessageKey)}
          </Tag>
        </Tooltip>
      );
    return (
      <Tag color="green" data-testid={`account-active-${a.name}`}>
        {t('accounts.inRotation')}
      </Tag>
    );
  };

  return (
    <>
      <PageHeader
        title={t('accounts.title')}
        subtitle={t('accounts.subtitle')}
        extra={
          canWrite ? (
            <Popconfirm title={t('accounts.reloadConfirm')} onConfirm={reload} okButtonProps={{ 'data-testid': 'confirm-reload' } as never}>
              <Button loading={busy} data-testid="accounts-reload">
                {t('accounts.reload')}
              </Button>
            </Popconfirm>
          ) : null
        }
      />
      {initial.hosts
        .filter((h) => h.error)
        .map((h) => (
          <Alert key={h.url} type="warning" showIcon style={{ marginBottom: 12 }} message={t('accounts.hostDown', { url: h.url, error: h.error ?? '' })} />
        ))}
      <Card size="small">
        <Table<AccountDTO>
          rowKey="name"
          size="small"
          data-testid="accounts-table"
          dataSource={initial.accounts}
          pagination={false}
          locale={{ emptyText: t('accounts.empty') }}
          scroll={{ x: 1000 }}
          columns={[
            {
              title: t('accounts.name'),
              dataIndex: 'name',
              render: (_: string, a) => (
                <Space direction="vertical" size={0}>
                  <strong>{a.name}</strong>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {a.baseUrl}
                    {a.models.length ? ` · ${a.models.join(', ')}` : ''}
                  </Typography.Text>
                </Space>
              ),
            },
            { title: t('accounts.key'), dataIndex: 'key', render: (k: string) => <span className="mono">{k}</span> },
            { title: t('accounts.state'), key: 'state', render: (_: unknown, a) => state(a) },
            {
              title: t('accounts.inFlight'),
              key: 'load',
              render: (_: unknown, a) => (
                <span data-testid={`account-load-${a.name}`}>
                  {a.inFlight} / {a.maxConcurrency > 0 ? a.maxConcurrency : t('accounts.noCap')}
                </span>
              ),
            },
            {
              title: t('accounts.breaker'),
              dataIndex: 'breaker',
              render: (b: AccountDTO['breaker'], a) => (
                <Tag color={BREAKER_COLOR[b]} data-testid={`account-breaker-${a.name}`}>
                  {t(`accounts.breaker.${b}` as MessageKey)}
                </Tag>
              ),
            },
            {
              title: t('accounts.balance'),
              key: 'balance',
              render: (_: unknown, a) =>
                a.balances.length === 0
                  ? '—'
                  : a.balances.map((b) => (
                      <Tag key={b.currency} color={b.low ? 'red' : 'default'} data-testid={`account-balance-${a.name}-${b.currency}`}>
                        {b.amount} {b.currency}
                        {b.low ? ` · ${t('accounts.low')}` : ''}
                      </Tag>
                    )),
            },
            {
              title: t('accounts.errors'),
              key: 'errors',
              render: (_: unknown, a) => (
                <Space direction="vertical" size={0}>
                  <span>
                    {a.errors} / {a.requests}
                  </span>
                  {a.retries > 0 ? (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('accounts.retries', { n: a.retries })}
                    </Typography.Text>
                  ) : null}
                </Space>
              ),
            },
            ...(canWrite
              ? [
                  {
                    title: t('common.actions'),
                    key: 'actions',
                    render: (_: unknown, a: AccountDTO) =>
                      a.disabled ? (
                        <Popconfirm
                          title={t('accounts.enableConfirm', { name: a.name })}
                          onConfirm={() => setStatus(a, 'active')}
                          okButtonProps={{ 'data-testid': 'confirm-enable' } as never}
                        >
                          <Button size="small" loading={busy} data-testid={`account-enable-${a.name}`}>
                            {t('accounts.enable')}
                          </Button>
                        </Popconfirm>
                      ) : (
                        <Popconfirm
                          title={t('accounts.disableConfirm', { name: a.name })}
                          onConfirm={() => setStatus(a, 'disabled')}
                          okButtonProps={{ danger: true, 'data-testid': 'confirm-disable' } as never}
                        >
                          <Button size="small" danger loading={busy} data-testid={`account-disable-${a.name}`}>
                            {t('accounts.disable')}
                          </Button>
                        </Popconfirm>
                      ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
    </>
  );
}

'use client';
import Link from 'next/link';
import { App, Button, Popconfirm, Table, Tag, Tooltip, Typography } from 'antd';
import type { TokenDTO } from '@/lib/types';
import { api } from './api';
import { useI18n } from './Providers';
import { StatusTag } from './UsersView';
import { useMutation } from './useMutation';

export function TokensTable({ tokens, showUser = true, defaultConcurrency }: { tokens: TokenDTO[]; showUser?: boolean; defaultConcurrency: number }) {
  const { t, dateTime } = useI18n();
  const { message } = App.useApp();
  const { run } = useMutation();

  const revoke = (tok: TokenDTO) =>
    run(async () => {
      await api('POST', `/api/tokens/${encodeURIComponent(tok.id)}/revoke`);
      message.success(t('tokens.revoked', { name: tok.name }));
    });

  return (
    <Table<TokenDTO>
      rowKey="id"
      size="middle"
      dataSource={tokens}
      data-testid="tokens-table"
      locale={{ emptyText: t('tokens.empty') }}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      scroll={{ x: 1100 }}
      columns={[
        {
          title: t('tokens.hint'),
          dataIndex: 'hint',
          render: (h: string, r) => (
            <Tooltip title={`jti ${r.id}`}>
              <Typography.Text className="mono" data-testid={`token-hint-${r.name}`}>
                …{h}
              </Typography.Text>
            </Tooltip>
          ),
        },
        { title: t('common.name'), dataIndex: 'name' },
        ...(showUser
          ? [
              {
                title: t('common.user'),
                dataIndex: 'userId',
                render: (u: string) => (
                  <Link href={`/users/${encodeURIComponent(u)}`} className="mono">
                    {u}
                  </Link>
                ),
              },
            ]
          : []),
        { title: t('common.created'), dataIndex: 'createdAt', render: (d: string) => dateTime(d) },
        { title: t('tokens.lastUsed'), dataIndex: 'lastUsedAt', render: (d: string | null) => (d ? dateTime(d) : t('common.never')) },
        { title: t('tokens.expires'), dataIndex: 'expiresAt', render: (d: string | null) => (d ? dateTime(d) : t('common.never')) },
        {
          title: t('tokens.concurrency'),
          dataIndex: 'concurrency',
          render: (c: number | null) => c ?? t('common.defaultValue', { value: defaultConcurrency }),
        },
        {
          title: t('tokens.models'),
          dataIndex: 'models',
          render: (m: string[] | null) =>
            m ? m.map((x) => <Tag key={x}>{x}</Tag>) : <Typography.Text type="secondary">{t('tokens.allModels')}</Typography.Text>,
        },
        {
          title: t('common.status'),
          dataIndex: 'status',
          render: (s: TokenDTO['status'], r) => (
            <span data-testid={`token-status-${r.name}`}>
              <StatusTag status={s} />
            </span>
          ),
        },
        {
          title: t('common.actions'),
          key: 'actions',
          render: (_, r) =>
            r.status === 'revoked' ? null : (
              <Popconfirm
                title={t('tokens.revokeConfirm', { name: r.name })}
                onConfirm={() => revoke(r)}
                okButtonProps={{ danger: true, 'data-testid': 'confirm-revoke' } as never}
              >
                <Button size="small" danger data-testid={`revoke-${r.name}`}>
                  {t('tokens.revoke')}
                </Button>
              </Popconfirm>
            ),
        },
      ]}
    />
  );
}

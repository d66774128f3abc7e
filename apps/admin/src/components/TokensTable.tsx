'use client';
import { useState } from 'react';
import Link from 'next/link';
import { App, Button, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TokenBudgetsDTO, TokenDTO, TokenUsageDTO } from '@/lib/types';
import { formatCosts } from '@/lib/amounts';
import { api } from './api';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { RotateTokenModal } from './RotateTokenModal';
import { TokenBudgetModal } from './TokenBudgetModal';
import { StatusTag } from './UsersView';
import { useMutation } from './useMutation';

export function TokensTable({
  tokens,
  showUser = true,
  defaultConcurrency,
  models = [],
  usage,
  budgets,
}: {
  tokens: TokenDTO[];
  /** each token's last 30 days, by token id; the column is left out without it */
  usage?: Record<string, TokenUsageDTO>;
  showUser?: boolean;
  defaultConcurrency: number;
  /** offered when a token is edited */
  models?: string[];
  /** the budget column and action (the user page, which knows each token's spend) */
  budgets?: TokenBudgetsDTO;
}) {
  const { t, dateTime, number } = useI18n();
  const { message } = App.useApp();
  const { run } = useMutation();
  const canWrite = useCanWrite();
  const [rotating, setRotating] = useState<TokenDTO | null>(null);
  const [budgeting, setBudgeting] = useState<TokenDTO | null>(null);

  const revoke = (tok: TokenDTO) =>
    run(async () => {
      await api('POST', `/api/tokens/${encodeURIComponent(tok.id)}/revoke`);
      message.success(t('tokens.revoked', { name: tok.name }));
    });

  return (
    <>
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
          ...(usage
            ? [
                {
                  title: t('tokens.usage30d'),
                  key: 'usage',
                  align: 'right' as const,
                  render: (_: unknown, r: TokenDTO) => {
                    const u = usage[r.id];
                    return (
                      <span data-testid={`token-usage-${r.id}`} data-requests={u?.requests ?? 0}>
                        {u ? `${number(u.requests)} · ${number(u.totalTokens)} tok${formatCosts(u.cost) ? ` · ${formatCosts(u.cost)}` : ''}` : '—'}
                      </span>
                    );
                  },
                },
              ]
            : []),
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
          ...(budgets
            ? [
                {
                  title: `${t('tokens.budget')} (${budgets.currency})`,
                  key: 'budget',
                  render: (_: unknown, r: TokenDTO) => {
                    const parts = [
                      r.dailyBudget === null ? null : t('tokens.budgetPerDay', { amount: r.dailyBudget }),
                      r.monthlyBudget === null ? null : t('tokens.budgetPerMonth', { amount: r.monthlyBudget }),
                    ].filter((x) => x !== null);
                    return (
                      <span data-testid={`token-budget-${r.name}`}>
                        {parts.length ? parts.join(' · ') : <Typography.Text type="secondary">{t('budgets.none')}</Typography.Text>}
                      </span>
                    );
                  },
                },
              ]
            : []),
          {
            title: t('common.status'),
            dataIndex: 'status',
            render: (s: TokenDTO['status'], r) => (
              <span data-testid={`token-status-${r.name}`}>
                <StatusTag status={s} />
                {r.retireAt && s === 'active' ? (
                  <Tag color="gold" data-testid={`token-retires-${r.id}`}>
                    {t('tokens.retires', { at: dateTime(r.retireAt) })}
                  </Tag>
                ) : null}
              </span>
            ),
          },
          ...(canWrite
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, r: TokenDTO) =>
                    r.status === 'revoked' ? null : (
                      <Space size="small">
                        {r.status === 'active' && !r.retireAt ? (
                          <Button size="small" onClick={() => setRotating(r)} data-testid={`rotate-${r.name}`}>
                            {t('tokens.rotate')}
                          </Button>
                        ) : null}
                        {budgets ? (
                          <Button size="small" onClick={() => setBudgeting(r)} data-testid={`budget-${r.name}`}>
                            {t('tokens.budget')}
                          </Button>
                        ) : null}
                        <Popconfirm
                          title={t('tokens.revokeConfirm', { name: r.name })}
                          onConfirm={() => revoke(r)}
                          okButtonProps={{ danger: true, 'data-testid': 'confirm-revoke' } as never}
                        >
                          <Button size="small" danger data-testid={r.retireAt ? `revoke-${r.id}` : `revoke-${r.name}`}>
                            {t('tokens.revoke')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      <RotateTokenModal token={rotating} onClose={() => setRotating(null)} models={models} defaultConcurrency={defaultConcurrency} />
      {budgets ? <TokenBudgetModal token={budgeting} budgets={budgets} onClose={() => setBudgeting(null)} /> : null}
    </>
  );
}

'use client';
import { useState } from 'react';
import Link from 'next/link';
import { Button, Card, Col, Descriptions, Row, Space, Statistic, Tag } from 'antd';
import { ArrowLeftOutlined, PlusOutlined } from '@ant-design/icons';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Limits, TokenBudgetsDTO, TokenDTO, UsageTotalsDTO, UserSummaryDTO } from '@/lib/types';
import { BudgetCard } from './BudgetCard';
import { IssueTokenModal } from './IssueTokenModal';
import { PageHeader } from './PageHeader';
import { QuotaBar } from './QuotaBar';
import { useI18n } from './Providers';
import { TokensTable } from './TokensTable';
import { useCanWrite } from './Role';
import { UserProfileCard } from './UserProfileCard';
import { UserActions } from './UserActions';
import { StatusTag } from './UsersView';

export function UserDetail({
  user,
  tokens,
  usage,
  defaults,
  models,
  defaultConcurrency,
  budgetCurrency,
  tokenSpend,
}: {
  user: UserSummaryDTO;
  tokens: TokenDTO[];
  usage: { from: string; to: string; totals: UsageTotalsDTO; byDay: (UsageTotalsDTO & { day: string })[]; byModel: (UsageTotalsDTO & { model: string })[] };
  defaults: Limits;
  models: string[];
  defaultConcurrency: number;
  budgetCurrency: string;
  /** what each token spent this day / month; null when Redis could not be read */
  tokenSpend: TokenBudgetsDTO['spend'];
}) {
  const { t, dateTime, number } = useI18n();
  const canWrite = useCanWrite();
  const [issueOpen, setIssueOpen] = useState(false);
  const limit = (own: number | 'unlimited' | null, inForce: number | 'unlimited') => (
    <Space size={4}>
      {inForce === 'unlimited' ? t('common.unlimited') : inForce === 0 ? t('users.blocked') : number(inForce)}
      <Tag>{own === null ? t('common.default') : t('users.explicit')}</Tag>
    </Space>
  );
  return (
    <>
      <PageHeader
        title={t('users.detail', { id: user.id })}
        subtitle={user.name ?? undefined}
        extra={
          <Space wrap>
            <Link href="/users">
              <Button icon={<ArrowLeftOutlined />}>{t('users.back')}</Button>
            </Link>
            <UserActions user={user} defaults={defaults} size="middle" />
          </Space>
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <Card size="small">
            <Descriptions
              column={1}
              size="small"
              items={[
                { key: 'id', label: t('users.id'), children: <span className="mono">{user.id}</span> },
                { key: 'name', label: t('common.name'), children: user.name ?? '—' },
                { key: 'status', label: t('common.status'), children: <StatusTag status={user.status} /> },
                { key: 'dr', label: t('users.quotaDailyRequests'), children: limit(user.dailyRequests, user.limits.dailyRequests) },
                { key: 'dt', label: t('users.quotaDailyTokens'), children: limit(user.dailyTokens, user.limits.dailyTokens) },
                { key: 'mt', label: t('users.quotaMonthlyTokens'), children: limit(user.monthlyTokens, user.limits.monthlyTokens) },
                { key: 'c', label: t('common.created'), children: dateTime(user.createdAt) },
                { key: 'u', label: t('common.updated'), children: dateTime(user.updatedAt) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card size="small" title={`${t('users.today')} / ${t('users.month')}`}>
            <Row gutter={16}>
              <Col span={8}>
                <div style={{ marginBottom: 4 }}>{t('users.dailyRequests')}</div>
                <QuotaBar used={user.usage?.dailyRequests ?? null} limit={user.limits.dailyRequests} testid="detail-dr" />
              </Col>
              <Col span={8}>
                <div style={{ marginBottom: 4 }}>{t('users.dailyTokens')}</div>
                <QuotaBar used={user.usage?.dailyTokens ?? null} limit={user.limits.dailyTokens} testid="detail-dt" />
              </Col>
              <Col span={8}>
                <div style={{ marginBottom: 4 }}>{t('users.monthlyTokens')}</div>
                <QuotaBar used={user.usage?.monthlyTokens ?? null} limit={user.limits.monthlyTokens} testid="detail-mt" />
              </Col>
            </Row>
          </Card>
          <BudgetCard user={user} currency={budgetCurrency} />
          <Card size="small" title={`${t('users.usage30')} (${usage.from} – ${usage.to})`} style={{ marginTop: 16 }}>
            <Space size="large" style={{ marginBottom: 8 }}>
              <Statistic title={t('usage.requests')} value={number(usage.totals.requests)} />
              <Statistic title={t('usage.totalTokens')} value={number(usage.totals.totalTokens)} />
              <Statistic title={t('usage.errors')} value={number(usage.totals.errors)} />
            </Space>
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={usage.byDay}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis />
                <Tooltip />
                <Legend />
                <Bar dataKey="promptTokens" stackId="t" name={t('usage.prompt')} fill="#4d6bfe" />
                <Bar dataKey="completionTokens" stackId="t" name={t('usage.completion')} fill="#52c41a" />
              </BarChart>
            </ResponsiveContainer>
          </Card>
        </Col>
      </Row>
      <UserProfileCard user={user} />
      <Card
        size="small"
        title={t('users.tokens')}
        style={{ marginTop: 16 }}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setIssueOpen(true)} disabled={user.status !== 'active'} data-testid="issue-token">
              {t('tokens.issue')}
            </Button>
          ) : null
        }
      >
        <TokensTable
          tokens={tokens}
          showUser={false}
          defaultConcurrency={defaultConcurrency}
          models={models}
          budgets={{ currency: budgetCurrency, spend: tokenSpend }}
        />
      </Card>
      <IssueTokenModal
        open={issueOpen}
        onClose={() => setIssueOpen(false)}
        users={[{ id: user.id, name: user.name, status: user.status }]}
        fixedUser={user.id}
        models={models}
        defaultConcurrency={defaultConcurrency}
      />
    </>
  );
}

'use client';
// Usage from the ledger: rows are (day × user × model) totals from services.usage.daily; this view
// only regroups them for display (by day, user or model) and charts them.
import { useMemo } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';
import { Alert, Button, Card, DatePicker, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import dayjs, { type Dayjs } from 'dayjs';
import type { DailyUsageDTO, RequestLogDTO, UsageTotalsDTO } from '@/lib/types';
import { addCosts, formatCosts } from '@/lib/amounts';
import { PageHeader } from './PageHeader';
import type { LogFilters } from './LogFilterBar';
import { RequestLog } from './RequestLog';
import { SpendChart } from './SpendChart';
import { useI18n } from './Providers';

type Group = 'day' | 'user' | 'model';

type Counts = Omit<UsageTotalsDTO, 'cost'>;
type Grouped = Counts & { key: string; cost: Record<string, string> };

const ZERO: Counts = {
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheHitTokens: 0,
  cacheMissTokens: 0,
  reasoningTokens: 0,
  totalTokens: 0,
  errors: 0,
  aborted: 0,
  unpriced: 0,
};
const FIELDS = Object.keys(ZERO) as (keyof Counts)[];

function regroup(rows: DailyUsageDTO[], group: Group, from: string, to: string): Grouped[] {
  const m = new Map<string, Grouped>();
  if (group === 'day') {
    // every day of the range, so the chart has no gaps
    for (let d = dayjs(from); !d.isAfter(dayjs(to)) && m.size < 400; d = d.add(1, 'day'))
      m.set(d.format('YYYY-MM-DD'), { key: d.format('YYYY-MM-DD'), ...ZERO, cost: {} });
  }
  for (const r of rows) {
    const k = group === 'day' ? r.day : group === 'user' ? r.userId : r.model;
    let acc = m.get(k);
    if (!acc) m.set(k, (acc = { key: k, ...ZERO, cost: {} }));
    for (const f of FIELDS) acc[f] += r[f];
    addCosts(acc.cost, r.cost); // exact: bigint nanos
  }
  const out = [...m.values()];
  return group === 'day' ? out.sort((a, b) => a.key.localeCompare(b.key)) : out.sort((a, b) => b.totalTokens - a.totalTokens);
}

export function UsageView({
  from,
  to,
  userId,
  group,
  rows,
  log,
  nextCursor,
  isFirstPage,
  logFilters,
  users,
  error,
}: {
  from: string;
  to: string;
  userId: string | null;
  group: Group;
  rows: DailyUsageDTO[];
  log: RequestLogDTO[];
  nextCursor: string | null;
  isFirstPage: boolean;
  logFilters: LogFilters;
  users: { id: string; name: string | null }[];
  error: string | null;
}) {
  const { t, number, timezone } = useI18n();
  const router = useRouter();
  const grouped = useMemo(() => regroup(rows, group, from, to), [rows, group, from, to]);
  const days = useMemo(() => {
    const out: string[] = [];
    for (let d = dayjs(from); !d.isAfter(dayjs(to)) && out.length < 400; d = d.add(1, 'day')) out.push(d.format('YYYY-MM-DD'));
    return out;
  }, [from, to]);

  const params = useSearchParams();
  const models = useMemo(() => [...new Set(rows.map((r) => r.model))].sort(), [rows]);

  const query = (p: Partial<{ from: string; to: string; user: string | null; group: Group }>) => {
    // the request log's own filters (token, model, route, status) stay; a new view starts at its newest page
    const sp = new URLSearchParams(params.toString());
    sp.delete('before');
    sp.delete('user');
    sp.delete('group');
    sp.set('from', p.from ?? from);
    sp.set('to', p.to ?? to);
    const u = p.user === undefined ? userId : p.user;
    if (u) sp.set('user', u);
    const g = p.group ?? group;
    if (g !== 'day') sp.set('group', g);
    return sp;
  };
  const go = (p: Parameters<typeof query>[0]) => router.push(`/usage?${query(p)}`);
  const exportSp = new URLSearchParams({ from, to, ...(userId ? { user: userId } : {}) });

  const groupTitle = group === 'day' ? t('common.day') : group === 'user' ? t('common.user') : t('common.model');

  return (
    <>
      <PageHeader title={t('usage.title')} subtitle={t('usage.subtitle', { tz: timezone })} />
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} /> : null}
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space wrap size="middle">
          <Space>
            <Typography.Text>{t('usage.range')}</Typography.Text>
            <DatePicker.RangePicker
              allowClear={false}
              value={[dayjs(from), dayjs(to)]}
              onChange={(v) => {
                const [a, b] = (v ?? []) as [Dayjs | null, Dayjs | null];
                if (a && b) go({ from: a.format('YYYY-MM-DD'), to: b.format('YYYY-MM-DD') });
              }}
              data-testid="usage-range"
            />
          </Space>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 260 }}
            placeholder={t('usage.allUsers')}
            value={userId ?? undefined}
            onChange={(v?: string) => go({ user: v ?? null })}
            options={users.map((u) => ({ value: u.id, label: u.name ? `${u.id} (${u.name})` : u.id }))}
            data-testid="usage-user"
          />
          <Space>
            <Typography.Text>{t('usage.groupBy')}</Typography.Text>
            <Segmented<Group>
              value={group}
              onChange={(g) => go({ group: g })}
              options={[
                { value: 'day', label: t('usage.group.day') },
                { value: 'user', label: t('usage.group.user') },
                { value: 'model', label: t('usage.group.model') },
              ]}
              data-testid="usage-group"
            />
          </Space>
          <Button href={`/api/usage/export?${exportSp}`} download icon={<DownloadOutlined />} data-testid="usage-export">
            {t('common.export')}
          </Button>
        </Space>
      </Card>
      <Card size="small" title={`${t('usage.chart')} · ${from} – ${to}`} style={{ marginBottom: 16 }} data-testid="usage-chart">
        <ResponsiveContainer width="100%" height={280}>
          <ComposedChart data={grouped} margin={{ top: 8, right: 16, left: 8, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            {/* days as MM-DD with room between labels: 30 full dates ran into one string */}
            <XAxis
              dataKey="key"
              interval="preserveStartEnd"
              minTickGap={24}
              tickFormatter={(k: string) => (group === 'day' ? k.slice(5) : k.length > 16 ? `${k.slice(0, 15)}…` : k)}
              data-testid="usage-chart-x"
            />
            <YAxis yAxisId="tok" />
            <YAxis yAxisId="req" orientation="right" allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar yAxisId="tok" dataKey="promptTokens" stackId="t" name={t('usage.prompt')} fill="#4d6bfe" isAnimationActive={false} />
            <Bar yAxisId="tok" dataKey="completionTokens" stackId="t" name={t('usage.completion')} fill="#52c41a" isAnimationActive={false} />
            <Line yAxisId="req" dataKey="requests" name={t('usage.requests')} stroke="#fa8c16" dot={false} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </Card>
      <SpendChart rows={rows} days={days} from={from} to={to} />
      <Card size="small" title={t('usage.table')} style={{ marginBottom: 16 }}>
        <Table
          rowKey="key"
          size="small"
          data-testid="usage-table"
          dataSource={group === 'day' ? grouped.filter((g) => g.requests > 0) : grouped}
          locale={{ emptyText: t('usage.empty') }}
          pagination={{ pageSize: 31, hideOnSinglePage: true }}
          scroll={{ x: 900 }}
          columns={[
            { title: groupTitle, dataIndex: 'key', render: (k: string) => <span className="mono">{k}</span> },
            { title: t('usage.requests'), dataIndex: 'requests', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.prompt'), dataIndex: 'promptTokens', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.completion'), dataIndex: 'completionTokens', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.cacheHit'), dataIndex: 'cacheHitTokens', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.reasoning'), dataIndex: 'reasoningTokens', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.totalTokens'), dataIndex: 'totalTokens', align: 'right', render: (n: number) => <b>{number(n)}</b> },
            { title: t('usage.errors'), dataIndex: 'errors', align: 'right', render: (n: number) => number(n) },
            { title: t('usage.aborted'), dataIndex: 'aborted', align: 'right', render: (n: number) => number(n) },
            {
              title: t('usage.cost'),
              key: 'cost',
              align: 'right',
              render: (_, g: Grouped) => (
                <Space size={4} data-testid="usage-cost">
                  <span className="mono">{formatCosts(g.cost) || '0'}</span>
                  {g.unpriced > 0 ? (
                    <Tag color="warning" title={t('usage.noPriceHint', { n: g.unpriced })} data-testid="no-price">
                      {t('usage.noPrice')}
                    </Tag>
                  ) : null}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <RequestLog log={log} nextCursor={nextCursor} isFirstPage={isFirstPage} filters={logFilters} models={models} />
    </>
  );
}

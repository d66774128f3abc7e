'use client';
// Requests the gateway refused before calling the upstream (401, 403, 429, …), counted per day,
// user, token and reason; a reason filter that keeps the page's other query parameters.
// On the usage page and each user's page; the gateway's workers count refusals and the recorder
// adds them to Postgres about once a second.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Card, Select, Space, Table, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/messages';
import { hasKey } from '@/i18n/messages';
import type { RefusalDTO } from '@/lib/types';
import { useI18n } from './Providers';

export const REFUSAL_REASONS = [
  'invalid_token',
  'user_disabled',
  'model_not_allowed',
  'quota_exceeded',
  'concurrency_limit_exceeded',
  'request_too_large',
  'invalid_request',
  'unknown_user',
  'upstream_capacity',
  'client_closed_request',
];

export function RefusalsCard({
  rows,
  byReason,
  total,
  reason,
  showUser = true,
}: {
  rows: RefusalDTO[];
  byReason: Record<string, number>;
  total: number;
  reason: string | null;
  showUser?: boolean;
}) {
  const { t, number, dateTime } = useI18n();
  const router = useRouter();
  const path = usePathname();
  const sp = useSearchParams();
  const label = (r: string) => (hasKey(`refusals.reason.${r}`) ? t(`refusals.reason.${r}` as MessageKey) : r);
  const setReason = (r?: string) => {
    const next = new URLSearchParams(sp.toString());
    if (r) next.set('reason', r);
    else next.delete('reason');
    next.delete('before');
    router.push(`${path}?${next}`);
  };
  const known = [...new Set([...REFUSAL_REASONS, ...Object.keys(byReason)])];
  return (
    <Card
      size="small"
      title={`${t('refusals.title')} · ${number(total)}`}
      style={{ marginBottom: 16 }}
      data-testid="refusals"
      data-total={total}
      extra={
        <Select
          allowClear
          size="small"
          style={{ width: 220 }}
          placeholder={t('refusals.allReasons')}
          value={reason ?? undefined}
          onChange={(v?: string) => setReason(v)}
          options={known.map((r) => ({ value: r, label: label(r) }))}
          data-testid="refusals-reason"
        />
      }
    >
      <Space wrap style={{ marginBottom: 8 }}>
        {Object.entries(byReason).map(([r, n]) => (
          <Tag key={r} data-testid={`refusals-by-${r}`} data-count={n}>
            {label(r)}: {number(n)}
          </Tag>
        ))}
      </Space>
      <Table<RefusalDTO>
        size="small"
        rowKey={(r) => `${r.day}|${r.userId}|${r.tokenId}|${r.reason}`}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('refusals.empty') }}
        columns={[
          { title: t('common.day'), dataIndex: 'day', render: (d: string) => <span className="mono">{d}</span> },
          ...(showUser
            ? [
                {
                  title: t('common.user'),
                  dataIndex: 'userId',
                  render: (u: string) => (u ? <span className="mono">{u}</span> : <Typography.Text type="secondary">{t('refusals.unknown')}</Typography.Text>),
                },
              ]
            : []),
          { title: t('refusals.token'), dataIndex: 'tokenId', render: (id: string) => (id ? <span className="mono">{id.slice(0, 8)}</span> : '—') },
          {
            title: t('refusals.reason'),
            dataIndex: 'reason',
            render: (r: string, row) => <Tag color={row.status === 429 ? 'warning' : 'error'}>{`${row.status} ${label(r)}`}</Tag>,
          },
          { title: t('refusals.count'), dataIndex: 'count', align: 'right', render: (n: number) => number(n) },
          { title: t('refusals.last'), dataIndex: 'lastAt', render: (d: string) => dateTime(d) },
        ]}
      />
    </Card>
  );
}

'use client';
// The request log of the Usage page: one page of ledger rows, filtered by token, model, route and
// status (the page's range and user apply too; every filter lives in the URL, so a filtered view
// can be linked), exported as CSV with the same filters, and a drawer with every field of a row.
import { useState } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Button, Card, Descriptions, Drawer, Grid, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { RequestLogDTO } from '@/lib/types';
import type { MessageKey } from '@/i18n/messages';
import { useI18n } from './Providers';

export const LOG_ROUTES = ['/v1/chat/completions', '/chat/completions', '/beta/chat/completions', '/beta/completions', '/anthropic/v1/messages'];
const STATUSES = ['2xx', '4xx', '5xx', 'aborted'] as const;
/** the URL parameters of the log's own filters (the range and the user belong to the whole page) */
const OWN = ['token', 'model', 'route', 'status'] as const;

export interface LogFilters {
  token: string | null;
  model: string | null;
  route: string | null;
  status: string | null;
}

export function RequestLog({
  log,
  nextCursor,
  isFirstPage,
  filters,
  models,
}: {
  log: RequestLogDTO[];
  nextCursor: string | null;
  isFirstPage: boolean;
  filters: LogFilters;
  models: string[];
}) {
  const { t, number, dateTime } = useI18n();
  const router = useRouter();
  const params = useSearchParams();
  const [open, setOpen] = useState<RequestLogDTO | null>(null);
  // the drawer takes the whole width of a phone
  const screens = Grid.useBreakpoint();
  const [token, setToken] = useState(filters.token ?? '');

  /** the page's URL with these parameters changed (null removes one); any change starts at the newest page */
  const url = (changes: Record<string, string | null>) => {
    const sp = new URLSearchParams(params.toString());
    sp.delete('before');
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') sp.delete(k);
      else sp.set(k, v);
    }
    return `/usage?${sp}`;
  };
  const set = (changes: Record<string, string | null>) => router.push(url(changes));
  const csv = new URLSearchParams(params.toString());
  csv.delete('before');
  csv.delete('group');
  csv.delete('reason');
  csv.set('format', 'csv');
  csv.set('limit', '1000');
  const filtered = OWN.some((k) => filters[k] !== null);

  return (
    <Card
      size="small"
      title={t('usage.log')}
      extra={
        <Button size="small" href={`/api/usage/requests?${csv}`} download icon={<DownloadOutlined />} data-testid="log-export">
          {t('usage.logExport')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 12 }} data-testid="log-filters">
        <Input.Search
          allowClear
          placeholder={t('log.token')}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          onSearch={(v) => set({ token: v.trim() || null })}
          style={{ width: 240 }}
          data-testid="log-filter-token"
        />
        <Select
          allowClear
          placeholder={t('log.anyModel')}
          value={filters.model ?? undefined}
          onChange={(v: string | undefined) => set({ model: v ?? null })}
          options={[...new Set([...models, ...(filters.model ? [filters.model] : [])])].map((m) => ({ value: m, label: m }))}
          style={{ minWidth: 180 }}
          data-testid="log-filter-model"
        />
        <Select
          allowClear
          placeholder={t('log.anyRoute')}
          value={filters.route ?? undefined}
          onChange={(v: string | undefined) => set({ route: v ?? null })}
          options={LOG_ROUTES.map((r) => ({ value: r, label: r }))}
          style={{ minWidth: 220 }}
          data-testid="log-filter-route"
        />
        <Select
          allowClear
          placeholder={t('log.anyStatus')}
          value={filters.status ?? undefined}
          onChange={(v: string | undefined) => set({ status: v ?? null })}
          options={STATUSES.map((s) => ({ value: s, label: t(`log.status.${s}` as MessageKey) }))}
          style={{ minWidth: 200 }}
          data-testid="log-filter-status"
        />
        {filtered ? (
          <Button type="link" onClick={() => set({ token: null, model: null, route: null, status: null })} data-testid="log-clear">
            {t('log.clear')}
          </Button>
        ) : null}
        <Typography.Text type="secondary">{t('log.detailsHint')}</Typography.Text>
      </Space>
      <Table<RequestLogDTO>
        rowKey="requestId"
        size="small"
        data-testid="request-log"
        dataSource={log}
        locale={{ emptyText: t('usage.empty') }}
        pagination={false}
        scroll={{ x: 1200 }}
        onRow={(r) => ({ onClick: () => setOpen(r), style: { cursor: 'pointer' }, 'data-testid': `log-row-${r.requestId}` }) as never}
        columns={[
          { title: t('usage.time'), dataIndex: 'startedAt', render: (d: string) => dateTime(d) },
          {
            title: t('usage.requestId'),
            dataIndex: 'requestId',
            render: (id: string) => (
              <span className="mono" data-testid="request-id">
                {id}
              </span>
            ),
          },
          { title: t('common.user'), dataIndex: 'userId', render: (u: string) => <span className="mono">{u}</span> },
          { title: t('common.model'), dataIndex: 'model' },
          {
            title: t('usage.route'),
            dataIndex: 'route',
            render: (r: string, row) => (
              <span className="mono">
                {r}
                {row.stream ? ' (SSE)' : ''}
              </span>
            ),
          },
          { title: t('usage.httpStatus'), dataIndex: 'status', render: (s: number, row) => <StatusTags status={s} aborted={row.aborted} /> },
          { title: t('usage.tokens'), key: 'tok', align: 'right', render: (_, r) => `${number(r.promptTokens)} / ${number(r.completionTokens)}` },
          { title: t('usage.cost'), key: 'cost', align: 'right', render: (_, r) => <Cost row={r} /> },
          { title: t('usage.firstByte'), dataIndex: 'firstByteMs', align: 'right', render: (n: number | null) => (n === null ? '—' : `${number(n)} ms`) },
          { title: t('usage.totalTime'), dataIndex: 'totalMs', align: 'right', render: (n: number) => `${number(n)} ms` },
        ]}
      />
      <Space style={{ marginTop: 12 }}>
        <Button disabled={isFirstPage} onClick={() => set({})}>
          {t('common.newer')}
        </Button>
        <Button disabled={!nextCursor} onClick={() => nextCursor && router.push(`${url({})}&before=${encodeURIComponent(nextCursor)}`)} data-testid="log-older">
          {t('common.older')}
        </Button>
      </Space>
      <Drawer
        open={open !== null}
        onClose={() => setOpen(null)}
        title={t('log.details')}
        size={screens.md ? 736 : '100%'}
        data-testid="log-drawer"
        destroyOnHidden
      >
        {open ? <Details r={open} narrow={!screens.md} /> : null}
      </Drawer>
    </Card>
  );
}

function StatusTags({ status, aborted }: { status: number; aborted: boolean }) {
  const { t } = useI18n();
  return (
    <Space size={4}>
      <Tag color={status < 300 ? 'success' : status < 500 ? 'warning' : 'error'}>{status}</Tag>
      {aborted ? <Tag>{t('usage.aborted')}</Tag> : null}
    </Space>
  );
}

function Cost({ row }: { row: RequestLogDTO }) {
  const { t } = useI18n();
  return row.currency ? (
    <span className="mono">{`${row.currency} ${row.cost}`}</span>
  ) : (
    <Tag color="warning" data-testid="no-price">
      {t('usage.noPrice')}
    </Tag>
  );
}

function Details({ r, narrow }: { r: RequestLogDTO; narrow: boolean }) {
  const { t, number, dateTime } = useI18n();
  const ms = (n: number | null) => (n === null ? '—' : `${number(n)} ms`);
  const items: [string, React.ReactNode, string?][] = [
    [
      t('usage.requestId'),
      <Typography.Text key="id" className="mono" copyable>
        {r.requestId}
      </Typography.Text>,
      'request-id',
    ],
    [t('log.started'), dateTime(r.startedAt)],
    [
      t('common.user'),
      <Link key="u" href={`/users/${encodeURIComponent(r.userId)}`} className="mono">
        {r.userId}
      </Link>,
    ],
    [
      t('log.token.label'),
      <Typography.Text key="tok" className="mono" copyable>
        {r.tokenId}
      </Typography.Text>,
    ],
    [t('common.model'), r.model],
    [t('log.upstreamModel'), r.upstreamModel, 'upstream-model'],
    [
      t('usage.route'),
      <span key="r" className="mono">
        {r.route}
        {r.stream ? ' (SSE)' : ''}
      </span>,
    ],
    [t('usage.httpStatus'), <StatusTags key="s" status={r.status} aborted={r.aborted} />],
    [t('log.prompt'), number(r.promptTokens)],
    [t('log.cacheHit'), number(r.cacheHitTokens)],
    [t('log.cacheMiss'), number(r.cacheMissTokens)],
    [t('log.completion'), number(r.completionTokens)],
    [t('log.reasoning'), number(r.reasoningTokens)],
    [t('usage.cost'), <Cost key="c" row={r} />, 'cost'],
    [t('usage.firstByte'), ms(r.firstByteMs)],
    [t('usage.totalTime'), ms(r.totalMs)],
    [t('log.account'), r.account || '—', 'account'],
    [t('log.attempts'), String(r.attempts), 'attempts'],
    [
      t('log.instance'),
      <span key="i" className="mono">
        {r.instance}
      </span>,
    ],
  ];
  return (
    // on a phone: labels above values (globals.css keeps the table to the drawer's width)
    <Descriptions column={1} size="small" bordered layout={narrow ? 'vertical' : 'horizontal'} data-testid="log-details" className="log-details">
      {items.map(([label, value, id]) => (
        <Descriptions.Item key={label} label={label}>
          <span data-testid={id ? `detail-${id}` : undefined}>{value}</span>
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

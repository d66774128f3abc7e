'use client';
// The request log of the Usage page: one page of ledger rows, filtered by token, model, route and
// status (the page's range and user apply too; every filter lives in the URL, so a filtered view
// can be linked), exported as CSV with the same filters, and a drawer with every field of a row.
import { useState } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';
import { Button, Card, Drawer, Grid, Space, Table } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { RequestLogDTO } from '@/lib/types';
import { LogFilterBar, type LogFilters } from './LogFilterBar';
import { useI18n } from './Providers';
import { Cost, RequestDetails, StatusTags } from './RequestDetails';

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
      <LogFilterBar filters={filters} models={models} set={set} />
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
        {open ? <RequestDetails r={open} narrow={!screens.md} /> : null}
      </Drawer>
    </Card>
  );
}

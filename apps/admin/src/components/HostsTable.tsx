'use client';
// The dashboard's table of gateway hosts: each one up (with its own figures) or down (with why).
import { Card, Table, Tag, Tooltip } from 'antd';
import type { HostDown, HostFigures, Snapshot } from '@/metrics/snapshot';
import { useI18n } from './Providers';

export function HostsTable({ snap, urls, ms }: { snap: Snapshot | null; urls: string[]; ms: (v: number | null | undefined) => string }) {
  const { t, number, dateTime } = useI18n();
  const dash = '—';
  return (
    <Card size="small" title={t('dashboard.hosts')}>
      <Table<HostFigures | HostDown>
        size="small"
        scroll={{ x: 'max-content' }}
        rowKey="url"
        pagination={false}
        data-testid="hosts-table"
        dataSource={snap?.hosts ?? urls.map((url): HostDown => ({ url, up: false, at: 0, error: '' }))}
        columns={[
          { title: t('dashboard.host'), dataIndex: 'url', render: (u: string) => <span className="mono">{u}</span> },
          {
            title: t('common.status'),
            key: 'status',
            render: (_, h) =>
              !snap ? (
                <Tag>{t('common.loading')}</Tag>
              ) : h.up ? (
                <Tag color="success" data-testid="host-up">
                  {t('dashboard.up')}
                </Tag>
              ) : (
                <Tooltip title={`${t('dashboard.error')}: ${h.error}`}>
                  <Tag color="error" data-testid="host-down">
                    {t('dashboard.down')}
                  </Tag>
                </Tooltip>
              ),
          },
          { title: t('dashboard.rps'), key: 'rps', render: (_, h) => (h.up && h.requestsPerSec != null ? number(h.requestsPerSec, 2) : dash) },
          { title: t('dashboard.requestsTotal'), key: 'total', render: (_, h) => (h.up ? number(h.requestsTotal) : dash) },
          { title: t('dashboard.p50'), key: 'p50', render: (_, h) => (h.up ? ms(h.p50Ms) : dash) },
          { title: t('dashboard.p95'), key: 'p95', render: (_, h) => (h.up ? ms(h.p95Ms) : dash) },
          { title: t('dashboard.inFlight'), key: 'inflight', render: (_, h) => (h.up ? number(h.inFlight) : dash) },
          {
            title: `${t('dashboard.poolActive')} / ${t('dashboard.poolIdle')}`,
            key: 'pa',
            render: (_, h) => (h.up ? `${number(h.poolActive)} / ${number(h.poolIdle)}` : dash),
          },
          { title: t('dashboard.reuse'), key: 'reuse', render: (_, h) => (h.up && h.reuseRatio != null ? `${number(h.reuseRatio * 100, 1)} %` : dash) },
          { title: t('dashboard.lastScrape'), key: 'at', render: (_, h) => (h.at ? dateTime(h.at) : dash) },
        ]}
      />
    </Card>
  );
}

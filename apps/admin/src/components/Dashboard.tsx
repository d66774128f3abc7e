'use client';
// Live metrics: one EventSource on /api/metrics/stream; the server scrapes the gateway hosts once
// a second and pushes a snapshot; charts keep the last five minutes.
import { useMemo } from 'react';
import { Alert, Badge, Card, Col, Row, Statistic, Typography } from 'antd';
import dayjs from 'dayjs';
import { withGaps } from '@/metrics/history';
import type { HostDown } from '@/metrics/snapshot';
import { HostsTable } from './HostsTable';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';
import { TimeChart } from './TimeChart';
import { useMetricsStream } from './useMetricsStream';

export function Dashboard({ urls }: { urls: string[] }) {
  const { t, number, timezone } = useI18n();
  const { conn, snap, history } = useMetricsStream();
  const total = snap?.total ?? null;
  const down = snap?.hosts.filter((h): h is HostDown => !h.up) ?? [];
  const chartData = useMemo(() => withGaps(history), [history]);
  const timeLabel = (at: number) => dayjs(at).tz(timezone).format('HH:mm:ss');
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${number(v, v < 10 ? 1 : 0)} ms`);
  const dash = '—';

  const connBadge =
    conn === 'open' ? (
      <Badge status="processing" text={t('dashboard.connected')} />
    ) : conn === 'connecting' ? (
      <Badge status="default" text={t('dashboard.connecting')} />
    ) : (
      <Badge status="warning" text={t('dashboard.disconnected')} />
    );

  const stat = (testid: string, title: string, value: string, extra?: React.ReactNode) => (
    <Col xs={12} sm={8} md={6} xl={4}>
      <Card size="small">
        <Statistic title={title} value={value} />
        <span data-testid={testid} data-value={value} hidden />
        {extra}
      </Card>
    </Col>
  );

  return (
    <>
      <PageHeader
        title={t('dashboard.title')}
        subtitle={t('dashboard.subtitle')}
        extra={
          <span data-testid="sse-state" data-state={conn}>
            {connBadge}
          </span>
        }
      />
      {urls.length === 0 ? <Alert type="warning" showIcon title={t('dashboard.noHosts')} style={{ marginBottom: 16 }} /> : null}
      {snap && !total && urls.length > 0 ? (
        <Alert type="error" showIcon title={t('dashboard.allDown')} style={{ marginBottom: 16 }} data-testid="all-down" />
      ) : null}
      {snap && total && down.length > 0 ? (
        <Alert type="warning" showIcon title={t('dashboard.someDown', { n: down.length, total: snap.hosts.length })} style={{ marginBottom: 16 }} />
      ) : null}
      <Row gutter={[12, 12]} style={{ marginBottom: 16 }}>
        {stat('stat-rps', t('dashboard.rps'), total?.requestsPerSec != null ? number(total.requestsPerSec, 2) : dash)}
        {stat('stat-requests-total', t('dashboard.requestsTotal'), total ? number(total.requestsTotal) : dash)}
        {stat('stat-p50', t('dashboard.p50'), ms(total?.p50Ms))}
        {stat('stat-p95', t('dashboard.p95'), ms(total?.p95Ms))}
        {stat('stat-fb50', t('dashboard.fb50'), ms(total?.firstByteP50Ms))}
        {stat(
          'stat-aborted',
          t('dashboard.aborted'),
          total?.abortedPerSec != null ? number(total.abortedPerSec, 2) : dash,
          total ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('dashboard.abortedTotal')}: {number(total.abortedTotal)}
            </Typography.Text>
          ) : null,
        )}
        {stat('stat-in-flight', t('dashboard.inFlight'), total ? number(total.inFlight) : dash)}
        {stat(
          'stat-blocked',
          t('dashboard.blocked'),
          total?.blockedPerSec ? number((total.blockedPerSec.concurrency ?? 0) + (total.blockedPerSec.quota ?? 0), 2) : dash,
          total ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('dashboard.blockedTotal')}: {t('dashboard.reason.concurrency')} {number(total.blockedTotal.concurrency ?? 0)} · {t('dashboard.reason.quota')}{' '}
              {number(total.blockedTotal.quota ?? 0)}
            </Typography.Text>
          ) : null,
        )}
        {stat('stat-pool-active', t('dashboard.poolActive'), total ? number(total.poolActive) : dash)}
        {stat('stat-pool-idle', t('dashboard.poolIdle'), total ? number(total.poolIdle) : dash)}
        {stat('stat-reuse', t('dashboard.reuse'), total?.reuseRatio != null ? `${number(total.reuseRatio * 100, 1)} %` : dash)}
      </Row>
      <Row gutter={[12, 12]} style={{ marginBottom: 16 }} data-testid="live-charts">
        <TimeChart
          title={t('dashboard.chart.rps')}
          data={chartData}
          height={220}
          timeLabel={timeLabel}
          series={[
            { key: 'rps', name: t('dashboard.rps'), color: '#4d6bfe' },
            { key: 'aborted', name: t('dashboard.aborted'), color: '#f5222d' },
          ]}
        />
        <TimeChart
          title={t('dashboard.chart.latency')}
          data={chartData}
          timeLabel={timeLabel}
          height={220}
          series={[
            { key: 'p50', name: t('dashboard.p50'), color: '#52c41a' },
            { key: 'p95', name: t('dashboard.p95'), color: '#fa8c16' },
            { key: 'fb50', name: t('dashboard.fb50'), color: '#722ed1' },
          ]}
        />
        <TimeChart
          title={t('dashboard.chart.blocked')}
          data={chartData}
          timeLabel={timeLabel}
          series={[
            { key: 'blockedConcurrency', name: t('dashboard.reason.concurrency'), color: '#f5222d' },
            { key: 'blockedQuota', name: t('dashboard.reason.quota'), color: '#faad14' },
          ]}
        />
        <TimeChart
          title={t('dashboard.chart.pool')}
          data={chartData}
          timeLabel={timeLabel}
          step
          integers
          series={[
            { key: 'poolActive', name: t('dashboard.poolActive'), color: '#13c2c2' },
            { key: 'poolIdle', name: t('dashboard.poolIdle'), color: '#8c8c8c' },
            { key: 'inFlight', name: t('dashboard.inFlight'), color: '#eb2f96' },
          ]}
        />
      </Row>
      <HostsTable snap={snap} urls={urls} ms={ms} />
    </>
  );
}

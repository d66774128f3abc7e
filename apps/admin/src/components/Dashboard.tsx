'use client';
// Live metrics: one EventSource on /api/metrics/stream; the server scrapes the gateway hosts once
// a second and pushes a snapshot; charts keep the last five minutes.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Badge, Card, Col, Row, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip as ChartTooltip, XAxis, YAxis } from 'recharts';
import dayjs from 'dayjs';
import type { HistoryPoint, HostDown, HostFigures, Snapshot } from '@/metrics/compute';
import { historyPoint, withGaps } from '@/metrics/compute';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';

type Conn = 'connecting' | 'open' | 'error';
const KEEP = 300;

export function Dashboard({ urls }: { urls: string[] }) {
  const { t, number, timezone, dateTime } = useI18n();
  const [conn, setConn] = useState<Conn>('connecting');
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [history, setHistory] = useState<HistoryPoint[]>([]);

  useEffect(() => {
    const es = new EventSource('/api/metrics/stream');
    es.addEventListener('open', () => setConn('open'));
    es.addEventListener('error', () => setConn('error'));
    es.addEventListener('hello', (ev) => {
      const d = JSON.parse((ev as MessageEvent<string>).data) as { history: HistoryPoint[]; snapshot: Snapshot | null };
      setHistory(d.history.slice(-KEEP));
      if (d.snapshot) setSnap(d.snapshot);
      setConn('open');
    });
    es.addEventListener('snapshot', (ev) => {
      const s = JSON.parse((ev as MessageEvent<string>).data) as Snapshot;
      setSnap(s);
      setHistory((h) => {
        const next = h.length && h[h.length - 1]!.at === s.at ? h : [...h, historyPoint(s)];
        return next.length > KEEP ? next.slice(next.length - KEEP) : next;
      });
    });
    es.addEventListener('logout', () => {
      es.close();
      window.location.assign('/login?next=/dashboard');
    });
    return () => es.close();
  }, []);

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
    </>
  );
}

export interface Series {
  key: string;
  name: string;
  color: string;
}

/**
 * One live line chart of the dashboard: the last minutes of some history fields, on a time axis to
 * scale (a gap in the scrapes is a gap in the chart).
 */
export function TimeChart(p: {
  title: string;
  data: object[];
  series: Series[];
  timeLabel: (at: number) => string;
  height?: number;
  legend?: boolean;
  step?: boolean;
  integers?: boolean;
}) {
  return (
    <Col xs={24} lg={12}>
      <Card size="small" title={p.title}>
        <ResponsiveContainer width="100%" height={p.height ?? 200}>
          <LineChart data={p.data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={p.timeLabel} minTickGap={40} />
            <YAxis allowDecimals={!p.integers} />
            <ChartTooltip labelFormatter={(v) => p.timeLabel(Number(v))} />
            {p.legend !== false && <Legend />}
            {p.series.map((x) => (
              <Line key={x.key} type={p.step ? 'stepAfter' : 'linear'} dataKey={x.key} name={x.name} stroke={x.color} dot={false} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </Card>
    </Col>
  );
}

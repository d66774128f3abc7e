'use client';
// The dashboard's last 24 hours at minute resolution, from the per-minute figures every gateway
// host adds to Redis (the live charts above keep only the last five minutes of this browser tab).
// Reloaded once a minute.
import { useEffect, useMemo, useState } from 'react';
import { Card, Col, Row, Statistic } from 'antd';
import dayjs from 'dayjs';
import type { MinutePoint } from '@dsp/core/history';
import { TimeChart } from './TimeChart';
import { useI18n } from './Providers';

const REFRESH_MS = 60_000;

export function DayHistory({ initial }: { initial: MinutePoint[] }) {
  const { t, number, timezone } = useI18n();
  const [points, setPoints] = useState(initial);
  useEffect(() => {
    const timer = setInterval(() => {
      fetch('/api/metrics/history')
        .then((r) => (r.ok ? (r.json() as Promise<{ points: MinutePoint[] }>) : null))
        .then((d) => d && setPoints(d.points))
        .catch(() => {});
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const sums = useMemo(
    () =>
      points.reduce(
        (a, p) => ({
          requests: a.requests + p.requests,
          errors: a.errors + p.s5xx,
          refused: a.refused + p.s4xx,
          aborted: a.aborted + p.aborted,
          tokens: a.tokens + p.tokensIn + p.tokensOut,
        }),
        { requests: 0, errors: 0, refused: 0, aborted: 0, tokens: 0 },
      ),
    [points],
  );
  const timeLabel = (at: number) => dayjs(at).tz(timezone).format('HH:mm');
  const stat = (title: string, value: number, testid: string) => (
    <Col xs={12} md={8} lg={4}>
      <Card size="small">
        <Statistic title={title} value={number(value)} />
        <span data-testid={testid} data-value={value} hidden />
      </Card>
    </Col>
  );
  return (
    <div data-testid="day-history" style={{ marginTop: 16 }}>
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <strong>{t('history.title')}</strong>
        </Col>
        {stat(t('history.requests'), sums.requests, 'day-requests')}
        {stat(t('history.s4xx'), sums.refused, 'day-4xx')}
        {stat(t('history.s5xx'), sums.errors, 'day-5xx')}
        {stat(t('history.aborted'), sums.aborted, 'day-aborted')}
        {stat(t('history.tokens'), sums.tokens, 'day-tokens')}
      </Row>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <TimeChart
          title={t('history.perMinute')}
          data={points}
          timeLabel={timeLabel}
          integers
          series={[
            { key: 'requests', name: t('history.requests'), color: '#1677ff' },
            { key: 's4xx', name: t('history.s4xx'), color: '#fa8c16' },
            { key: 's5xx', name: t('history.s5xx'), color: '#f5222d' },
            { key: 'aborted', name: t('history.aborted'), color: '#8c8c8c' },
          ]}
        />
        <TimeChart
          title={t('history.p95')}
          data={points}
          timeLabel={timeLabel}
          legend={false}
          series={[{ key: 'p95Ms', name: t('history.p95'), color: '#722ed1' }]}
        />
      </Row>
    </div>
  );
}

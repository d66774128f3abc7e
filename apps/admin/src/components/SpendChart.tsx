'use client';
// Spend over time: per day, stacked by user or by model, in one currency at a time (amounts are
// never added across currencies). Sums are exact (lib/spend.ts); the bars are for the eye, the
// table and the CSV export hold the exact figures.
import { useMemo, useState } from 'react';
import { Card, Empty, Segmented, Select, Space } from 'antd';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { spendSeries, type SpendRow } from '@/lib/spend';
import { useI18n } from './Providers';

const COLORS = ['#4d6bfe', '#52c41a', '#fa8c16', '#eb2f96', '#13c2c2', '#722ed1', '#faad14', '#8c8c8c'];

export function SpendChart({ rows, days, from, to }: { rows: SpendRow[]; days: string[]; from: string; to: string }) {
  const { t } = useI18n();
  const [by, setBy] = useState<'user' | 'model'>('user');
  const [currency, setCurrency] = useState<string | null>(null);
  const s = useMemo(() => spendSeries(rows, days, by, currency), [rows, days, by, currency]);
  const shown = currency !== null && s.currencies.includes(currency) ? currency : (s.currencies[0] ?? null);
  return (
    <Card
      size="small"
      title={`${t('usage.spendChart')}${shown ? ` (${shown})` : ''} · ${from} – ${to}`}
      style={{ marginBottom: 16 }}
      data-testid="spend-chart"
      data-currency={shown ?? ''}
      data-series={s.keys.join(',')}
      data-totals={JSON.stringify(s.totals)}
      extra={
        <Space>
          <Segmented<'user' | 'model'>
            size="small"
            value={by}
            onChange={setBy}
            options={[
              { value: 'user', label: t('usage.group.user') },
              { value: 'model', label: t('usage.group.model') },
            ]}
            data-testid="spend-by"
          />
          {s.currencies.length > 1 ? (
            <Select
              size="small"
              value={shown ?? undefined}
              onChange={(c: string) => setCurrency(c)}
              options={s.currencies.map((c) => ({ value: c, label: c }))}
              data-testid="spend-currency"
            />
          ) : null}
        </Space>
      }
    >
      {s.keys.length === 0 ? (
        <Empty description={t('usage.noSpend')} />
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <BarChart data={s.data} margin={{ top: 8, right: 16, left: 8, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" interval="preserveStartEnd" minTickGap={24} tickFormatter={(k: string) => k.slice(5)} />
            <YAxis />
            <Tooltip />
            <Legend />
            {s.keys.map((k, i) => (
              <Bar key={k} dataKey={k} stackId="s" name={k} fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      )}
    </Card>
  );
}

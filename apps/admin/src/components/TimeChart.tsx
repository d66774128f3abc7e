'use client';
// A live line chart on a time axis to scale, shared by the dashboard and the 24-hour history.
import { Card, Col } from 'antd';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip as ChartTooltip, XAxis, YAxis } from 'recharts';

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

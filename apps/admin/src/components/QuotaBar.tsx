'use client';
import { Progress, Typography } from 'antd';
import { useI18n } from './Providers';

/** used / limit as a progress bar; no bar when unlimited, "blocked" for a limit of 0. */
export function QuotaBar({ used, limit, testid }: { used: number | null; limit: number | 'unlimited'; testid?: string }) {
  const { t, number } = useI18n();
  if (used === null) return <Typography.Text type="secondary">—</Typography.Text>;
  if (limit === 0) {
    return (
      <Typography.Text data-testid={testid} data-used={used} data-limit={0} type="danger">
        {number(used)} / 0 <Typography.Text type="secondary">({t('users.blocked')})</Typography.Text>
      </Typography.Text>
    );
  }
  if (limit === 'unlimited') {
    return (
      <Typography.Text data-testid={testid} data-used={used} data-limit="unlimited">
        {number(used)} <Typography.Text type="secondary">/ {t('common.unlimited')}</Typography.Text>
      </Typography.Text>
    );
  }
  const pct = Math.min(100, (used / limit) * 100);
  return (
    <div data-testid={testid} data-used={used} data-limit={limit} style={{ minWidth: 140 }}>
      <Progress percent={Math.round(pct * 10) / 10} size="small" status={used >= limit ? 'exception' : 'normal'} showInfo={false} />
      <Typography.Text style={{ fontSize: 12 }}>
        {number(used)} / {number(limit)}
      </Typography.Text>
    </div>
  );
}

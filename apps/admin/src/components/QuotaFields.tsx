'use client';
// The three quota inputs (create user, edit quotas): empty = the configured default, 0 = unlimited.
import { Form, InputNumber } from 'antd';
import type { Limits } from '@/lib/types';
import { useI18n } from './Providers';

export function QuotaFields({ defaults }: { defaults: Limits }) {
  const { t, number } = useI18n();
  const d = (v: number) => (v === 0 ? t('common.unlimited') : number(v));
  const field = (name: keyof Limits, label: string) => (
    <Form.Item name={name} label={label} extra={t('users.quotaHelp', { value: d(defaults[name]) })}>
      <InputNumber
        min={0}
        precision={0}
        style={{ width: '100%' }}
        placeholder={t('common.defaultValue', { value: d(defaults[name]) })}
        data-testid={`quota-${name}`}
      />
    </Form.Item>
  );
  return (
    <>
      {field('dailyRequests', t('users.quotaDailyRequests'))}
      {field('dailyTokens', t('users.quotaDailyTokens'))}
      {field('monthlyTokens', t('users.quotaMonthlyTokens'))}
    </>
  );
}

/** form values → the quota patch the API takes (empty → null = default) */
export function quotaValues(v: Partial<Record<keyof Limits, number | null | undefined>>) {
  const n = (x: number | null | undefined) => (x === undefined || x === null ? null : x);
  return { dailyRequests: n(v.dailyRequests), dailyTokens: n(v.dailyTokens), monthlyTokens: n(v.monthlyTokens) };
}

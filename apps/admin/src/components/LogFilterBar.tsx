'use client';
// The request log's own filters (token, model, route, status); each change goes to the URL, so a
// filtered view can be linked.
import { useState } from 'react';
import { Button, Input, Select, Space, Typography } from 'antd';
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

export function LogFilterBar({
  filters,
  models,
  set,
}: {
  filters: LogFilters;
  models: string[];
  /** changes these URL parameters (null removes one) */
  set: (changes: Record<string, string | null>) => void;
}) {
  const { t } = useI18n();
  const [token, setToken] = useState(filters.token ?? '');
  const filtered = OWN.some((k) => filters[k] !== null);
  /** one of the select filters: choosing sets its URL parameter, clearing removes it */
  const choice = (
    name: 'model' | 'route' | 'status',
    placeholder: string,
    options: readonly (string | { value: string; label: string })[],
    minWidth: number,
  ) => (
    <Select
      allowClear
      placeholder={placeholder}
      value={filters[name] ?? undefined}
      onChange={(v: string | undefined) => set({ [name]: v ?? null })}
      options={options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o))}
      style={{ minWidth }}
      data-testid={`log-filter-${name}`}
    />
  );
  return (
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
      {choice('model', t('log.anyModel'), [...new Set([...models, ...(filters.model ? [filters.model] : [])])], 180)}
      {choice('route', t('log.anyRoute'), LOG_ROUTES, 220)}
      {choice(
        'status',
        t('log.anyStatus'),
        STATUSES.map((s) => ({ value: s, label: t(`log.status.${s}` as MessageKey) })),
        200,
      )}
      {filtered ? (
        <Button type="link" onClick={() => set({ token: null, model: null, route: null, status: null })} data-testid="log-clear">
          {t('log.clear')}
        </Button>
      ) : null}
      <Typography.Text type="secondary">{t('log.detailsHint')}</Typography.Text>
    </Space>
  );
}

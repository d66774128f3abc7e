'use client';
// One request of the log: its status and cost as the table shows them, and every field of it as
// the drawer shows them.
import Link from 'next/link';
import { Descriptions, Space, Tag, Typography } from 'antd';
import type { RequestLogDTO } from '@/lib/types';
import { useI18n } from './Providers';

export function StatusTags({ status, aborted }: { status: number; aborted: boolean }) {
  const { t } = useI18n();
  return (
    <Space size={4}>
      <Tag color={status < 300 ? 'success' : status < 500 ? 'warning' : 'error'}>{status}</Tag>
      {aborted ? <Tag>{t('usage.aborted')}</Tag> : null}
    </Space>
  );
}

export function Cost({ row }: { row: RequestLogDTO }) {
  const { t } = useI18n();
  return row.currency ? (
    <span className="mono">{`${row.currency} ${row.cost}`}</span>
  ) : (
    <Tag color="warning" data-testid="no-price">
      {t('usage.noPrice')}
    </Tag>
  );
}

export function RequestDetails({ r, narrow }: { r: RequestLogDTO; narrow: boolean }) {
  const { t, number, dateTime } = useI18n();
  const ms = (n: number | null) => (n === null ? '—' : `${number(n)} ms`);
  const items: [string, React.ReactNode, string?][] = [
    [
      t('usage.requestId'),
      <Typography.Text key="id" className="mono" copyable>
        {r.requestId}
      </Typography.Text>,
      'request-id',
    ],
    [t('log.started'), dateTime(r.startedAt)],
    [
      t('common.user'),
      <Link key="u" href={`/users/${encodeURIComponent(r.userId)}`} className="mono">
        {r.userId}
      </Link>,
    ],
    [
      t('log.token.label'),
      <Typography.Text key="tok" className="mono" copyable>
        {r.tokenId}
      </Typography.Text>,
    ],
    [t('common.model'), r.model],
    [t('log.upstreamModel'), r.upstreamModel, 'upstream-model'],
    [
      t('usage.route'),
      <span key="r" className="mono">
        {r.route}
        {r.stream ? ' (SSE)' : ''}
      </span>,
    ],
    [t('usage.httpStatus'), <StatusTags key="s" status={r.status} aborted={r.aborted} />],
    [t('log.prompt'), number(r.promptTokens)],
    [t('log.cacheHit'), number(r.cacheHitTokens)],
    [t('log.cacheMiss'), number(r.cacheMissTokens)],
    [t('log.completion'), number(r.completionTokens)],
    [t('log.reasoning'), number(r.reasoningTokens)],
    [t('usage.cost'), <Cost key="c" row={r} />, 'cost'],
    [t('usage.firstByte'), ms(r.firstByteMs)],
    [t('usage.totalTime'), ms(r.totalMs)],
    [t('log.account'), r.account || '—', 'account'],
    [t('log.attempts'), String(r.attempts), 'attempts'],
    [
      t('log.instance'),
      <span key="i" className="mono">
        {r.instance}
      </span>,
    ],
  ];
  return (
    // on a phone: labels above values (globals.css keeps the table to the drawer's width)
    <Descriptions column={1} size="small" bordered layout={narrow ? 'vertical' : 'horizontal'} data-testid="log-details" className="log-details">
      {items.map(([label, value, id]) => (
        <Descriptions.Item key={label} label={label}>
          <span data-testid={id ? `detail-${id}` : undefined}>{value}</span>
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

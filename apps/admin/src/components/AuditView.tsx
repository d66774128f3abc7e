'use client';
import { useRouter } from 'next/navigation';
import { Button, Card, Form, Input, Space, Table, Tag, Typography } from 'antd';
import { hasKey } from '@/i18n/messages';
import type { AuditDTO } from '@/lib/types';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';

type Filters = { actor?: string; action?: string; target?: string };

export function AuditView({ rows, nextBefore, isFirstPage, filters }: { rows: AuditDTO[]; nextBefore: number | null; isFirstPage: boolean; filters: Filters }) {
  const { t, dateTime } = useI18n();
  const router = useRouter();
  const go = (f: Filters, before?: number) => {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) sp.set(k, v);
    if (before !== undefined) sp.set('before', String(before));
    router.push(`/audit${sp.size ? `?${sp}` : ''}`);
  };
  const actionLabel = (a: string) => {
    const key = `audit.action.${a}`;
    return hasKey(key) ? t(key) : a;
  };
  const color = (a: string) =>
    a.endsWith('.revoke') || a.endsWith('.disable')
      ? 'red'
      : a.endsWith('.create') || a.endsWith('.issue')
        ? 'green'
        : a === 'admin.login'
          ? 'default'
          : 'blue';

  return (
    <>
      <PageHeader title={t('audit.title')} subtitle={t('audit.subtitle')} />
      <Card size="small">
        <Form
          layout="inline"
          initialValues={filters}
          onFinish={(v: Filters) => go({ actor: v.actor?.trim(), action: v.action?.trim(), target: v.target?.trim() })}
          style={{ marginBottom: 12, rowGap: 8 }}
        >
          <Form.Item name="actor" label={t('audit.actor')}>
            <Input allowClear placeholder="admin:root" style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="action" label={t('audit.action')}>
            <Input allowClear placeholder="token.revoke" style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="target" label={t('audit.target')}>
            <Input allowClear style={{ width: 200 }} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t('common.filter')}
            </Button>
            <Button onClick={() => go({})}>{t('common.reset')}</Button>
          </Space>
        </Form>
        <Table<AuditDTO>
          rowKey="id"
          size="small"
          data-testid="audit-table"
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: t('audit.empty') }}
          scroll={{ x: 1000 }}
          columns={[
            { title: t('audit.when'), dataIndex: 'at', width: 180, render: (d: string) => dateTime(d) },
            { title: t('audit.actor'), dataIndex: 'actor', width: 160, render: (a: string) => <span className="mono">{a}</span> },
            {
              title: t('audit.action'),
              dataIndex: 'action',
              width: 200,
              render: (a: string) => (
                <Space size={4}>
                  <Tag color={color(a)} data-testid={`audit-action-${a}`}>
                    {actionLabel(a)}
                  </Tag>
                  <Typography.Text type="secondary" className="mono" style={{ fontSize: 11 }}>
                    {a}
                  </Typography.Text>
                </Space>
              ),
            },
            { title: t('audit.target'), dataIndex: 'target', render: (x: string | null) => (x ? <span className="mono">{x}</span> : '—') },
            {
              title: t('audit.details'),
              dataIndex: 'details',
              render: (d: Record<string, unknown>) =>
                Object.keys(d).length ? (
                  <Typography.Text className="mono" style={{ fontSize: 12 }}>
                    {JSON.stringify(d)}
                  </Typography.Text>
                ) : (
                  '—'
                ),
            },
          ]}
        />
        <Space style={{ marginTop: 12 }}>
          <Button disabled={isFirstPage} onClick={() => go(filters)}>
            {t('common.newer')}
          </Button>
          <Button disabled={nextBefore === null} onClick={() => nextBefore !== null && go(filters, nextBefore)}>
            {t('common.older')}
          </Button>
        </Space>
      </Card>
    </>
  );
}

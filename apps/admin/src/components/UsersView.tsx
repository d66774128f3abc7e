'use client';
import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import type { Limits, UserSummaryDTO } from '@/lib/types';
import { api } from './api';
import { PageHeader } from './PageHeader';
import { QuotaBar } from './QuotaBar';
import { QuotaFields, quotaValues } from './QuotaFields';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { validated } from './validated';
import { UserActions } from './UserActions';
import { useMutation } from './useMutation';

export interface UsersViewProps {
  rows: UserSummaryDTO[];
  total: number;
  usageError: string | null;
  search: string;
  page: number;
  pageSize: number;
  status: 'active' | 'disabled' | 'deleted' | null;
  defaults: Limits;
}

export function StatusTag({ status }: { status: 'active' | 'disabled' | 'revoked' | 'expired' }) {
  const { t } = useI18n();
  const color = status === 'active' ? 'success' : status === 'expired' ? 'default' : 'error';
  return (
    <Tag color={color} data-testid={`status-${status}`}>
      {t(`status.${status}`)}
    </Tag>
  );
}

export function UsersView({ rows, total, usageError, search, page, pageSize, status, defaults }: UsersViewProps) {
  const { t, dateTime } = useI18n();
  const canWrite = useCanWrite();
  const { message } = App.useApp();
  const router = useRouter();
  const { busy, run } = useMutation();
  const [createOpen, setCreateOpen] = useState(false);
  const [form] = Form.useForm();

  const go = (p: { q?: string; page?: number; size?: number; status?: string | null }) => {
    const sp = new URLSearchParams();
    const q = p.q ?? search;
    if (q) sp.set('q', q);
    const st = p.status === undefined ? status : p.status;
    if (st) sp.set('status', st);
    if ((p.page ?? 1) > 1) sp.set('page', String(p.page));
    const size = p.size ?? pageSize;
    if (size !== 20) sp.set('size', String(size));
    router.push(`/users${sp.size ? `?${sp}` : ''}`);
  };

  async function create() {
    const v = await validated(form);
    if (!v) return;
    await run(async () => {
      await api('POST', '/api/users', { id: v.id.trim(), name: v.name ?? null, ...quotaValues(v) });
      message.success(t('users.created', { id: v.id.trim() }));
      setCreateOpen(false);
    });
  }

  return (
    <>
      <PageHeader
        title={t('users.title')}
        subtitle={t('users.subtitle')}
        extra={
          canWrite ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreateOpen(true)} data-testid="new-user">
              {t('users.new')}
            </Button>
          ) : null
        }
      />
      {usageError ? <Alert type="warning" showIcon title={t('users.usageUnavailable', { message: usageError })} style={{ marginBottom: 16 }} /> : null}
      <Card size="small">
        <Space style={{ marginBottom: 12 }} wrap>
          <Input.Search
            allowClear
            defaultValue={search}
            placeholder={t('users.search')}
            onSearch={(q) => go({ q, page: 1 })}
            style={{ width: 320 }}
            data-testid="users-search"
          />
          <Select
            value={status ?? 'all'}
            style={{ width: 140 }}
            onChange={(v) => go({ status: v === 'all' ? null : v, page: 1 })}
            options={[
              { value: 'all', label: t('common.all') },
              { value: 'active', label: t('status.active') },
              { value: 'disabled', label: t('status.disabled') },
              { value: 'deleted', label: t('status.deleted') },
            ]}
            data-testid="users-status"
          />
        </Space>
        <Table<UserSummaryDTO>
          rowKey="id"
          size="middle"
          dataSource={rows}
          data-testid="users-table"
          locale={{ emptyText: search ? t('users.noMatch', { q: search }) : t('users.empty') }}
          scroll={{ x: 1100 }}
          pagination={{
            current: page,
            pageSize,
            total,
            showSizeChanger: true,
            pageSizeOptions: [10, 20, 50, 100],
            showTotal: (n) => t('common.total', { n }),
            onChange: (p, size) => go({ page: size !== pageSize ? 1 : p, size }),
          }}
          columns={[
            {
              title: t('users.id'),
              dataIndex: 'id',
              render: (id: string) => (
                <Link href={`/users/${encodeURIComponent(id)}`} className="mono" data-testid={`user-link-${id}`}>
                  {id}
                </Link>
              ),
            },
            { title: t('common.name'), dataIndex: 'name', render: (n: string | null) => n ?? '—' },
            {
              title: t('common.status'),
              dataIndex: 'status',
              render: (s: 'active' | 'disabled', u) =>
                u.deletedAt ? <Tag data-testid={`deleted-${u.id}`}>{t('status.deleted')}</Tag> : <StatusTag status={s} />,
            },
            {
              title: t('users.labelsColumn'),
              dataIndex: 'labels',
              render: (labels: string[], u) => (
                <span data-testid={`labels-${u.id}`}>
                  {labels.map((l) => (
                    <Tag key={l} style={{ cursor: 'pointer' }} onClick={() => go({ q: l, page: 1 })}>
                      {l}
                    </Tag>
                  ))}
                </span>
              ),
            },
            {
              title: t('users.dailyRequests'),
              key: 'dr',
              render: (_, u) => <QuotaBar used={u.usage?.dailyRequests ?? null} limit={u.limits.dailyRequests} testid={`usage-dr-${u.id}`} />,
            },
            {
              title: t('users.dailyTokens'),
              key: 'dt',
              render: (_, u) => <QuotaBar used={u.usage?.dailyTokens ?? null} limit={u.limits.dailyTokens} testid={`usage-dt-${u.id}`} />,
            },
            {
              title: t('users.monthlyTokens'),
              key: 'mt',
              render: (_, u) => <QuotaBar used={u.usage?.monthlyTokens ?? null} limit={u.limits.monthlyTokens} testid={`usage-mt-${u.id}`} />,
            },
            { title: t('common.created'), dataIndex: 'createdAt', render: (d: string) => dateTime(d) },
            {
              title: t('common.actions'),
              key: 'actions',
              render: (_, u) => (
                <Space size="small" wrap>
                  <UserActions user={u} defaults={defaults} />
                  <Link href={`/tokens?user=${encodeURIComponent(u.id)}`}>
                    <Button size="small">{t('users.tokens')}</Button>
                  </Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Modal
        open={createOpen}
        title={t('users.new')}
        okText={t('common.create')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={create}
        onCancel={() => setCreateOpen(false)}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'create-user-submit' } as never}
      >
        <Form form={form} layout="vertical">
          <Form.Item name="id" label={t('users.id')} extra={t('users.idHelp')} rules={[{ required: true, whitespace: true, message: t('users.idHelp') }]}>
            <Input autoComplete="off" data-testid="new-user-id" />
          </Form.Item>
          <Form.Item name="name" label={t('common.name')}>
            <Input autoComplete="off" data-testid="new-user-name" />
          </Form.Item>
          <QuotaFields defaults={defaults} />
        </Form>
      </Modal>
    </>
  );
}

'use client';
// The console's operators: change your own password (any role); with the admin role, add
// operators, change their role and disable / enable them.
import { useState } from 'react';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { ssoText } from '@/i18n/sso-messages';
import { api } from './api';
import { PageHeader } from './PageHeader';
import { useI18n } from './Providers';
import { useMutation } from './useMutation';
import { validated } from './validated';

interface OperatorRow {
  username: string;
  role: 'admin' | 'viewer';
  createdAt: string;
  disabled: boolean;
  /** made by single sign-on: the provider's groups set the role at each sign-in */
  sso?: boolean;
}

const ROLES = ['admin', 'viewer'] as const;

export function OperatorsView({
  me,
  canManage,
  operators,
  hasPassword = true,
}: {
  me: string;
  canManage: boolean;
  operators: OperatorRow[];
  /** false for an operator signed in by single sign-on (no local password) */
  hasPassword?: boolean;
}) {
  const { t, dateTime, locale } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState(false);
  const [addForm] = Form.useForm();
  const [pwForm] = Form.useForm();
  const minPw = { min: 8, message: t('operators.passwordShort') };

  async function add() {
    const v = await validated(addForm);
    if (!v) return;
    await run(async () => {
      await api('POST', '/api/operators', { username: v.username.trim(), password: v.password, role: v.role });
      message.success(t('operators.added', { name: v.username.trim() }));
      setAdding(false);
    });
  }
  async function changePassword() {
    const v = await validated(pwForm);
    if (!v) return;
    await run(async () => {
      await api('POST', '/api/account/password', { current: v.current, password: v.password });
      message.success(t('operators.passwordChanged'));
      setChanging(false);
    });
  }
  const setRole = (username: string, role: string) =>
    run(async () => {
      await api('POST', `/api/operators/${encodeURIComponent(username)}/role`, { role });
      message.success(t('operators.roleChanged', { name: username, role }));
    });
  const setStatus = (username: string, status: 'active' | 'disabled') =>
    run(async () => {
      await api('POST', `/api/operators/${encodeURIComponent(username)}/status`, { status });
    });

  return (
    <>
      <PageHeader
        title={t('operators.title')}
        subtitle={canManage ? t('operators.subtitle') : t('operators.viewerNote')}
        extra={
          <Space wrap>
            {hasPassword ? (
              <Button onClick={() => setChanging(true)} data-testid="change-password">
                {t('operators.changePassword')}
              </Button>
            ) : null}
            {canManage ? (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="new-operator">
                {t('operators.add')}
              </Button>
            ) : null}
          </Space>
        }
      />
      <Table<OperatorRow>
        size="small"
        rowKey="username"
        dataSource={operators}
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="operators-table"
        columns={[
          {
            title: t('operators.username'),
            dataIndex: 'username',
            render: (u: string, row) => (
              <span className="mono" data-testid={`operator-${u}`}>
                {u}
                {u === me ? <Tag style={{ marginLeft: 8 }}>{t('operators.you')}</Tag> : null}
                {row.sso ? (
                  <Tag color="purple" style={{ marginLeft: 8 }} title={ssoText(locale, 'tagHint')} data-testid={`sso-${u}`}>
                    {ssoText(locale, 'tag')}
                  </Tag>
                ) : null}
              </span>
            ),
          },
          {
            title: t('operators.role'),
            dataIndex: 'role',
            render: (role: string, row) =>
              canManage && row.username !== me ? (
                <Select
                  size="small"
                  value={role}
                  style={{ width: 110 }}
                  onChange={(r: string) => setRole(row.username, r)}
                  options={ROLES.map((r) => ({ value: r, label: r }))}
                  data-testid={`role-${row.username}`}
                />
              ) : (
                <Tag color={role === 'admin' ? 'blue' : undefined}>{role}</Tag>
              ),
          },
          {
            title: t('common.status'),
            dataIndex: 'disabled',
            render: (d: boolean) => (d ? <Tag color="error">{t('operators.disabled')}</Tag> : <Tag color="success">{t('operators.active')}</Tag>),
          },
          { title: t('operators.created'), dataIndex: 'createdAt', render: (d: string) => dateTime(d) },
          ...(canManage
            ? [
                {
                  title: '',
                  key: 'actions',
                  render: (_: unknown, row: OperatorRow) =>
                    row.username === me ? null : row.disabled ? (
                      <Button size="small" loading={busy} onClick={() => setStatus(row.username, 'active')} data-testid={`enable-operator-${row.username}`}>
                        {t('users.enable')}
                      </Button>
                    ) : (
                      <Popconfirm title={t('operators.disableConfirm', { name: row.username })} onConfirm={() => setStatus(row.username, 'disabled')}>
                        <Button size="small" danger loading={busy} data-testid={`disable-operator-${row.username}`}>
                          {t('users.disable')}
                        </Button>
                      </Popconfirm>
                    ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={adding}
        title={t('operators.add')}
        okText={t('operators.add')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={add}
        onCancel={() => setAdding(false)}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'new-operator-submit' } as never}
      >
        <Form form={addForm} layout="vertical" initialValues={{ role: 'viewer' }}>
          <Form.Item name="username" label={t('operators.username')} rules={[{ required: true, message: t('operators.usernameRequired') }]}>
            <Input autoComplete="off" data-testid="new-operator-username" />
          </Form.Item>
          <Form.Item name="password" label={t('operators.password')} rules={[{ required: true, message: t('operators.passwordShort') }, minPw]}>
            <Input.Password autoComplete="new-password" data-testid="new-operator-password" />
          </Form.Item>
          <Form.Item name="role" label={t('operators.role')}>
            <Select options={ROLES.map((r) => ({ value: r, label: t(`operators.role.${r}`) }))} data-testid="new-operator-role" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={changing}
        title={t('operators.changePassword')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={changePassword}
        onCancel={() => setChanging(false)}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'change-password-submit' } as never}
      >
        <Form form={pwForm} layout="vertical">
          <Form.Item name="current" label={t('operators.currentPassword')} rules={[{ required: true, message: t('operators.currentRequired') }]}>
            <Input.Password autoComplete="current-password" data-testid="current-password" />
          </Form.Item>
          <Form.Item name="password" label={t('operators.newPassword')} rules={[{ required: true, message: t('operators.passwordShort') }, minPw]}>
            <Input.Password autoComplete="new-password" data-testid="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

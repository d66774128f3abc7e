'use client';
// Per-user actions shared by the users table and the user page: edit quotas, disable / enable.
import { useState } from 'react';
import { App, Button, Form, Modal, Popconfirm, Space } from 'antd';
import type { Limits, UserDTO } from '@/lib/types';
import { api } from './api';
import { QuotaFields, quotaInitialValues, quotaValues } from './QuotaFields';
import { validated } from './validated';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { useMutation } from './useMutation';

export function UserActions({ user, defaults, size = 'small' }: { user: UserDTO; defaults: Limits; size?: 'small' | 'middle' }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const canWrite = useCanWrite();

  const setStatus = (status: 'active' | 'disabled') =>
    run(async () => {
      await api('POST', `/api/users/${encodeURIComponent(user.id)}/status`, { status });
      message.success(t(status === 'disabled' ? 'users.disabledMsg' : 'users.enabledMsg', { id: user.id }));
    });

  async function saveQuotas() {
    const v = await validated(form);
    if (!v) return;
    await run(async () => {
      await api('POST', `/api/users/${encodeURIComponent(user.id)}/quota`, quotaValues(v));
      message.success(t('users.quotaSaved', { id: user.id }));
      setOpen(false);
    });
  }

  if (!canWrite) return null;
  return (
    <Space size="small" wrap>
      <Button size={size} data-testid={`edit-quotas-${user.id}`} onClick={() => setOpen(true)}>
        {t('users.editQuotas')}
      </Button>
      {user.status === 'active' ? (
        <Popconfirm
          title={t('users.disableConfirm', { id: user.id })}
          onConfirm={() => setStatus('disabled')}
          okButtonProps={{ danger: true, 'data-testid': 'confirm-disable' } as never}
        >
          <Button size={size} danger loading={busy} data-testid={`disable-${user.id}`}>
            {t('users.disable')}
          </Button>
        </Popconfirm>
      ) : (
        <Popconfirm
          title={t('users.enableConfirm', { id: user.id })}
          onConfirm={() => setStatus('active')}
          okButtonProps={{ 'data-testid': 'confirm-enable' } as never}
        >
          <Button size={size} loading={busy} data-testid={`enable-${user.id}`}>
            {t('users.enable')}
          </Button>
        </Popconfirm>
      )}
      <Modal
        open={open}
        title={t('users.editQuotasTitle', { id: user.id })}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={saveQuotas}
        onCancel={() => setOpen(false)}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'save-quotas' } as never}
      >
        <Form form={form} layout="vertical" initialValues={quotaInitialValues(user)}>
          <QuotaFields defaults={defaults} />
        </Form>
      </Modal>
    </Space>
  );
}

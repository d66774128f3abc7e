'use client';
// A user's notes and labels (editable by admins), and soft deletion: delete (confirmed), or, for a
// deleted user, the banner saying so and Restore.
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Select, Space, Tag, Typography } from 'antd';
import type { UserDTO } from '@/lib/types';
import { api } from './api';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { useMutation } from './useMutation';
import { validated } from './validated';

export function UserProfileCard({ user }: { user: UserDTO }) {
  const { t, dateTime } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const canWrite = useCanWrite();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const path = (action: string) => `/api/users/${encodeURIComponent(user.id)}/${action}`;

  async function save() {
    const v = await validated(form);
    if (!v) return;
    await run(async () => {
      await api('POST', path('profile'), { notes: v.notes ?? '', labels: v.labels ?? [] });
      message.success(t('profile.saved'));
      setOpen(false);
    });
  }
  const remove = () =>
    run(async () => {
      await api('POST', path('delete'));
      message.success(t('profile.deletedMsg', { id: user.id }));
      router.push('/users');
    });
  const restore = () =>
    run(async () => {
      await api('POST', path('restore'));
      message.success(t('profile.restoredMsg', { id: user.id }));
    });

  return (
    <>
      {user.deletedAt ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="user-deleted"
          title={t('profile.deletedBanner', { at: dateTime(user.deletedAt) })}
          action={
            canWrite ? (
              <Button size="small" loading={busy} onClick={restore} data-testid="restore-user">
                {t('profile.restore')}
              </Button>
            ) : null
          }
        />
      ) : null}
      <Card
        size="small"
        title={t('profile.title')}
        style={{ marginTop: 16 }}
        extra={
          canWrite ? (
            <Space>
              <Button size="small" onClick={() => setOpen(true)} data-testid="edit-profile">
                {t('profile.edit')}
              </Button>
              {user.deletedAt ? null : (
                <Popconfirm
                  title={t('profile.deleteConfirm', { id: user.id })}
                  onConfirm={remove}
                  okButtonProps={{ danger: true, 'data-testid': 'confirm-delete-user' } as never}
                >
                  <Button size="small" danger loading={busy} data-testid="delete-user">
                    {t('profile.delete')}
                  </Button>
                </Popconfirm>
              )}
            </Space>
          ) : null
        }
      >
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('profile.labels')}>
            <span data-testid="user-labels">
              {user.labels.length ? user.labels.map((l) => <Tag key={l}>{l}</Tag>) : <Typography.Text type="secondary">{t('profile.none')}</Typography.Text>}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t('profile.notes')}>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }} data-testid="user-notes">
              {user.notes || <Typography.Text type="secondary">{t('profile.none')}</Typography.Text>}
            </Typography.Paragraph>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Modal
        open={open}
        title={t('profile.editTitle', { id: user.id })}
        onOk={save}
        onCancel={() => setOpen(false)}
        confirmLoading={busy}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'save-profile' } as never}
      >
        <Form form={form} layout="vertical" initialValues={{ notes: user.notes, labels: user.labels }}>
          <Form.Item name="labels" label={t('profile.labels')} extra={t('profile.labelsHelp')}>
            <Select mode="tags" tokenSeparators={[',', ' ']} data-testid="profile-labels" />
          </Form.Item>
          <Form.Item name="notes" label={t('profile.notes')} rules={[{ max: 2000 }]}>
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} data-testid="profile-notes" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

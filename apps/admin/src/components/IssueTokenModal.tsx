'use client';
// Issue a token, then show the JWT exactly once with a copy button. The JWT lives only in this
// component's state and is dropped when the dialog closes.
import { useState } from 'react';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { CopyOutlined } from '@ant-design/icons';
import type { MessageKey } from '@/i18n/messages';
import type { TokenDTO } from '@/lib/types';
import { api } from './api';
import { useI18n } from './Providers';
import { TokenSnippets } from './TokenSnippets';
import { validated } from './validated';
import { useMutation } from './useMutation';

export interface UserOption {
  id: string;
  name: string | null;
  status: 'active' | 'disabled';
}

export const EXPIRY = ['1h', '1d', '7d', '30d', '90d', '1y', 'never'] as const;
/** The same default as `dsp token issue` and the service layer: no expiry unless one is chosen. */
export const DEFAULT_EXPIRY = 'never';

export function IssueTokenModal({
  open,
  onClose,
  users,
  fixedUser,
  models,
  defaultConcurrency,
}: {
  open: boolean;
  onClose: () => void;
  users: UserOption[];
  fixedUser?: string | null;
  models: string[];
  defaultConcurrency: number;
}) {
  const { t } = useI18n();
  const { busy, run } = useMutation();
  const [form] = Form.useForm();
  const [issued, setIssued] = useState<{ token: string; record: TokenDTO } | null>(null);

  async function submit() {
    const v = await validated(form);
    if (!v) return;
    await run(async () => {
      const res = await api<{ token: string; record: TokenDTO }>('POST', '/api/tokens', {
        userId: fixedUser ?? v.userId,
        name: v.name?.trim() || undefined,
        concurrency: v.concurrency ?? null,
        models: v.models?.length ? v.models : null,
        expiresIn: v.expiresIn,
      });
      onClose();
      setIssued(res);
    });
  }

  return (
    <>
      <Modal
        open={open}
        title={fixedUser ? t('tokens.issueFor', { id: fixedUser }) : t('tokens.issue')}
        okText={t('tokens.issue')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={submit}
        onCancel={onClose}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'issue-token-submit' } as never}
      >
        <Form form={form} layout="vertical" initialValues={{ expiresIn: DEFAULT_EXPIRY, userId: fixedUser ?? undefined }}>
          {fixedUser ? null : (
            <Form.Item name="userId" label={t('common.user')} rules={[{ required: true, message: t('tokens.userPlaceholder') }]}>
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                placeholder={t('tokens.userPlaceholder')}
                data-testid="issue-user"
                options={users.map((u) => ({ value: u.id, label: u.name ? `${u.id} (${u.name})` : u.id, disabled: u.status === 'disabled' }))}
              />
            </Form.Item>
          )}
          <Form.Item name="name" label={t('common.name')}>
            <Input placeholder={t('tokens.namePlaceholder')} autoComplete="off" data-testid="issue-name" />
          </Form.Item>
          <ClaimFields prefix="issue" models={models} defaultConcurrency={defaultConcurrency} />
          <Form.Item name="expiresIn" label={t('tokens.expiry')}>
            <Select options={EXPIRY.map((e) => ({ value: e, label: t(`tokens.expiry.${e}` as MessageKey) }))} data-testid="issue-expiry" />
          </Form.Item>
        </Form>
      </Modal>
      <IssuedTokenDialog issued={issued?.token ?? null} onDone={() => setIssued(null)} />
    </>
  );
}

/** The JWT shown exactly once, with a copy button and ready-to-paste snippets (issue and rotate). */
export function IssuedTokenDialog({ issued, onDone, title }: { issued: string | null; onDone: () => void; title?: string }) {
  const { t } = useI18n();
  const { message } = App.useApp();

  async function copy(token: string) {
    try {
      await navigator.clipboard.writeText(token);
      message.success(t('tokens.copied'));
    } catch {
      // http:// on another host has no Clipboard API; fall back to a selection copy
      const el = document.querySelector<HTMLTextAreaElement>('[data-testid="issued-token"]');
      el?.select();
      const ok = document.execCommand?.('copy');
      if (ok) message.success(t('tokens.copied'));
      else message.warning(t('tokens.copyFailed'));
    }
  }

  return (
    <Modal
      open={issued !== null}
      title={title ?? t('tokens.issuedTitle')}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      destroyOnHidden
      onCancel={onDone}
      footer={
        <Space>
          <Button icon={<CopyOutlined />} onClick={() => issued && copy(issued)} data-testid="copy-token">
            {t('tokens.copy')}
          </Button>
          <Button type="primary" onClick={onDone} data-testid="token-done">
            {t('tokens.done')}
          </Button>
        </Space>
      }
    >
      <Alert type="warning" showIcon title={t('tokens.issuedWarning')} style={{ marginBottom: 12 }} />
      <div className="token-box">
        <Input.TextArea value={issued ?? ''} readOnly autoSize={{ minRows: 4, maxRows: 8 }} data-testid="issued-token" onFocus={(e) => e.target.select()} />
      </div>
      {issued ? <TokenSnippets token={issued} /> : null}
    </Modal>
  );
}

/** The claim fields of a token form (issue, rotate): concurrency and models; test ids `<prefix>-concurrency`, `<prefix>-models`. */
export function ClaimFields({ prefix, models, defaultConcurrency }: { prefix: string; models: string[]; defaultConcurrency: number }) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="concurrency" label={t('tokens.concurrency')} extra={t('tokens.concurrencyHelp', { value: defaultConcurrency })}>
        <InputNumber min={1} precision={0} style={{ width: '100%' }} placeholder={String(defaultConcurrency)} data-testid={`${prefix}-concurrency`} />
      </Form.Item>
      <Form.Item name="models" label={t('tokens.models')} extra={t('tokens.modelsHelp')}>
        <Select
          mode="multiple"
          allowClear
          placeholder={t('tokens.allModels')}
          options={models.map((m) => ({ value: m, label: m }))}
          data-testid={`${prefix}-models`}
        />
      </Form.Item>
    </>
  );
}

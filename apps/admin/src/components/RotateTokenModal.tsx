'use client';
// Rotate a token, which is also how one is edited: the new JWT carries the claims chosen here (the
// old token's where left as they were), and the old token is revoked now or after a grace period.
import { useState } from 'react';
import { Alert, App, Form, Modal, Select } from 'antd';
import type { MessageKey } from '@/i18n/messages';
import type { TokenDTO } from '@/lib/types';
import { api } from './api';
import { ClaimFields, EXPIRY, IssuedTokenDialog } from './IssueTokenModal';
import { useI18n } from './Providers';
import { validated } from './validated';
import { useMutation } from './useMutation';

const GRACE = ['none', '1h', '24h', '7d'] as const;
const KEEP = 'keep';

export function RotateTokenModal({
  token,
  onClose,
  models,
  defaultConcurrency,
}: {
  token: TokenDTO | null;
  onClose: () => void;
  models: string[];
  defaultConcurrency: number;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const [form] = Form.useForm();
  const [issued, setIssued] = useState<{ token: string; name: string } | null>(null);

  async function submit() {
    if (!token) return;
    const v = await validated(form);
    if (!v) return;
    await run(async () => {
      const res = await api<{ token: string; record: TokenDTO; replaced: TokenDTO }>('POST', `/api/tokens/${encodeURIComponent(token.id)}/rotate`, {
        grace: v.grace === 'none' ? null : v.grace,
        // unchanged fields are left out: the new token keeps the old one's
        ...(v.concurrency !== (token.concurrency ?? null) ? { concurrency: v.concurrency ?? null } : {}),
        ...(JSON.stringify(v.models ?? []) !== JSON.stringify(token.models ?? []) ? { models: v.models?.length ? v.models : null } : {}),
        ...(v.expiresIn !== KEEP ? { expiresIn: v.expiresIn } : {}),
      });
      message.success(t('tokens.rotatedMsg', { name: token.name }));
      onClose();
      setIssued({ token: res.token, name: res.record.name });
    });
  }

  return (
    <>
      <Modal
        open={token !== null}
        title={token ? t('tokens.rotateTitle', { name: token.name }) : ''}
        okText={t('tokens.rotate')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={submit}
        onCancel={onClose}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'rotate-submit' } as never}
      >
        <Alert type="info" showIcon title={t('tokens.rotateHelp')} style={{ marginBottom: 12 }} />
        {token ? (
          <Form
            form={form}
            layout="vertical"
            initialValues={{ grace: 'none', concurrency: token.concurrency ?? undefined, models: token.models ?? [], expiresIn: KEEP }}
          >
            <Form.Item name="grace" label={t('tokens.grace')}>
              <Select options={GRACE.map((g) => ({ value: g, label: t(`tokens.grace.${g}` as MessageKey) }))} data-testid="rotate-grace" />
            </Form.Item>
            <ClaimFields prefix="rotate" models={[...new Set([...models, ...(token.models ?? [])])]} defaultConcurrency={defaultConcurrency} />
            <Form.Item name="expiresIn" label={t('tokens.newExpiry')}>
              <Select
                options={[{ value: KEEP, label: t('tokens.keep') }, ...EXPIRY.map((e) => ({ value: e, label: t(`tokens.expiry.${e}` as MessageKey) }))]}
                data-testid="rotate-expiry"
              />
            </Form.Item>
          </Form>
        ) : null}
      </Modal>
      <IssuedTokenDialog
        issued={issued?.token ?? null}
        title={issued ? t('tokens.rotatedTitle', { name: issued.name }) : undefined}
        onDone={() => setIssued(null)}
      />
    </>
  );
}

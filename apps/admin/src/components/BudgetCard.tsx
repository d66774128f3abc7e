'use client';
// A user's budgets and what was spent against them this day / month (the live Redis counters the
// gateway enforces), with an editor: exact decimal strings, empty = no budget.
import { useState } from 'react';
import { App, Button, Card, Col, Form, Input, Modal, Progress, Row, Typography } from 'antd';
import { fromNanos, toNanos } from '@/lib/amounts';
import type { UserSummaryDTO } from '@/lib/types';
import { api } from './api';
import { useI18n } from './Providers';
import { useCanWrite } from './Role';
import { useMutation } from './useMutation';
import { validated } from './validated';

export const AMOUNT_RE = /^\d{1,10}(\.\d{1,9})?$/;

export function Spent({ spent, budget, currency, testid }: { spent: string | null; budget: string | null; currency: string; testid: string }) {
  const { t } = useI18n();
  if (spent === null) return <Typography.Text type="secondary">—</Typography.Text>;
  if (budget === null)
    return (
      <Typography.Text data-testid={testid} data-spent={spent} data-budget="">
        {currency} {spent} <Typography.Text type="secondary">/ {t('budgets.none')}</Typography.Text>
      </Typography.Text>
    );
  const s = toNanos(spent);
  const b = toNanos(budget);
  // percent of the budget, to 0.1 (bigint: exact; 0 budget = fully spent)
  const pct = b === 0n ? 100 : Number((s * 1000n) / b) / 10;
  return (
    <div data-testid={testid} data-spent={spent} data-budget={budget} style={{ minWidth: 140 }}>
      <Progress percent={Math.min(100, pct)} size="small" status={s >= b ? 'exception' : 'normal'} showInfo={false} />
      <Typography.Text style={{ fontSize: 12 }}>
        {currency} {spent} / {budget} ({fromNanos(s >= b ? 0n : b - s)} {t('budgets.left')})
      </Typography.Text>
    </div>
  );
}

export function BudgetCard({ user, currency }: { user: UserSummaryDTO; currency: string }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const canWrite = useCanWrite();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const rule = { pattern: AMOUNT_RE, message: t('budgets.invalid') };

  async function save() {
    const v = await validated(form);
    if (!v) return;
    const val = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : null);
    await run(async () => {
      await api('POST', `/api/users/${encodeURIComponent(user.id)}/budget`, { dailyBudget: val(v.dailyBudget), monthlyBudget: val(v.monthlyBudget) });
      message.success(t('budgets.saved', { id: user.id }));
      setOpen(false);
    });
  }

  return (
    <Card
      size="small"
      title={t('budgets.title', { currency })}
      style={{ marginTop: 16 }}
      extra={
        // a viewer sees the budgets but nothing to change them with (the route refuses them anyway)
        canWrite ? (
          <Button size="small" onClick={() => setOpen(true)} data-testid="edit-budgets">
            {t('budgets.edit')}
          </Button>
        ) : null
      }
    >
      <Row gutter={16}>
        <Col span={12}>
          <div style={{ marginBottom: 4 }}>{t('budgets.daily')}</div>
          <Spent spent={user.usage?.dailySpend ?? null} budget={user.dailyBudget} currency={currency} testid="budget-daily" />
        </Col>
        <Col span={12}>
          <div style={{ marginBottom: 4 }}>{t('budgets.monthly')}</div>
          <Spent spent={user.usage?.monthlySpend ?? null} budget={user.monthlyBudget} currency={currency} testid="budget-monthly" />
        </Col>
      </Row>
      <Modal
        open={open}
        title={t('budgets.editTitle', { id: user.id })}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={save}
        onCancel={() => setOpen(false)}
        destroyOnHidden
        okButtonProps={{ 'data-testid': 'save-budgets' } as never}
      >
        <Form form={form} layout="vertical" initialValues={{ dailyBudget: user.dailyBudget ?? '', monthlyBudget: user.monthlyBudget ?? '' }}>
          <Form.Item name="dailyBudget" label={`${t('budgets.daily')} (${currency})`} extra={t('budgets.help')} rules={[rule]}>
            <Input inputMode="decimal" placeholder={t('budgets.none')} data-testid="budget-dailyBudget" />
          </Form.Item>
          <Form.Item name="monthlyBudget" label={`${t('budgets.monthly')} (${currency})`} rules={[rule]}>
            <Input inputMode="decimal" placeholder={t('budgets.none')} data-testid="budget-monthlyBudget" />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

'use client';
// A token's own budgets (beside its user's): daily / monthly amounts in the budget currency or
// none, with what the token spent this day and month (the live counters the gateway enforces).
// Amounts are exact decimal strings; a bad one is refused here with a message and nothing is sent.
import { App, Col, Form, Input, Modal, Row, Typography } from 'antd';
import type { TokenBudgetsDTO, TokenDTO } from '@/lib/types';
import { api } from './api';
import { AMOUNT_RE, Spent } from './BudgetCard';
import { useI18n } from './Providers';
import { useMutation } from './useMutation';
import { validated } from './validated';

export function TokenBudgetModal({ token, budgets, onClose }: { token: TokenDTO | null; budgets: TokenBudgetsDTO; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { busy, run } = useMutation();
  const [form] = Form.useForm();
  const rule = { pattern: AMOUNT_RE, message: t('budgets.invalid') };
  const { currency } = budgets;
  const spent = token && budgets.spend ? (budgets.spend[token.id] ?? { dailySpend: '0', monthlySpend: '0' }) : null;

  async function save() {
    if (!token) return;
    const v = await validated(form);
    if (!v) return;
    const val = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : null);
    await run(async () => {
      await api('POST', `/api/tokens/${encodeURIComponent(token.id)}/budget`, { dailyBudget: val(v.dailyBudget), monthlyBudget: val(v.monthlyBudget) });
      message.success(t('tokens.budgetSaved', { name: token.name }));
      onClose();
    });
  }

  return (
    <Modal
      open={token !== null}
      title={token ? t('tokens.budgetTitle', { name: token.name }) : ''}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      onOk={save}
      onCancel={onClose}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'save-token-budget' } as never}
    >
      {token ? (
        <>
          <Typography.Paragraph type="secondary">{t('tokens.budgetHelp', { currency })}</Typography.Paragraph>
          <div style={{ marginBottom: 4 }}>{t('tokens.budgetSpent')}</div>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            <Col span={12}>
              <div style={{ fontSize: 12 }}>{t('budgets.daily')}</div>
              <Spent spent={spent?.dailySpend ?? null} budget={token.dailyBudget} currency={currency} testid="token-budget-daily" />
            </Col>
            <Col span={12}>
              <div style={{ fontSize: 12 }}>{t('budgets.monthly')}</div>
              <Spent spent={spent?.monthlySpend ?? null} budget={token.monthlyBudget} currency={currency} testid="token-budget-monthly" />
            </Col>
          </Row>
          <Form form={form} layout="vertical" initialValues={{ dailyBudget: token.dailyBudget ?? '', monthlyBudget: token.monthlyBudget ?? '' }}>
            <Form.Item name="dailyBudget" label={`${t('budgets.daily')} (${currency})`} rules={[rule]}>
              <Input inputMode="decimal" placeholder={t('budgets.none')} data-testid="token-budget-dailyBudget" />
            </Form.Item>
            <Form.Item name="monthlyBudget" label={`${t('budgets.monthly')} (${currency})`} rules={[rule]}>
              <Input inputMode="decimal" placeholder={t('budgets.none')} data-testid="token-budget-monthlyBudget" />
            </Form.Item>
          </Form>
        </>
      ) : null}
    </Modal>
  );
}

'use client';
// The three quota inputs (create user, edit quotas): a number (0 blocks every request), the
// "unlimited" checkbox, or empty = the configured default. A negative number is refused here with
// a message (and by the server).
import { Checkbox, Form, InputNumber, Space } from 'antd';
import type { Limits, UserDTO } from '@/lib/types';
import { useI18n } from './Providers';

type Field = keyof Limits;
const FIELDS: Field[] = ['dailyRequests', 'dailyTokens', 'monthlyTokens'];
const unlimitedKey = (f: Field) => `${f}Unlimited`;

export function QuotaFields({ defaults }: { defaults: Limits }) {
  const { t, number } = useI18n();
  const d = (v: Limits[Field]) => (v === 'unlimited' ? t('common.unlimited') : number(v));
  const labels: Record<Field, string> = {
    dailyRequests: t('users.quotaDailyRequests'),
    dailyTokens: t('users.quotaDailyTokens'),
    monthlyTokens: t('users.quotaMonthlyTokens'),
  };
  return (
    <>
      {FIELDS.map((name) => (
        <Form.Item key={name} label={labels[name]} extra={t('users.quotaHelp', { value: d(defaults[name]) })} style={{ marginBottom: 12 }}>
          <Space.Compact block>
            <Form.Item noStyle shouldUpdate={(a, b) => a[unlimitedKey(name)] !== b[unlimitedKey(name)]}>
              {({ getFieldValue }) => (
                <Form.Item
                  name={name}
                  noStyle
                  rules={[
                    {
                      validator: (_, v) => (v === null || v === undefined || v >= 0 ? Promise.resolve() : Promise.reject(new Error(t('users.quotaNegative')))),
                    },
                  ]}
                >
                  <InputNumber
                    precision={0}
                    style={{ width: '100%' }}
                    disabled={getFieldValue(unlimitedKey(name)) === true}
                    placeholder={getFieldValue(unlimitedKey(name)) ? t('common.unlimited') : t('common.defaultValue', { value: d(defaults[name]) })}
                    data-testid={`quota-${name}`}
                  />
                </Form.Item>
              )}
            </Form.Item>
          </Space.Compact>
          <Form.Item name={unlimitedKey(name)} valuePropName="checked" noStyle>
            <Checkbox data-testid={`quota-${name}-unlimited`} style={{ marginTop: 4 }}>
              {t('common.unlimited')}
            </Checkbox>
          </Form.Item>
        </Form.Item>
      ))}
    </>
  );
}

/** A user's own quotas as the form's initial values. */
export function quotaInitialValues(u: Pick<UserDTO, Field>): Record<string, number | boolean | null> {
  const out: Record<string, number | boolean | null> = {};
  for (const f of FIELDS) {
    out[f] = u[f] === 'unlimited' ? null : u[f];
    out[unlimitedKey(f)] = u[f] === 'unlimited';
  }
  return out;
}

/** form values → the quota patch the API takes (unlimited ticked → "unlimited"; empty → null = default) */
export function quotaValues(v: Record<string, unknown>): Record<Field, number | 'unlimited' | null> {
  const out = {} as Record<Field, number | 'unlimited' | null>;
  for (const f of FIELDS) {
    const n = v[f];
    out[f] = v[unlimitedKey(f)] === true ? 'unlimited' : typeof n === 'number' ? n : null;
  }
  return out;
}

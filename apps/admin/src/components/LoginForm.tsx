'use client';
import { useState } from 'react';
import { Alert, Button, Card, Divider, Flex, Form, Input, Typography } from 'antd';
import { LockOutlined, LoginOutlined, UserOutlined } from '@ant-design/icons';
import { ssoText, type SsoKey } from '@/i18n/sso-messages';
import { ApiError, api } from './api';
import { LanguageToggle } from './LanguageToggle';
import { useI18n } from './Providers';

/**
 * `sso`: single sign-on is configured (a button to the provider); `local`: local passwords are
 * allowed (the form); `ssoError`: why the last single sign-on was refused (a code of sso-messages).
 */
export function LoginForm({ next, sso = false, local = true, ssoError = null }: { next: string; sso?: boolean; local?: boolean; ssoError?: string | null }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<string | null>(ssoError ? ssoText(locale, `error.${ssoError}` as SsoKey) : null);
  const [busy, setBusy] = useState(false);

  async function submit(v: { username?: string; password?: string }) {
    if (!v.username || !v.password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/auth/login', { username: v.username, password: v.password });
      window.location.assign(next);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.status === 429) {
        const m = /(\d+) (second|minute)/.exec(e.message);
        if (m?.[2] === 'second') setError(t('login.throttledSeconds', { seconds: m[1]! }));
        else setError(t('login.throttled', { minutes: m ? m[1]! : 15 }));
      } else if (e instanceof ApiError && e.code === 'bad_credentials') setError(t('login.bad'));
      else if (e instanceof ApiError && e.code === 'local_passwords_disabled') setError(ssoText(locale, 'passwordsOff'));
      else if (e instanceof ApiError && e.code === 'throttle_unavailable') setError(t('login.unavailable'));
      else if (e instanceof ApiError && e.code === 'network') setError(t('error.network'));
      else setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 16 }}>
      <Card style={{ width: 380, maxWidth: '100%' }}>
        <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
            {t('login.title')}
          </Typography.Title>
          <LanguageToggle />
        </Flex>
        <Typography.Paragraph type="secondary">
          {t('app.title')} · {t('login.subtitle')}
        </Typography.Paragraph>
        {error ? <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} data-testid="login-error" /> : null}
        {sso ? (
          <Button
            type={local ? 'default' : 'primary'}
            block
            icon={<LoginOutlined />}
            href={`/api/auth/oidc/start?next=${encodeURIComponent(next)}`}
            data-testid="login-sso"
          >
            {ssoText(locale, 'button')}
          </Button>
        ) : null}
        {sso && local ? <Divider plain>{ssoText(locale, 'or')}</Divider> : null}
        {local ? (
          <Form layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item label={t('login.username')} name="username">
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" />
            </Form.Item>
            <Form.Item label={t('login.password')} name="password">
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
              {t('login.submit')}
            </Button>
          </Form>
        ) : null}
      </Card>
    </Flex>
  );
}

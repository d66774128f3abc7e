// The single sign-on strings of the sign-in page, in English and 简体中文 (kept apart from
// messages.ts; the sign-in form picks them by the current locale).
import type { Locale } from '@/lib/constants';

const en = {
  button: 'Sign in with single sign-on',
  or: 'or with a local password',
  'error.domain': 'Your email domain is not allowed to sign in to this console.',
  'error.no_group': 'Your account is in neither the admin nor the viewer group of this console, so it may not sign in.',
  'error.no_email': 'The identity provider did not tell us your email address, which this console needs to check your domain.',
  'error.email_unverified': 'Your email address is not verified at the identity provider.',
  'error.bad_username': 'Your account has no email or username this console can use as an operator name.',
  'error.taken': 'A local operator already has your name; ask an admin to rename or remove it.',
  'error.disabled': 'Your operator account is disabled in this console.',
  'error.expired': 'The sign-in took too long or was started in another browser. Please try again.',
  'error.provider': 'The identity provider refused the sign-in.',
  'error.failed': 'The sign-in could not be completed with the identity provider. Please try again.',
  'error.unavailable': 'The identity provider is unreachable right now.',
  'error.off': 'Single sign-on is not configured for this console.',
  passwordsOff: 'Sign-in with a local password is switched off.',
  tag: 'SSO',
  tagHint: "Signs in with single sign-on; the provider's groups set the role at each sign-in.",
};

export type SsoKey = keyof typeof en;

const zh: Record<SsoKey, string> = {
  button: '使用单点登录',
  or: '或使用本地密码',
  'error.domain': '您的邮箱域名不允许登录此控制台。',
  'error.no_group': '您的账号既不在此控制台的管理员组，也不在只读组，无法登录。',
  'error.no_email': '身份提供方未提供您的邮箱地址，控制台需要它来核对域名。',
  'error.email_unverified': '您的邮箱地址在身份提供方处尚未验证。',
  'error.bad_username': '您的账号没有可用作运维人员名称的邮箱或用户名。',
  'error.taken': '已有同名的本地运维人员；请管理员将其改名或删除。',
  'error.disabled': '您的运维账号已在此控制台中被停用。',
  'error.expired': '登录耗时过长或在另一个浏览器中发起，请重试。',
  'error.provider': '身份提供方拒绝了此次登录。',
  'error.failed': '无法与身份提供方完成登录，请重试。',
  'error.unavailable': '身份提供方暂时无法访问。',
  'error.off': '此控制台未配置单点登录。',
  passwordsOff: '本地密码登录已关闭。',
  tag: '单点登录',
  tagHint: '通过单点登录登录；每次登录时由身份提供方的用户组决定角色。',
};

export function ssoText(locale: Locale, key: SsoKey): string {
  return (locale === 'zh' ? zh : en)[key];
}

/** A refusal code of the single sign-on (`domain`, `no_group`, …) that has a message here. */
export function isSsoErrorCode(v: unknown): v is string {
  return typeof v === 'string' && `error.${v}` in en;
}

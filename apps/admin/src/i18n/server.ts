// The locale of the current request: the `dsp_locale` cookie (set by the header toggle), else the
// browser's Accept-Language (zh* → 简体中文), else English.
import 'server-only';
import { cookies, headers } from 'next/headers';
import { DEFAULT_LOCALE, LOCALE_COOKIE, isLocale, type Locale } from '../lib/constants';
import { translate, type MessageKey, type Vars } from './messages';

export async function getLocale(): Promise<Locale> {
  const c = (await cookies()).get(LOCALE_COOKIE)?.value;
  if (isLocale(c)) return c;
  const accept = (await headers()).get('accept-language') ?? '';
  const first = accept.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('zh') ? 'zh' : DEFAULT_LOCALE;
}

export async function getT(): Promise<(key: MessageKey, vars?: Vars) => string> {
  const locale = await getLocale();
  return (key, vars) => translate(locale, key, vars);
}

'use client';
// Client-side context of every page: the language (antd locale, dayjs locale, our dictionary) and
// the timezone dates are shown in (config.quota.timezone).
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { App as AntApp, ConfigProvider, theme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';
import 'dayjs/locale/zh-cn';
import type { Locale } from '@/lib/constants';
import { translate, type MessageKey, type Vars } from '@/i18n/messages';

dayjs.extend(utc);
dayjs.extend(timezone);

export interface I18n {
  locale: Locale;
  timezone: string;
  t: (key: MessageKey, vars?: Vars) => string;
  /** an instant as YYYY-MM-DD HH:mm:ss in the configured timezone */
  dateTime: (iso: string | number | null | undefined) => string;
  number: (n: number | null | undefined, digits?: number) => string;
}

const Ctx = createContext<I18n | null>(null);

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside <Providers>');
  return v;
}

export function Providers({ locale, timezone: tz, children }: { locale: Locale; timezone: string; children: ReactNode }) {
  const dayjsLocale = locale === 'zh' ? 'zh-cn' : 'en';
  // the global dayjs locale drives antd's date pickers; only ever set in the browser, where there is
  // one user (the server formats with explicit per-call settings)
  if (typeof window !== 'undefined' && dayjs.locale() !== dayjsLocale) dayjs.locale(dayjsLocale);
  const value = useMemo<I18n>(() => {
    const nf = new Map<number, Intl.NumberFormat>();
    const fmt = (d: number) => {
      let f = nf.get(d);
      if (!f) nf.set(d, (f = new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: d })));
      return f;
    };
    return {
      locale,
      timezone: tz,
      t: (key, vars) => translate(locale, key, vars),
      dateTime: (iso) => (iso === null || iso === undefined || iso === '' ? '—' : dayjs(iso).tz(tz).format('YYYY-MM-DD HH:mm:ss')),
      number: (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '—' : fmt(digits).format(n)),
    };
  }, [locale, tz]);
  // marks the page interactive (its handlers attached): browser tests wait for it before clicking,
  // since a click on server-rendered markup before hydration does nothing
  useEffect(() => {
    document.documentElement.dataset.hydrated = '1';
  }, []);
  return (
    <Ctx.Provider value={value}>
      <ConfigProvider
        locale={locale === 'zh' ? zhCN : enUS}
        theme={{
          algorithm: theme.defaultAlgorithm,
          token: {
            colorPrimary: '#4d6bfe',
            fontFamily:
              'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
          },
        }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </Ctx.Provider>
  );
}

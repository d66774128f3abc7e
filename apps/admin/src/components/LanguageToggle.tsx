'use client';
import { Segmented } from 'antd';
import { useRouter } from 'next/navigation';
import { LOCALE_COOKIE, type Locale } from '@/lib/constants';
import { useI18n } from './Providers';

/** English / 简体中文, remembered for a year in the dsp_locale cookie. */
export function LanguageToggle() {
  const { locale, t } = useI18n();
  const router = useRouter();
  return (
    <Segmented<Locale>
      aria-label={t('header.language')}
      data-testid="language-toggle"
      size="small"
      value={locale}
      options={[
        { label: 'English', value: 'en' },
        { label: '简体中文', value: 'zh' },
      ]}
      onChange={(v) => {
        const secure = window.location.protocol === 'https:' ? '; secure' : '';
        document.cookie = `${LOCALE_COOKIE}=${v}; path=/; max-age=31536000; samesite=lax${secure}`;
        router.refresh();
      }}
    />
  );
}

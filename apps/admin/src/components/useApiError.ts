'use client';
// Shows an ApiError (or anything thrown) as an antd message, in the console's language.
import { App } from 'antd';
import { useCallback } from 'react';
import { hasKey } from '@/i18n/messages';
import { ApiError } from './api';
import { useI18n } from './Providers';

export function useApiError(): (e: unknown) => void {
  const { message } = App.useApp();
  const { t, locale } = useI18n();
  return useCallback(
    (e: unknown) => {
      if (e instanceof ApiError) {
        const key = `error.${e.code}`;
        const title = hasKey(key) ? t(key) : t('error.title');
        // the service layer's sentence says exactly what was wrong, in English: in English it is
        // the message; in Chinese the message is translated by its code, the sentence follows
        const detail = e.code === 'network' ? '' : e.message;
        if (locale === 'zh' && hasKey(key)) message.error(detail ? `${title}（${t('error.detail')} ${detail}）` : title, 6);
        else message.error(detail || title, 6);
        return;
      }
      message.error(t('error.title'), 6);
    },
    [message, t, locale],
  );
}

'use client';
import { Button, Result } from 'antd';
import { useI18n } from '@/components/Providers';

export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const { t } = useI18n();
  return (
    <Result
      status="error"
      title={t('error.title')}
      subTitle={t('error.page', { message: error.digest ? `digest ${error.digest}` : error.message })}
      extra={<Button onClick={reset}>{t('error.retry')}</Button>}
    />
  );
}

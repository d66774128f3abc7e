'use client';
import Link from 'next/link';
import { Button, Result } from 'antd';
import { useI18n } from '@/components/Providers';

export default function NotFound() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('error.not_found')}
      extra={
        <Link href="/dashboard">
          <Button>{t('nav.dashboard')}</Button>
        </Link>
      }
    />
  );
}

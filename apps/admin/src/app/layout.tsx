// Root layout: <html lang>, Ant Design's style registry (CSS-in-JS rendered on the server), and
// the language / timezone context. System fonts only: nothing is fetched from other hosts.
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AntdRegistry } from '@ant-design/nextjs-registry';
import { Providers } from '@/components/Providers';
import { getLocale } from '@/i18n/server';
import { translate } from '@/i18n/messages';
import { adminSettings } from '@/server/env';
import './globals.css';

export const dynamic = 'force-dynamic';

export async function generateMetadata(): Promise<Metadata> {
  const locale = await getLocale();
  return { title: translate(locale, 'app.title'), robots: { index: false, follow: false } };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const locale = await getLocale();
  const { timezone } = adminSettings();
  return (
    <html lang={locale === 'zh' ? 'zh-CN' : 'en'}>
      <body>
        <AntdRegistry>
          <Providers locale={locale} timezone={timezone}>
            {children}
          </Providers>
        </AntdRegistry>
      </body>
    </html>
  );
}

// The effective configuration, read-only, with secrets redacted (what the console and, from the
// same file, the gateway run with), and the gateway hosts the dashboard scrapes.
import { redactConfig } from '@dsp/config';
import { SettingsView } from '@/components/SettingsView';
import { requireOperator } from '@/server/auth';
import { configFile, getConfig } from '@/server/env';

export const dynamic = 'force-dynamic';

export default async function SettingsPage() {
  await requireOperator('/settings');
  const config = getConfig();
  return (
    <SettingsView
      config={JSON.parse(JSON.stringify(redactConfig(config))) as Record<string, Record<string, unknown>>}
      file={configFile()}
      hosts={[...config.admin.gateway_metrics_urls]}
    />
  );
}

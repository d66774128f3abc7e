// The recorder as a cluster member: answers the primary's metric scrapes and drains on shutdown.
import type { Config } from '@dsp/config';
import { serveMetricsToPrimary } from '../metrics/cluster-metrics.js';
import { startRecorder } from './recorder.js';

export async function runRecorderWorker(config: Config): Promise<void> {
  const recorder = await startRecorder(config);
  serveMetricsToPrimary([recorder.registry]);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await recorder.close();
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => m?.type === 'dsp:shutdown' && void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

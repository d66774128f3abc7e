// The usage recorder on its own, for scale-out: `node apps/gateway/dist/recorder-main.js --config FILE`.
import { loadConfig, isConfigError } from '@dsp/config';
import { startRecorder } from './recorder/recorder.js';

try {
  const { config } = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  const recorder = await startRecorder(config);
  const stop = () => void recorder.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (e) {
  console.error(isConfigError(e) ? (e as Error).message : `recorder: ${(e as Error).message}`);
  process.exit(1);
}

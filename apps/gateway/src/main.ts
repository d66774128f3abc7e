// Entry point: `node apps/gateway/dist/main.js --config FILE`. The same file runs as the cluster
// primary, as an HTTP worker and as the usage recorder (the role comes from the primary). Each role
// imports only its own modules: an HTTP worker never loads pg or the BullMQ worker (memory).
import './primary-flags.js';
import cluster from 'node:cluster';
import { loadConfig, isConfigError } from '@dsp/config';
import { ROLE_ENV, SLOT_ENV } from './roles.js';
import { UWS_FALLBACK_ENV } from './http/uws.js';

async function main(): Promise<void> {
  // every role refuses it, before anything loads uWS
  if (process.env[UWS_FALLBACK_ENV]) throw new Error(`${UWS_FALLBACK_ENV} is set: refusing to start on the ws fallback of uWebSockets.js`);
  let loaded;
  try {
    loaded = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (e) {
    if (isConfigError(e)) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  if (cluster.isPrimary) {
    for (const w of loaded.warnings) console.error(`warning: ${w}`);
    return (await import('./primary.js')).runPrimary(loaded.config);
  }
  const role = process.env[ROLE_ENV];
  if (role === 'recorder') return (await import('./recorder/recorder-worker.js')).runRecorderWorker(loaded.config);
  return (await import('./worker.js')).runHttpWorker(loaded.config, Number(process.env[SLOT_ENV] ?? 0));
}

main().catch((e: Error) => {
  console.error(`deepseek-proxy: ${e.message}`);
  process.exit(1);
});

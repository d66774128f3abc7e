// as packages/core/src/*.ts: core imports no app
import { runHttpWorker } from '../../../apps/gateway/src/worker.js';

export const fixture = runHttpWorker;

// BullMQ's Worker class from its own file, as ../usage/bullmq-queue.ts loads Queue: the recorder
// runs a Worker and a Queue but not the index's flow producer, sandboxed processors or PostgreSQL
// backend. bullmq is pinned to one version in package.json; a moved file fails at start.
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

const require = createRequire(import.meta.url);

export const Worker = (require('bullmq/dist/cjs/classes/worker.js') as { Worker: typeof BullMQ.Worker }).Worker;

// BullMQ's Queue class from its own file: a worker only adds jobs. BullMQ's index also loads the
// Worker, the flow producer, the sandbox, the job scheduler's cron parser and the PostgreSQL
// backend (about 0.5 MB of source text alone) — none of which a worker runs (bench/optimisations.md,
// "BullMQ's index"). bullmq is pinned to one version in package.json; a moved file fails at start.
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

const require = createRequire(import.meta.url);

export const Queue = (require('bullmq/dist/cjs/classes/queue.js') as { Queue: typeof BullMQ.Queue }).Queue;
export type Queue = BullMQ.Queue;

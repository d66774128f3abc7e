// The outbox mover keeps up with load: each tick moves batches until the outbox is below one
// batch, not one batch per tick (which capped a worker at batch_size / flush_interval_ms events a
// second while the outbox grew in Redis). Real Redis and a real BullMQ queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { UsageSink } from '../src/usage/usage-sink.js';
import { cleanPrefix, randomPrefix, waitFor } from './harness.js';

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = randomPrefix();
let redis: Redis;
let queue: Queue;

beforeAll(() => {
  redis = new Redis(URL);
  queue = new Queue('usage', { connection: new Redis(URL, { maxRetriesPerRequest: null }), prefix: `${prefix}bull` });
});
afterAll(async () => {
  await queue.close();
  await cleanPrefix(redis, prefix);
  redis.disconnect();
});

describe('usage outbox mover', () => {
  it('moves a backlog of many batches within one tick', async () => {
    const outboxKey = `${prefix}outbox`;
    const events = Array.from({ length: 250 }, (_, i) => JSON.stringify({ request_id: `r${i}` }));
    await redis.rpush(outboxKey, ...events);
    const quiet = () => {};
    const sink = new UsageSink({
      redis,
      scripts: { run: () => Promise.reject(new Error('not used')) },
      queue,
      outboxKey,
      orphanKeys: [],
      cluster: false,
      batchSize: 10,
      flushIntervalMs: 2000,
      bufferMax: 10,
      log: { debug: quiet, warn: quiet, error: quiet, info: quiet } as never,
      metrics: { eventsPending: { set: quiet }, eventsDropped: { inc: quiet } } as never,
    });
    sink.start();
    try {
      // one tick (2 s) must move all 25 batches; one batch per tick would need 50 s
      await waitFor(async () => (await redis.llen(outboxKey)) === 0, 3500);
      const jobs = await queue.getJobs(['waiting']);
      const moved = jobs.flatMap((j) => (j.data as { events: string[] }).events);
      expect(moved.sort()).toEqual([...events].sort());
    } finally {
      await sink.drain(1000);
    }
  });
});

// The primary's outbox mover, against real Redis and a real BullMQ queue: each tick moves every
// slot's backlog until it is below one batch (one batch per tick capped a slot at batch_size /
// flush_interval_ms events a second while the outbox grew in Redis); outboxes of slots the host no
// longer runs are moved at start; the shutdown drain empties everything, and a queue that refuses
// loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { OutboxMover, type OutboxMoverOptions } from '../src/usage/outbox-mover.js';
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

const quiet = () => {};
const log = { debug: quiet, warn: quiet, error: quiet, info: quiet } as never;
const mover = (o: Partial<OutboxMoverOptions> & Pick<OutboxMoverOptions, 'outboxKeys'>) =>
  new OutboxMover({ redis, queue, orphanKeys: [], batchSize: 10, flushIntervalMs: 2000, log, ...o });
const eventsOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ request_id: `${tag}${i}` }));
async function queued(): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting']);
  return jobs.flatMap((j) => (j.data as { events: string[] }).events);
}

describe('usage outbox mover (the primary)', () => {
  it("moves every slot's backlog of many batches within one tick", async () => {
    await queue.obliterate({ force: true });
    const keys = [`${prefix}ob:0`, `${prefix}ob:1`];
    const events = [eventsOf(250, 'a'), eventsOf(35, 'b')];
    await redis.rpush(keys[0]!, ...events[0]!);
    await redis.rpush(keys[1]!, ...events[1]!);
    let moved = 0;
    const backlogs: number[] = [];
    const m = mover({ outboxKeys: keys, onMoved: (n) => (moved += n), onBacklog: (n) => backlogs.push(n) });
    m.start();
    try {
      // one tick (2 s) must move all 25 + 4 batches; one batch per tick would need 50 s
      await waitFor(async () => (await redis.llen(keys[0]!)) + (await redis.llen(keys[1]!)) === 0, 3500);
      expect((await queued()).sort()).toEqual(events.flat().sort());
      // the metrics' inputs: every event counted once, and the backlog after the tick is empty
      await waitFor(async () => backlogs.length > 0, 1000);
      expect(moved).toBe(285);
      expect(backlogs[0]).toBe(0);
    } finally {
      expect(await m.drain(1000)).toBe(0);
    }
  });

  it('moves the outbox of a slot the host no longer runs at start, and drains every outbox at shutdown', async () => {
    await queue.obliterate({ force: true });
    const live = `${prefix}ob2:0`;
    const orphan = `${prefix}ob2:5`;
    const left = eventsOf(23, 'o');
    await redis.rpush(orphan, ...left);
    const m = mover({ outboxKeys: [live], orphanKeys: [`${prefix}ob2:4`, orphan], flushIntervalMs: 60_000 });
    m.start();
    await waitFor(async () => (await redis.llen(orphan)) === 0, 3000);
    // appended after the last tick (the ticks are a minute apart): only the drain moves it
    const late = eventsOf(7, 'late');
    await redis.rpush(live, ...late);
    expect(await m.drain(2000)).toBe(0);
    expect(await redis.llen(live)).toBe(0);
    expect((await queued()).sort()).toEqual([...left, ...late].sort());
  });

  it('a queue that refuses loses nothing: the events stay in the outbox and the drain says how many', async () => {
    const key = `${prefix}ob3:0`;
    const events = eventsOf(12, 'r');
    await redis.rpush(key, ...events);
    const refusing = { add: () => Promise.reject(new Error('queue down')) };
    const backlogs: number[] = [];
    const m = mover({ outboxKeys: [key], queue: refusing as never, flushIntervalMs: 50, onBacklog: (n) => backlogs.push(n) });
    m.start();
    await new Promise((r) => setTimeout(r, 300));
    // the backlog gauge shows the stuck events
    expect(backlogs.at(-1)).toBe(12);
    expect(await m.drain(300)).toBe(12);
    expect(await redis.lrange(key, 0, -1)).toEqual(events);
  });

  it('Redis unreachable at shutdown: the drain gives up at its deadline and says the count is unknown', async () => {
    // a real client to an address nothing listens on, failing each command at once
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    down.on('error', () => {});
    const m = mover({ outboxKeys: [`${prefix}ob4:0`], redis: down, flushIntervalMs: 50 });
    m.start();
    const t0 = Date.now();
    expect(await m.drain(400)).toBe(-1);
    expect(Date.now() - t0).toBeLessThan(3000);
    down.disconnect();
  });
});

// A host that restarts with fewer workers leaves the outboxes of its old slots behind; the
// primary's outbox mover drains them, so those usage events still reach the ledger.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { keys, type UsageEvent } from '@dsp/core';
import { randomPrefix, startGateway, waitFor, type Gateway } from './harness.js';
import { ledgerCount } from './accounting-lib.js';

const INSTANCE = 'orphan-test-host';

function event(i: number): UsageEvent {
  return {
    request_id: `orphan-${i}-${Date.now()}`,
    token_id: 't-orphan',
    user_id: 'orphan-user',
    model: 'deepseek-chat',
    route: '/v1/chat/completions',
    stream: false,
    status: 200,
    prompt_tokens: 5,
    completion_tokens: 8,
    cache_hit_tokens: 0,
    cache_miss_tokens: 5,
    reasoning_tokens: 0,
    first_byte_ms: 1,
    total_ms: 2,
    started_at: Date.now(),
    aborted: false,
    instance: INSTANCE,
  };
}

describe('orphaned outboxes', () => {
  let gw: Gateway;
  const redis = new Redis('redis://127.0.0.1:6379');
  afterAll(async () => {
    await gw?.stop();
    redis.disconnect();
  });

  it('the primary moves the outbox of a slot beyond the worker count into the ledger', async () => {
    const prefix = randomPrefix();
    const orphan = keys.outbox(prefix, INSTANCE, 3); // a slot a 2-worker host does not run
    await redis.rpush(orphan, ...[0, 1, 2].map((i) => JSON.stringify(event(i))));
    gw = await startGateway({ workers: 2, prefix, config: { server: { instance_id: INSTANCE } } });
    await waitFor(async () => (await ledgerCount(gw.databaseUrl)) === 3, 15_000);
    // the primary's metrics count them as queued, and its live outboxes as empty
    const metrics = await (await fetch(gw.metricsUrl)).text();
    expect(metrics).toMatch(/^dsp_usage_events_queued_total 3$/m);
    expect(metrics).toMatch(/^dsp_usage_outbox_events 0$/m);
    expect(await redis.llen(orphan)).toBe(0);
    expect(gw.logs.some((l) => l.includes('no longer runs'))).toBe(true);
  });
});

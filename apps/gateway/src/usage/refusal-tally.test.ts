import { describe, expect, it } from 'vitest';
import { RefusalTally, refusalsToQueue, type RefusalCount } from './refusal-tally.js';

function fakeQueue(fail = false) {
  const jobs: { name: string; data: { refusals: RefusalCount[] } }[] = [];
  return {
    jobs,
    add: async (name: string, data: unknown) => {
      if (fail) throw new Error('redis down');
      jobs.push({ name, data: data as { refusals: RefusalCount[] } });
      return {} as never;
    },
  };
}

describe('RefusalTally', () => {
  it('sums refusals per user, token and reason into one job per flush', async () => {
    const q = fakeQueue();
    const t = new RefusalTally(refusalsToQueue(q, { inc: () => {} }));
    t.add('alice', 'j1', 'quota_exceeded', 429, 1000);
    t.add('alice', 'j1', 'quota_exceeded', 429, 2000);
    t.add('alice', 'j2', 'concurrency_limit_exceeded', 429, 1500);
    t.add('', '', 'invalid_token', 401, 1700);
    expect(await t.flush()).toBe(3);
    expect(q.jobs).toHaveLength(1);
    expect(q.jobs[0]!.name).toBe('refusals');
    expect(q.jobs[0]!.data.refusals).toEqual([
      { at: 2000, userId: 'alice', tokenId: 'j1', reason: 'quota_exceeded', status: 429, count: 2 },
      { at: 1500, userId: 'alice', tokenId: 'j2', reason: 'concurrency_limit_exceeded', status: 429, count: 1 },
      { at: 1700, userId: '', tokenId: '', reason: 'invalid_token', status: 401, count: 1 },
    ]);
    // nothing new: no job
    expect(await t.flush()).toBe(0);
    expect(q.jobs).toHaveLength(1);
  });

  it('folds entries past its bound into one anonymous entry per reason', async () => {
    const q = fakeQueue();
    const t = new RefusalTally(refusalsToQueue(q, { inc: () => {} }));
    for (let i = 0; i < 10_005; i++) t.add(`u${i}`, `j${i}`, 'invalid_token', 401, i);
    await t.flush();
    const r = q.jobs[0]!.data.refusals;
    expect(r).toHaveLength(10_001);
    expect(r.at(-1)).toMatchObject({ userId: '', tokenId: '', count: 5 });
    expect(r.reduce((n, e) => n + e.count, 0)).toBe(10_005);
  });

  it('counts what the queue refused as dropped', async () => {
    let dropped = 0;
    const t = new RefusalTally(refusalsToQueue(fakeQueue(true), { inc: (n = 1) => void (dropped += n) }));
    t.add('bob', 'j', 'quota_exceeded', 429);
    t.add('bob', 'j', 'quota_exceeded', 429);
    await t.flush();
    expect(dropped).toBe(2);
  });

  it('gives each job its own batch id, so the recorder adds a job run twice once', async () => {
    const q = fakeQueue();
    const t = new RefusalTally(refusalsToQueue(q, { inc: () => {} }));
    t.add('a', 'j', 'quota_exceeded', 429);
    await t.flush();
    t.add('a', 'j', 'quota_exceeded', 429);
    await t.flush();
    const batches = q.jobs.map((j) => (j.data as unknown as { batch: string }).batch);
    expect(batches).toHaveLength(2);
    expect(new Set(batches).size).toBe(2);
  });
});

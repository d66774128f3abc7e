// Scale-out: two gateway hosts (two primaries on two ports, same Redis prefix, keys, database and
// upstream) behave as one gateway: one token's concurrency limit and one user's daily request
// quota hold across both. Then the same on a local 3-master Redis Cluster (redis.cluster = true):
// concurrency, quota and usage recording, with every key of one request in one hash slot.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Redis } from 'ioredis';
import { keys, periodAt, upstreamUserId } from '@dsp/core';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { besides, makeKeys, randomPrefix, startGateway, type Gateway } from '../../apps/gateway/test/harness.js';
import { chat, ledgerIds, report, sleep, startPrivateCluster, waitForLedger, type PrivateCluster } from './lib.js';

interface Answer {
  host: number;
  status: number;
  code: string | null;
  rid: string | null;
}

async function call(gw: Gateway, host: number, token: string, body: string): Promise<Answer> {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await r.text();
  let code: string | null = null;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    /* a stream */
  }
  return { host, status: r.status, code, rid: r.headers.get('x-request-id') };
}

/** Two hosts, one state: 20 clients hammer one token (limit 1), then 30 requests hit one user's quota of 10. */
async function provesOneGateway(hosts: [Gateway, Gateway], mock: MockDeepSeek, redis: Redis | Cluster, label: string): Promise<Answer[]> {
  const [a] = hosts;
  // concurrency: 20 clients at once, alternating hosts, each retrying its 429s for 3 s
  const sub = `${label}-conc`;
  const token = await a.mint({ sub, jti: `${label}-conc-t` });
  const peakBefore = mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub));
  expect(peakBefore).toBe(0);
  const until = Date.now() + 3000;
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      while (Date.now() < until) {
        const r = await call(hosts[i % 2]!, i % 2, token, chat({ stream: true, mock: { chunks: 5, chunkDelayMs: 20 } }));
        answers.push(r);
        // a client that was just served steps back, so the slot goes to whichever host asks next
        // (otherwise the winner's immediate retry can keep it on one host for the whole burst)
        await sleep(r.status === 429 ? 5 : 25);
      }
    }),
  );
  const served = answers.filter((x) => x.status === 200);
  expect(answers.filter((x) => x.status !== 200 && !(x.status === 429 && x.code === 'concurrency_limit_exceeded'))).toEqual([]);
  expect(mock.peakConcurrency(upstreamUserId('deepseek-proxy', sub))).toBe(1);
  // both hosts did serve it, one at a time
  expect(served.filter((x) => x.host === 0).length).toBeGreaterThan(0);
  expect(served.filter((x) => x.host === 1).length).toBeGreaterThan(0);
  report(
    `${label}: one token, 20 parallel clients over 2 hosts: served / refused 429 (peak upstream concurrency 1)`,
    `${served.length} / ${answers.length - served.length}`,
    '',
  );

  // quota: one user with a daily request quota of 10, three tokens; 6 requests taking turns between
  // the hosts (all served), then 24 at once over both (exactly 4 more served)
  const qsub = `${label}-quota`;
  const userKey = keys.user(a.prefix, qsub);
  await redis.hset(userKey, { status: 'active', daily_requests: '10' });
  const qtokens = await Promise.all([0, 1, 2].map((i) => a.mint({ sub: qsub, jti: `${label}-quota-t${i}`, concurrency: 20 })));
  const turns: Answer[] = [];
  for (let i = 0; i < 6; i++) turns.push(await call(hosts[i % 2]!, i % 2, qtokens[i % 3]!, chat()));
  expect(turns.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200]);
  const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => call(hosts[i % 2]!, i % 2, qtokens[i % 3]!, chat())));
  const quota = [...turns, ...burst];
  const ok = quota.filter((x) => x.status === 200);
  expect(ok).toHaveLength(10);
  expect(quota.filter((x) => x.status === 429 && x.code === 'quota_exceeded')).toHaveLength(20);
  const day = keys.day(a.prefix, qsub, periodAt('UTC', Date.now()).day);
  expect(Number(await redis.hget(day, 'req'))).toBe(10);
  report(`${label}: one user, quota 10, 30 requests over 2 hosts: served`, ok.length, '');
  return [...served, ...ok];
}

describe('scale-out: two gateway hosts on one Redis', () => {
  let mock: MockDeepSeek;
  let db: TempDatabase;
  const hosts: Gateway[] = [];

  beforeAll(async () => {
    mock = await startMockDeepSeek({});
    db = await createTempDatabase();
    const k = await makeKeys();
    const prefix = randomPrefix();
    hosts.push(...(await Promise.all([0, 1].map(() => startGateway({ workers: 2, mock, keys: k, prefix, databaseUrl: db.url })))));
  });
  afterAll(async () => {
    const codes = [];
    for (const h of hosts) codes.push(await h.stop());
    await mock.close();
    await db.drop();
    expect(codes).toEqual([0, 0]);
  });

  it("one token's concurrency and one user's daily quota hold across both hosts; all usage recorded", async () => {
    expect(hosts[0]!.port).not.toBe(hosts[1]!.port);
    const served = await provesOneGateway([hosts[0]!, hosts[1]!], mock, hosts[0]!.redis, 'two-hosts');
    await waitForLedger(
      db.url,
      served.map((x) => x.rid!),
    );
  });
});

describe('scale-out: Redis Cluster (3 masters, redis.cluster = true)', () => {
  let cluster: PrivateCluster;
  let client: Cluster;
  let mock: MockDeepSeek;
  let db: TempDatabase;
  const hosts: Gateway[] = [];

  beforeAll(async () => {
    cluster = await startPrivateCluster();
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    mock = await startMockDeepSeek({});
    db = await createTempDatabase();
    const k = await makeKeys();
    const prefix = randomPrefix();
    const config = { redis: { url: cluster.seedUrl, cluster: true } };
    hosts.push(...(await Promise.all([0, 1].map(() => startGateway({ workers: 2, mock, keys: k, prefix, databaseUrl: db.url, config })))));
  });
  afterAll(async () => {
    const codes = [];
    for (const h of hosts) codes.push(await h.stop());
    client?.disconnect();
    await mock?.close();
    await db?.drop();
    cluster?.destroy();
    expect(codes).toEqual([0, 0]);
  });

  it("concurrency lock, quota and usage recording work on the cluster; one request's keys share one slot", async () => {
    const served = await provesOneGateway([hosts[0]!, hosts[1]!], mock, client, 'cluster');
    const ms = await waitForLedger(
      db.url,
      served.map((x) => x.rid!),
    );
    report('cluster: usage of every served request in the ledger after', ms);
    expect(
      (
        await ledgerIds(
          db.url,
          served.map((x) => x.rid!),
        )
      ).size,
    ).toBe(served.length);

    // every key one request touches (admit: user, revoked, lease, day, month) is in one slot, and the
    // keys really are spread over the masters (the cluster is not one node in disguise)
    const p = hosts[0]!.prefix;
    const period = periodAt('UTC', Date.now());
    const slots = new Set<number>();
    for (const sub of ['cluster-conc', 'cluster-quota', 'someone', 'u-42']) {
      const ks = [keys.user(p, sub), keys.revoked(p, sub), keys.leases(p, sub, 'jti-1'), keys.day(p, sub, period.day), keys.month(p, sub, period.month)];
      const s = new Set(
        ks.map((k) => Number(spawnSync('redis-cli', ['-p', String(cluster.ports[0]), 'cluster', 'keyslot', k], { encoding: 'utf8' }).stdout.trim())),
      );
      expect(s.size, sub).toBe(1);
      slots.add([...s][0]!);
    }
    expect(slots.size).toBeGreaterThan(1);
    const nodesWithKeys = await Promise.all(client.nodes('master').map(async (n) => (await n.dbsize()) > 0));
    expect(nodesWithKeys.filter(Boolean).length).toBeGreaterThan(1);
    // the primary's rebuild from Postgres (SCAN over every master) ran, and set the marker
    const logs = hosts.flatMap((h) => h.logs);
    expect(logs.some((l) => l.includes('rebuilt revocations'))).toBe(true);
    expect(logs.filter((l) => l.includes('could not rebuild') || l.includes('unexpected error') || l.includes('CROSSSLOT'))).toEqual([]);
    expect(await client.exists(keys.syncMarker(p))).toBe(1);
    // the usage queue lives under its hash tag
    expect(await client.exists(`{${p}bull}:usage:id`)).toBe(1);
  });

  it('capped upstream accounts on the cluster: the caps hold, a refused request counts and holds nothing, every slot is released', async () => {
    // the account keys ({acct}) live in another hash slot than a user's: the account slot is a second
    // call after the admission, undone when no account has room
    const A = 'sk-cluster-acct-a-0001';
    const B = 'sk-cluster-acct-b-0002';
    mock.setKey(A, { maxConcurrency: 3 });
    mock.setKey(B, { maxConcurrency: 2 });
    const deepseek = {
      api_key: '',
      accounts: [
        { name: 'ca', api_key: A, max_concurrency: 3 },
        { name: 'cb', api_key: B, max_concurrency: 2 },
      ],
    };
    const gw = await startGateway({
      workers: 2,
      recorder: false,
      ...besides(hosts[0]!),
      config: { redis: { url: cluster.seedUrl, cluster: true }, deepseek, limits: { upstream_wait_ms: 0 } },
    });
    try {
      const subs = Array.from({ length: 24 }, (_, i) => `cl-acct-${i}`);
      const tokens = await Promise.all(subs.map((sub) => gw.mint({ sub, jti: `${sub}-t` })));
      // every token verified once first (the verification is cached), so the 24 below arrive together
      await Promise.all(tokens.map((t) => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.text())));
      const answers = await Promise.all(
        subs.map(async (sub, i) => ({ sub, ...(await call(gw, 0, tokens[i]!, chat({ stream: i % 2 === 0, mock: { chunks: 10, chunkDelayMs: 60 } }))) })),
      );
      expect(mock.keyStats(A).overCap).toBe(0);
      expect(mock.keyStats(B).overCap).toBe(0);
      expect(mock.keyStats(A).peak).toBeLessThanOrEqual(3);
      expect(mock.keyStats(B).peak).toBeLessThanOrEqual(2);
      // each served request went to one account, once; the 5 slots were all in use at some point
      const served = answers.filter((x) => x.status === 200);
      expect(mock.keyStats(A).requests + mock.keyStats(B).requests).toBe(served.length);
      expect(served.length).toBeGreaterThanOrEqual(5);
      const refused = answers.filter((x) => x.status !== 200);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.map((x) => [x.status, x.code])).toEqual(refused.map(() => [429, 'upstream_capacity']));
      const period = periodAt('UTC', Date.now());
      for (const x of answers) {
        // a served request counts once; a refused one was uncounted, and neither holds a token slot now
        expect(Number((await client.hget(keys.day(gw.prefix, x.sub, period.day), 'req')) ?? 0), x.sub).toBe(x.status === 200 ? 1 : 0);
        expect(await client.zcard(keys.leases(gw.prefix, x.sub, `${x.sub}-t`)), x.sub).toBe(0);
      }
      // every account slot was released (by its own call beside the finish)
      expect(await client.zcard(keys.accountLeases(gw.prefix, 'ca'))).toBe(0);
      expect(await client.zcard(keys.accountLeases(gw.prefix, 'cb'))).toBe(0);
      expect(gw.logs.filter((l) => l.includes('CROSSSLOT') || l.includes('could not undo'))).toEqual([]);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });
});

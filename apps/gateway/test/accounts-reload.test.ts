// SIGHUP re-reads the accounts without cutting a stream: requests in flight finish on the account
// they started on, new ones go to the new accounts; an invalid file changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, waitFor, type Gateway } from './harness.js';
import { complete, deepseekWith } from './accounts-lib.js';
import { logLines } from './util.js';

const ONE = 'sk-one-00000000000000001';
const TWO = 'sk-two-00000000000000002';

describe('reloading accounts during live streams', () => {
  let gw: Gateway;
  let original: string;

  beforeAll(async () => {
    gw = await startGateway({
      workers: 2,
      recorder: false,
      config: { deepseek: deepseekWith([{ name: 'one', api_key: ONE }]) },
    });
    original = readFileSync(gw.configFile, 'utf8');
  }, 200_000);
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  const reloads = () => logLines(gw).filter((l) => l.msg === 'accounts reloaded').length;

  it('lets every live stream finish and sends new requests to the new account', async () => {
    const live = Array.from({ length: 8 }, async (_, i) =>
      complete(gw.url, await gw.mint({ sub: `live-${i}` }), { stream: true, mock: { chunks: 20, chunkDelayMs: 100 } }),
    );
    await waitFor(() => gw.mock.keyStats(ONE).inFlight === 8, 10_000);
    // the same file with account "one" replaced by "two"
    writeFileSync(gw.configFile, original.replace(`name = "one"\napi_key = "${ONE}"`, `name = "two"\napi_key = "${TWO}"`));
    expect(readFileSync(gw.configFile, 'utf8')).toContain(TWO);
    const before = reloads();
    gw.proc.kill('SIGHUP');
    await waitFor(() => reloads() === before + 2, 10_000); // both workers
    expect(gw.mock.keyStats(ONE).inFlight).toBe(8);

    const fresh = await complete(gw.url, await gw.mint({ sub: 'after' }));
    expect(fresh.status).toBe(200);
    expect(gw.mock.keyStats(TWO).requests).toBe(1);

    const answers = await Promise.all(live);
    expect(answers.map((a) => [a.status, a.done])).toEqual(answers.map(() => [200, true]));
    expect(gw.mock.keyStats(ONE).requests).toBe(8);
  });

  it('keeps the current accounts when the reloaded file is invalid', async () => {
    const current = readFileSync(gw.configFile, 'utf8');
    writeFileSync(gw.configFile, `${current}\n[limits]\ntoken_concurrency = "lots"\n`);
    gw.proc.kill('SIGHUP');
    await waitFor(() => logLines(gw).some((l) => String(l.msg).startsWith('reload refused')), 10_000);
    writeFileSync(gw.configFile, current);
    const r = await complete(gw.url, await gw.mint({ sub: 'still' }));
    expect(r.status).toBe(200);
    expect(gw.mock.keyStats(TWO).requests).toBe(2);
  });
});

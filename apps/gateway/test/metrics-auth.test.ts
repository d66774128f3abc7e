// The metrics listener: loopback unless configured otherwise, and with `[metrics] bearer_token`
// set, /metrics answers only a request that carries that token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '@dsp/config';
import { startGateway, type Gateway } from './harness.js';

const TOKEN = 'metrics-token-0123456789';

describe('metrics listener', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ workers: 1, recorder: false, config: { metrics: { bearer_token: TOKEN } } });
  });
  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
  });

  it('listens on 127.0.0.1 by default', () => {
    expect(defaultConfig().metrics.host).toBe('127.0.0.1');
  });

  it('refuses a scrape without the bearer token (401), serves one with it', async () => {
    const none = await fetch(gw.metricsUrl);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('dsp_');
    for (const authorization of [`Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer`, TOKEN]) {
      expect((await fetch(gw.metricsUrl, { headers: { authorization } })).status, authorization).toBe(401);
    }
    const ok = await fetch(gw.metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('dsp_build_info');
  });
});

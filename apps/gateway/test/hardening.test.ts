// Issue 14, the gateway's share so far: no server banner header; /v1/models refuses a disabled
// user like completions do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startGateway, type Gateway } from './harness.js';
import { errorOf, post, userKey } from './util.js';

describe('hardening', () => {
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway({ workers: 1, recorder: false });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('sends no uWebSockets header', async () => {
    for (const r of [await fetch(`${gw.url}/healthz`), await post(`${gw.url}/v1/chat/completions`, await gw.mint({ sub: 'h-banner' }), chatBody())]) {
      await r.text();
      expect([...r.headers.keys()].filter((k) => k.toLowerCase() === 'uwebsockets')).toEqual([]);
    }
  });

  it('/v1/models refuses a disabled user (403 user_disabled), like completions', async () => {
    const sub = 'h-models-disabled';
    const token = await gw.mint({ sub });
    expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await gw.redis.hset(userKey(gw, sub), 'status', 'disabled');
    try {
      for (const path of ['/v1/models', '/models']) {
        const e = await errorOf(await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } }));
        expect([e.status, e.code]).toEqual([403, 'user_disabled']);
      }
    } finally {
      await gw.redis.hset(userKey(gw, sub), 'status', 'active');
    }
  });
});

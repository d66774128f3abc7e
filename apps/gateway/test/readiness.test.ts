// /readyz follows the upstream: a failed connect makes the worker not ready, and the worker's own
// probe brings it back once the upstream answers again (no client traffic needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { chatBody, freePort, startGateway, waitFor, type Gateway } from './harness.js';

describe('readiness follows the upstream', () => {
  let gw: Gateway;
  let port: number;
  let revived: MockDeepSeek | null = null;
  beforeAll(async () => {
    port = await freePort();
    gw = await startGateway({ workers: 1, baseUrl: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await gw.stop();
    await revived?.close();
  });

  it('is not ready after a refused connect, and ready again when the upstream is back', async () => {
    const token = await gw.mint({ sub: 'ready-user' });
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: chatBody() });
    expect(r.status).toBe(502);
    const down = await fetch(`${gw.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ upstream: false, redis: true });

    revived = await startMockDeepSeek({ port });
    await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, 10_000);
    const again = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: chatBody() });
    expect(again.status).toBe(200);
  });
});

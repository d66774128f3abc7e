import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GATEWAY_MAIN, chatBody, startGateway, type Gateway } from './harness.js';

describe('gateway smoke', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ workers: 2 });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('answers a chat completion with exactly what the mock sent', async () => {
    const token = await gw.mint({ sub: 'smoke-user' });
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: chatBody() });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { choices: { message: { content: string } }[]; usage: { total_tokens: number } };
    expect(j.choices[0]!.message.content).toBe('Hello from the mock DeepSeek API server.');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const seen = gw.mock.received.at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer sk-upstream-secret-key');
  });

  it('runs the usage recorder with a small young generation and slow old-generation growth, and the HTTP workers with V8 defaults', async () => {
    const recorderPid = () => gw.logs.map((l) => /"role":"recorder","pid":(\d+).*"msg":"usage recorder started"/.exec(l)?.[1]).find(Boolean);
    await expect.poll(recorderPid, { timeout: 10_000 }).toBeDefined();
    const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv(Number(recorderPid()))).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--heap-growing-percent=25']));
    const [worker] = await gw.workerPids();
    expect(argv(worker!).some((a) => a.startsWith('--max-semi-space-size') || a.startsWith('--heap-growing-percent'))).toBe(false);
  });

  it('refuses to start a second gateway on a port already in use (SO_REUSEPORT would share it silently)', () => {
    const r = spawnSync(process.execPath, [GATEWAY_MAIN, '--config', gw.configFile], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('already in use');
  });
});
